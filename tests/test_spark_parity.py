"""The summary and the cleaning on Spark (local mode) equal DuckDB's: on CDNOW, on a 1M-row
synthetic log, on bad inputs that reach the summary, and through a scenario with
``engine.backend: spark`` (a Parquet file, or a table of the session's catalog)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.config import Params
from workbench.data.datasets import load_cdnow
from workbench.data.load import load_transactions
from workbench.errors import ParamsError
from workbench.scenario import Scenario
from workbench.summary import rfm_summary

SPLIT = {"observation_end": "1998-06-30", "calibration_end": "1997-09-30", "time_unit": "W"}


@pytest.fixture(scope="module")
def spark():
    from workbench.engine.spark import spark_backend

    return spark_backend("local[2]")


def parquet(frame: pd.DataFrame, path) -> str:
    frame.to_parquet(path, index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
    return str(path)


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    for column in a.columns:
        if pd.api.types.is_float_dtype(a[column]):
            np.testing.assert_allclose(a[column], b[column], rtol=1e-9, atol=0, err_msg=column)
        else:
            assert a[column].equals(b[column]), column


@pytest.fixture(scope="module")
def cdnow_file(tmp_path_factory):
    return parquet(load_cdnow("master"), tmp_path_factory.mktemp("cdnow") / "cdnow.parquet")


def test_cdnow_summary_and_split_equal_duckdb(spark, cdnow_file):
    for split in (True, False):
        kwargs = SPLIT if split else {k: v for k, v in SPLIT.items() if k != "calibration_end"}
        kwargs = {**kwargs, "regularity": split}  # the window of inter-purchase gaps, on the split
        ours = rfm_summary(spark.read_parquet(cdnow_file), **kwargs)
        reference = rfm_summary(cdnow_file, **kwargs)
        assert len(ours) == 23_570
        assert_same(ours, reference)


def test_a_million_rows_equal_duckdb(spark, tmp_path):
    rng = np.random.default_rng(19)
    n = 1_000_000
    frame = pd.DataFrame({
        "customer_id": np.char.add("C", rng.integers(0, 120_000, n).astype(str)),
        "timestamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730 * 86_400, n), unit="s"),
        "amount": np.round(rng.gamma(2.0, 30.0, n), 2),
    })
    path = parquet(frame, tmp_path / "log.parquet")
    kwargs = {"observation_end": "2024-12-31", "calibration_end": "2024-06-30", "time_unit": "D"}
    assert_same(rfm_summary(spark.read_parquet(path), **kwargs), rfm_summary(path, **kwargs))
    unmerged = {**kwargs, "merge_same_day": False, "regularity": True}
    assert_same(rfm_summary(spark.read_parquet(path), **unmerged), rfm_summary(path, **unmerged))


def test_bad_inputs_are_cleaned_the_same_way(spark, tmp_path):
    """Returns netted per order, exact duplicates, missing ids, amounts and dates, a zero
    amount, an outlier and rows after the observation end: the same log and the same summary."""
    rows = [
        ("a", "2024-01-02 10:00", 50.0, "o1"), ("a", "2024-01-02 12:00", -20.0, "o1"),   # a partial return
        ("a", "2024-02-10 09:00", 30.0, "o2"), ("a", "2024-02-10 09:00", 30.0, "o2"),   # an exact duplicate
        ("b", "2024-01-05 08:00", 10.0, "o3"), ("b", "2024-01-05 08:00", -10.0, "o3"),  # fully returned
        ("b", "2024-03-01 08:00", 0.0, "o4"),                                           # zero amount
        ("c", "2024-01-07 08:00", 1e13, "o5"), ("c", "2024-02-07 08:00", 25.0, "o6"),   # an outlier
        (None, "2024-01-08 08:00", 5.0, "o7"), ("d", None, 5.0, "o8"), ("d", "2024-01-09 08:00", None, "o9"),
        ("d", "2024-04-01 08:00", 12.0, "o10"), ("d", "2025-02-01 08:00", 12.0, "o11"),  # after the end
        ("e", "2024-06-30 23:59", 8.0, "o12"), ("e", "2024-07-01 00:00", 9.0, "o13"),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount", "order_id"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    path = parquet(frame, tmp_path / "bad.parquet")
    ours = load_transactions(spark.read_parquet(path), observation_end="2024-12-31")
    reference = load_transactions(path, observation_end="2024-12-31", lazy=True)
    steps = ["step", "column", "rows", "action"]
    pd.testing.assert_frame_equal(ours.log[steps].reset_index(drop=True), reference.log[steps].reset_index(drop=True))
    counts = ours.log.set_index("step")["rows"]
    assert (counts["exact_duplicates"], counts["missing_customer_id"], counts["missing_timestamp"], counts["missing_amount"],
            counts["after_observation_end"], counts["zero_amounts"], counts["outliers"]) == (1, 1, 1, 1, 1, 1, 1)
    assert counts["returns"] == 2
    kwargs = {"observation_end": "2024-12-31", "calibration_end": "2024-06-30", "time_unit": "D"}
    assert_same(rfm_summary(ours.data, **kwargs), rfm_summary(reference.data, **kwargs))


def test_a_scenario_runs_its_summaries_on_spark(spark, cdnow_file, tmp_path):
    base = {"data": {"transactions": cdnow_file}, **SPLIT}
    on_spark = Scenario(Params.model_validate({**base, "engine": {"backend": "spark"}}), tmp_path)
    on_duckdb = Scenario(Params.model_validate(base), tmp_path)
    assert on_spark.data.lazy and on_spark.data.transactions.get_backend().name == "pyspark"
    assert_same(on_spark.summary(split=True), on_duckdb.summary(split=True))
    # a table of the session's catalog, and the bundled CSV handed to Spark as Parquet
    spark._session.read.parquet(cdnow_file).createOrReplaceTempView("cdnow_sales")
    named = Scenario(Params.model_validate({**base, "data": {"transactions": "table:cdnow_sales"}, "engine": {"backend": "spark"}}), tmp_path)
    assert_same(named.summary(), on_duckdb.summary())
    bundled = Scenario(Params.model_validate({**SPLIT, "engine": {"backend": "spark"}}), tmp_path)
    assert bundled.data.transactions.get_backend().name == "pyspark"
    assert_same(bundled.summary(split=True), on_duckdb.summary(split=True))


def test_a_table_source_without_spark_is_a_clear_error(tmp_path):
    sc = Scenario(Params.model_validate({"data": {"transactions": "table:sales"}, **SPLIT}), tmp_path)
    with pytest.raises(ParamsError, match="names a table of the engine; set engine.backend: spark"):
        sc.data
    with pytest.raises(Exception, match="table: needs a table name"):
        Params.model_validate({"data": {"transactions": "table:"}})


def test_spark_scratch_folders_go_when_the_process_ends(tmp_path):
    """The warehouse and the frames handed to Spark live in temporary folders removed at exit."""
    import subprocess
    import sys

    code = ("import pathlib, sys; from workbench.engine.spark import scratch_folder; "
            "f = pathlib.Path(scratch_folder('workbench-test-')); (f / 'x.parquet').write_text('x'); print(f)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    folder = done.stdout.strip()
    assert folder and not Path(folder).exists()
