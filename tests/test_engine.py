"""The engine seam: one interface, DuckDB its first implementation, a lazy source kept lazy.

The generic implementation (any ibis backend) is the second implementation the DuckDB one is
checked against; plain pandas is the reference for the counts; a lazy Parquet scenario must give
the eager scenario's figures without ever becoming a pandas frame.
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from workbench.config import parse_params
from workbench.data import quality
from workbench.data.datasets import load_cdnow
from workbench.engine import DuckDBEngine, Engine, as_table, engine_for, private_engine
from workbench.models.clv import BetaGeo
from workbench.models.validation import tracking
from workbench.report import metrics
from workbench.scenario import Scenario


def test_engine_for_picks_the_backends_engine_and_a_new_backend_is_one_subclass():
    assert type(engine_for(ibis.memtable({"x": [1]}))) is DuckDBEngine
    assert type(engine_for(ibis.duckdb.connect())) is DuckDBEngine

    class FakeBackend:
        name = "fake_warehouse"

    assert type(engine_for(FakeBackend())) is Engine  # unknown backends get the generic engine

    class FakeEngine(Engine):
        name = "fake_warehouse"

    assert type(engine_for(FakeBackend())) is FakeEngine


def test_duckdb_functions_agree_with_the_generic_sql():
    t = ibis.memtable(pa.table({  # Arrow keeps NaN as a float, apart from the null
        "v": pa.array([1.0, np.nan, np.inf, -np.inf, 2.5, None], from_pandas=False),
        "k": pa.array([3, 1, 2, 5, 4, 6], pa.int32()),  # the summary keys days as int32
        "g": ["a", "a", "b", "b", "a", "b"],
        "ts": pa.array(pd.to_datetime(["2024-01-01 23:30"] * 6).tz_localize("Asia/Shanghai")),
    }))
    duck, generic = DuckDBEngine(ibis.get_backend()), Engine(ibis.get_backend())
    for engine_ in (duck, generic):
        got = engine_.execute(t.select(f=engine_.finite(t.v)))["f"].tolist()
        assert got[:5] == [True, False, False, False, True] and pd.isna(got[5]), type(engine_).__name__
    by = {e: e.execute(t.group_by("g").aggregate(m=e.arg_min(t.v, t.k)).order_by("g"))["m"].tolist() for e in (duck, generic)}
    np.testing.assert_array_equal(by[duck], [np.nan, np.inf])  # group a's smallest key holds the NaN
    np.testing.assert_array_equal(by[generic], by[duck])
    local, note = duck.local_time(t.ts, None)
    assert duck.execute(t.select(x=local))["x"].iloc[0] == pd.Timestamp("2024-01-01 23:30") and "Asia/Shanghai" in note


def test_a_private_duckdb_spills_to_its_own_folder_and_closes():
    with private_engine() as engine:
        assert engine.own and "workbench-duckdb-" in engine.setting("temp_directory")
        con = engine.backend
    with pytest.raises(Exception):
        con.raw_sql("SELECT 1")


@pytest.fixture(scope="module")
def master() -> pd.DataFrame:
    return load_cdnow("master")


def test_quality_counts_equal_plain_pandas(master):
    facts = quality.overview(master)
    assert facts["transactions"] == len(master) and facts["customers"] == master["customer_id"].nunique()
    assert facts["revenue"] == pytest.approx(master["amount"].sum())
    month = master["timestamp"].dt.to_period("M")
    by_month = master.groupby(month).agg(transactions=("customer_id", "size"), customers=("customer_id", "nunique"),
                                         revenue=("amount", "sum"))
    got = quality.monthly(master)
    pd.testing.assert_frame_equal(got[["transactions", "customers"]], by_month[["transactions", "customers"]],
                                  check_names=False)
    np.testing.assert_allclose(got["revenue"], by_month["revenue"])
    counts = master.groupby("customer_id").size().clip(upper=10).value_counts().sort_index()
    assert quality.purchases_per_customer(master).tolist() == counts.tolist()


def _scenario(path, lazy: bool, tmp_path) -> Scenario:
    params = parse_params({
        "data": {"transactions": str(path), "options": {"lazy": lazy, "duplicates": "keep"}},
        "calibration_end": "1997-09-30", "time_unit": "W",
        "tiers": {"schemes": [{"name": "rfm", "kind": "rfm_segments"}]},
    })
    return Scenario(params, output_dir=tmp_path)


def test_a_lazy_parquet_source_stays_lazy_through_the_scenario(master, tmp_path):
    path = tmp_path / "master.parquet"
    master.to_parquet(path)
    lazy, eager = _scenario(path, True, tmp_path), _scenario(path, False, tmp_path)
    assert lazy.data.lazy and isinstance(lazy.data.transactions, ibis.Table) and not eager.data.lazy
    pd.testing.assert_series_equal(quality.overview(lazy.data.transactions, lazy.data.rows_read),
                                   quality.overview(eager.data.transactions, eager.data.rows_read))
    pd.testing.assert_frame_equal(quality.monthly(lazy.data.transactions), quality.monthly(eager.data.transactions))
    pd.testing.assert_series_equal(quality.purchases_per_customer(lazy.data.transactions),
                                   quality.purchases_per_customer(eager.data.transactions))
    metrics.recorded.pop("observation_end", None)
    assert lazy.observation_end == eager.observation_end == dt.date(1998, 6, 30)
    assert metrics.recorded["observation_end"] == "1998-06-30"  # resolved once, recorded for the manifest
    pd.testing.assert_frame_equal(lazy.summary(split=True), eager.summary(split=True))
    model = BetaGeo().fit(eager.summary(split=True))
    track = {sc: tracking(model, sc.data.transactions, observation_end=sc.observation_end,
                          calibration_end="1997-09-30") for sc in (lazy, eager)}
    pd.testing.assert_frame_equal(track[lazy], track[eager])
    assert isinstance(lazy.data.transactions, ibis.Table)  # nothing turned it into pandas


def test_as_table_keeps_tables_and_wraps_frames(master):
    t = ibis.memtable(master.head())
    assert as_table(t) is t and as_table(master.head()).count().execute() == 5
