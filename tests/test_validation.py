"""Holdout validation: tracking, conditional expectations, errors against baselines, CLV ranking."""

from __future__ import annotations

import importlib
import numpy as np
import pandas as pd
import pytest

from tests.test_clv_data import cdnow_summary, cdnow_transactions
from workbench.data.quality import gini as revenue_gini
from workbench.errors import DataError, ParamsError
from workbench.models.clv import BetaGeo, ParetoNBD
from workbench.models.validation import (
    clv_ranking,
    conditional_expectations,
    holdout_errors,
    predict_holdout,
    tracking,
)


class LinearModel:
    """A stand-in model with hand-computable predictions."""

    def expected_purchases(self, t):
        return 0.5 * np.asarray(t, float)

    def conditional_expected_purchases(self, t, summary):
        return summary["frequency"] * t / 10


def tiny_log():
    rows = [
        ("a", "2020-01-01", 10.0),
        ("a", "2020-01-01", 5.0),  # same day: merged into the first purchase
        ("a", "2020-01-03", 7.0),
        ("a", "2020-01-09", 7.0),
        ("b", "2020-01-05", 3.0),
        ("b", "2020-01-15", 3.0),
        ("b", "2020-01-20", 3.0),  # after observation end
    ]
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"]).assign(timestamp=lambda d: pd.to_datetime(d["timestamp"]))


def test_tracking_by_hand():
    """Weeks from 2020-01-01 to 2020-01-15 (inclusive): 2 whole weeks, boundaries 01-08 and 01-15.

    Actual repeats before 01-08: a on 01-03 -> 1; before 01-15: + a on 01-09 -> 2 (b's 01-15
    purchase falls in the third, partial week). Expected with E[X(t)] = t/2: at 01-08 a is 1 week
    old and b 3 days: 0.5 + 0.5 * 3/7; at 01-15: 0.5 * 2 + 0.5 * 10/7.
    """
    out = tracking(LinearModel(), tiny_log(), observation_end="2020-01-15", calibration_end="2020-01-08")
    assert list(out["date"]) == [pd.Timestamp("2020-01-08"), pd.Timestamp("2020-01-15")]
    np.testing.assert_allclose(out["actual_cumulative"], [1, 2])
    np.testing.assert_allclose(out["expected_cumulative"], [0.5 + 0.5 * 3 / 7, 1 + 0.5 * 10 / 7])
    np.testing.assert_allclose(out["expected"], [0.5 + 0.5 * 3 / 7, 0.5 + 0.5])
    assert out.attrs["calibration_end"] == pd.Timestamp("2020-01-08")
    daily = tracking(LinearModel(), tiny_log(), time_unit="D", observation_end="2020-01-15")
    assert len(daily) == 15 and daily["actual_cumulative"].iloc[-1] == 3  # b's 01-15 counts by the 01-16 boundary


def test_tracking_equals_lifetimes_on_cdnow():
    """lifetimes' expected_cumulative_transactions(t=78*7, freq="D", freq_multiplier=7)."""
    utils = importlib.import_module("lifetimes.utils")
    fitters = importlib.import_module("lifetimes")
    tx = cdnow_transactions("sample")
    model = BetaGeo().fit(cdnow_summary("sample"))
    ref_model = fitters.BetaGeoFitter()
    ref_model.params_ = model.params_.copy()
    ref = utils.expected_cumulative_transactions(ref_model, tx, "timestamp", "customer_id", t=78 * 7, freq="D", freq_multiplier=7)
    got = tracking(model, tx, observation_end="1998-06-30")
    assert len(got) == len(ref) == 78
    np.testing.assert_allclose(got["expected_cumulative"], ref["predicted"], rtol=1e-10)
    np.testing.assert_array_equal(got["actual_cumulative"], ref["actual"])
    # the holdout weeks (40-78) hold the 1,882 repeat transactions of NOTES.md
    assert got["actual_cumulative"].iloc[-1] - got.loc[got["date"] <= "1997-10-01", "actual_cumulative"].iloc[-1] == 1882


def holdout_summary():
    return pd.DataFrame(
        {
            "frequency": [0, 0, 1, 3, 9],
            "recency": [0.0, 0.0, 2.0, 8.0, 9.0],
            "T": [10.0, 0.0, 10.0, 10.0, 10.0],
            "frequency_holdout": [0, 1, 1, 2, 6],
            "duration_holdout": [10.0, 10.0, 10.0, 10.0, 20.0],
        },
        index=pd.Index(list("abcde"), name="customer_id"),
    )


def test_conditional_expectations_by_hand():
    s = holdout_summary()
    out = conditional_expectations(LinearModel(), s, max_frequency=3)
    assert list(out.index) == ["0", "1", "2", "3+"]
    np.testing.assert_array_equal(out["customers"], [2, 1, 0, 2])
    np.testing.assert_allclose(out["actual"], [0.5, 1, np.nan, 4])
    # predictions use each customer's own duration: x * d / 10
    np.testing.assert_allclose(out["predicted"], [0, 1, np.nan, (3 + 18) / 2])
    np.testing.assert_allclose(predict_holdout(LinearModel(), s), [0, 0, 1, 3, 18])


def test_conditional_expectations_on_cdnow_add_up():
    s = cdnow_summary("sample")
    model = ParetoNBD().fit(s)
    out = conditional_expectations(model, s)
    assert out["customers"].sum() == 2357 and list(out.index)[-1] == "7+"
    assert (out["customers"] * out["actual"]).sum() == pytest.approx(1882)
    assert (out["customers"] * out["predicted"]).sum() == pytest.approx(model.conditional_expected_purchases(39.0, s).sum())


def test_holdout_errors_by_hand():
    s = holdout_summary()
    out = holdout_errors(LinearModel(), s)
    actual = np.array([0, 1, 1, 2, 6])
    model_pred = np.array([0, 0, 1, 3, 18])
    own = np.array([0, 0, 1, 3, 18])  # x / T * d, 0 for T = 0
    pop = 13 / 40 * np.array([10, 10, 10, 10, 20])
    for name, pred in (("model", model_pred), ("individual rate", own), ("population rate", pop)):
        row = out.loc[name]
        assert row["MAE"] == pytest.approx(np.mean(np.abs(pred - actual)))
        assert row["RMSE"] == pytest.approx(np.sqrt(np.mean((pred - actual) ** 2)))
        assert row["bias"] == pytest.approx(np.mean(pred - actual))
        assert row["actual"] == 10 and row["predicted"] == pytest.approx(pred.sum())


def test_model_beats_naive_baselines_on_cdnow():
    s = cdnow_summary("sample")
    out = holdout_errors(BetaGeo().fit(s), s)
    assert out.loc["model", "MAE"] < out.loc["individual rate", "MAE"]
    assert out.loc["model", "RMSE"] < out.loc["population rate", "RMSE"]


def test_clv_ranking_by_hand():
    rev = pd.Series([0.0, 10.0, 30.0, 60.0], index=list("abcd"))
    perfect = clv_ranking(pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd")), rev, top=0.25)
    # cumulative shares 0.6, 0.9, 1.0, 1.0: area = (0.3 + 0.75 + 0.95 + 1.0) / 4 = 0.75
    assert perfect["gini"] == pytest.approx(0.5)
    assert perfect["gini_perfect"] == pytest.approx(revenue_gini(rev))  # an independent implementation
    assert perfect["normalized_gini"] == pytest.approx(1.0)
    assert perfect["top_share"] == pytest.approx(0.6) and perfect["top_lift"] == pytest.approx(2.4)
    assert perfect["spearman"] == pytest.approx(1.0)
    reverse = clv_ranking(pd.Series([4.0, 3.0, 2.0, 1.0], index=list("abcd")), rev)
    assert reverse["normalized_gini"] == pytest.approx(-1.0)
    ties = clv_ranking(pd.Series(1.0, index=list("abcd")), rev, top=0.5)
    assert ties["gini"] == pytest.approx(0.0, abs=1e-12)
    assert ties["top_share"] == pytest.approx(0.5)  # random order within ties: half the revenue


def test_clv_ranking_aligns_on_customer_ids():
    rev = pd.Series([0.0, 10.0, 30.0], index=list("abc"))
    pred = pd.Series([3.0, 2.0, 1.0, 99.0], index=list("cbaz"))  # different order, one extra id
    out = clv_ranking(pred, rev)
    assert out["customers"] == 3 and out["normalized_gini"] == pytest.approx(1.0)


def test_validation_input_errors():
    s = holdout_summary().drop(columns="duration_holdout")
    with pytest.raises(DataError, match="'duration_holdout' missing"):
        holdout_errors(LinearModel(), s)
    with pytest.raises(DataError, match="'timestamp' missing"):
        tracking(LinearModel(), tiny_log().drop(columns="timestamp"))
    with pytest.raises(ParamsError, match="top"):
        clv_ranking(pd.Series([1.0]), pd.Series([1.0]), top=0)
    with pytest.raises(DataError, match="share no customer"):
        clv_ranking(pd.Series([1.0], index=["a"]), pd.Series([1.0], index=["b"]))
    with pytest.raises(ParamsError, match="time_unit"):
        tracking(LinearModel(), tiny_log(), time_unit="M")


def test_a_constant_prediction_has_no_correlation_and_tables_show_a_dash():
    """The population rate with one holdout length for all is a constant: its correlation is
    undefined (shown as '—'), not the -4.5e-17 floating noise np.std let through."""
    from workbench.report.display import fmt

    n = 600
    rng = np.random.default_rng(3)
    summary = pd.DataFrame({"frequency": rng.poisson(1.3, n).astype(float), "T": np.full(n, 39.0 + 1 / 7),
                            "frequency_holdout": rng.poisson(1.0, n).astype(float),
                            "duration_holdout": np.full(n, 207 + 1 / 7)})
    errors = holdout_errors(LinearModel(), summary)
    population = errors.loc["population rate"]
    assert np.ptp(np.full(n, summary["frequency"].sum() / summary["T"].sum()) * summary["duration_holdout"]) == 0
    assert np.isnan(population["correlation"]) and fmt(population["correlation"]) == "—"
    assert np.isfinite(errors.loc["individual rate", "correlation"])


def test_counts_in_the_clv_ranking_stay_whole_numbers():
    from workbench.models.selection import clv_holdout_ranking
    from workbench.report.display import fmt

    summary = cdnow_summary("sample")
    models = {"BG/NBD": BetaGeo().fit(summary)}
    from workbench.models.clv import GammaGamma

    spend = GammaGamma().fit(summary[summary["frequency"] > 0])
    ranking = clv_holdout_ranking(models, spend, summary, 12, 0.01)
    assert ranking["customers"].dtype == np.int64 and fmt(ranking.loc["BG/NBD", "customers"]) == "2,357"


def test_time_spans_read_as_people_say_them():
    from workbench.plots.clv import time_span

    assert time_span(207 + 1 / 7, "W") == "207 weeks" and time_span(207 + 1 / 7, "W", "zh") == "207 周"
    assert time_span(3.5, "D") == "3.5 days" and time_span(2.0, None) == "2 time units"
