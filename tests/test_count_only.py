"""Transaction logs without amounts (counts only): loader, summary, RFM on R and F, and the
reports, which fit what needs only counts and say what they skip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workbench.data.load import load_transactions
from workbench.data.synthetic import simulate_transactions
from workbench.errors import NotApplicableError
from workbench.segment import RFMScorer, ScoreTiers
from workbench.summary import MONEY_COLUMNS, rfm_summary


@pytest.fixture(scope="module")
def logs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same BG/NBD purchases (CDNOW parameters, weeks) with and without amounts."""
    tx, _ = simulate_transactions(800, start="2024-01-01", acquisition_days=84, observation_end="2025-06-30", seed=11)
    return tx, tx.drop(columns=["amount"])


def test_the_loader_reads_a_log_without_amounts_and_says_so(logs):
    _, counts = logs
    loaded = load_transactions(counts)
    assert "amount" not in loaded.data.columns and loaded.n_rows == len(counts.drop_duplicates())
    log = loaded.log.set_index("step")
    assert log.loc["amount", "action"] == "skipped" and "counts only" in log.loc["amount", "detail"]
    assert {log.loc[s, "action"] for s in ("returns", "zero_amounts", "outliers")} == {"skipped"}
    assert "no amount column" in log.loc["columns", "detail"]


def test_a_mapped_amount_column_that_is_missing_is_still_an_error(logs):
    from workbench.errors import DataError

    _, counts = logs
    with pytest.raises(DataError, match=r"column 'value' \(mapped from 'amount'\) not found"):
        load_transactions(counts, {"amount": "value"})


def test_the_summary_is_the_same_without_the_money_columns(logs):
    full, counts = logs
    kwargs = {"observation_end": "2025-06-30", "calibration_end": "2024-12-31", "time_unit": "W"}
    with_money, without = rfm_summary(full, **kwargs), rfm_summary(counts, **kwargs)
    assert without.attrs["amounts"] is False and with_money.attrs["amounts"] is True
    assert not set(MONEY_COLUMNS) & set(without.columns)
    pd.testing.assert_frame_equal(without, with_money.drop(columns=list(MONEY_COLUMNS)), check_like=True)


def test_rfm_scores_use_r_and_f_scaled_to_the_rfm_range(logs):
    full, counts = logs
    summary = rfm_summary(counts, observation_end="2025-06-30", time_unit="W")
    scores = RFMScorer().fit_transform(summary)
    assert "M" not in scores.columns
    np.testing.assert_allclose(scores["rfm_score"], (scores["R"] + scores["F"]) * 3 / 2)
    assert scores["rfm_cell"].str.len().eq(2).all()
    with_money = RFMScorer().fit_transform(rfm_summary(full, observation_end="2025-06-30", time_unit="W"))
    pd.testing.assert_series_equal(scores["R"], with_money["R"]) and pd.testing.assert_series_equal(scores["F"], with_money["F"])
    with pytest.raises(NotApplicableError, match=r"needs amounts \('revenue'\).*counts only"):
        ScoreTiers("revenue").fit(summary)


@pytest.mark.notebook
def test_every_report_runs_on_a_count_only_log(logs, tmp_path):
    from typer.testing import CliRunner

    from tests.test_runner import visible_text
    from workbench.cli import app

    _, counts = logs
    source = tmp_path / "counts.csv"
    counts.assign(timestamp=counts["timestamp"].dt.strftime("%Y-%m-%d")).to_csv(source, index=False)
    result = CliRunner().invoke(app, ["run", "--all", "-q", "--reports", str(tmp_path / "r"),
                                      "--set", f"data.transactions={source}", "--set", "observation_end=2025-06-30",
                                      "--set", "calibration_end=2024-12-31"])
    assert result.exit_code == 0, result.output
    manifests = {m.parent.parent.name: json.loads(m.read_text()) for m in (tmp_path / "r").glob("*/*/manifest.json")}
    assert {m["status"] for m in manifests.values()} == {"succeeded"}
    rfm = manifests["10_rfm_tiers"]["metrics"]
    assert {"rfm", "rfm_abcd", "lifecycle"} <= set(rfm["schemes"]) and "pareto" in rfm["not_fitted"]
    clv = manifests["40_clv"]["metrics"]
    assert set(clv["params_BG/NBD"]) == {"r", "alpha", "a", "b"} and "clv_total" not in clv
    texts = {name: visible_text(next((tmp_path / "r" / name).glob("*/report.html")).read_text(encoding="utf-8"))
             for name in manifests}
    assert "counts only" in texts["00_data_quality"] and "RFM scores use R and F" in texts["10_rfm_tiers"]
    assert "Gamma-Gamma spend model, CLV values and CLV tiers need amounts and are skipped" in texts["40_clv"]
