"""Kaplan-Meier per tier against scikit-survival (curves, log-rank test) and known truth
(medians of exponential lifetimes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sksurv.compare import compare_survival
from sksurv.nonparametric import kaplan_meier_estimator
from sksurv.util import Surv

from workbench.churn.kaplan_meier import _holm, tier_survival
from workbench.errors import DataError


@pytest.fixture(scope="module")
def tiered():
    """Three tiers with exponential lifetimes of means 200, 100 and 50 days, uniform censoring."""
    rng = np.random.default_rng(4)
    n = 6000
    tier = rng.choice(["Gold", "Silver", "Bronze"], n)
    mean = pd.Series(tier).map({"Gold": 200.0, "Silver": 100.0, "Bronze": 50.0}).to_numpy()
    churn, censor = np.ceil(rng.exponential(mean)), np.ceil(rng.uniform(0, 600, n))
    index = pd.Index([f"c{i}" for i in range(n)], name="customer_id")
    durations = pd.DataFrame({"duration": np.minimum(churn, censor), "churned": churn <= censor}, index=index)
    labels = pd.Series(pd.Categorical(tier, categories=["Gold", "Silver", "Bronze"], ordered=True), index=index)
    return durations, labels, mean


def test_curves_equal_scikit_survival(tiered):
    durations, labels, _ = tiered
    result = tier_survival(durations, labels)
    assert list(result.medians.index) == ["Gold", "Silver", "Bronze"]  # the tiers' own order
    for tier in ["Gold", "Silver", "Bronze"]:
        rows = durations[labels == tier]
        times, surv = kaplan_meier_estimator(rows["churned"].to_numpy(), rows["duration"].to_numpy())
        curve = result.curves[result.curves.tier == tier].set_index("time")["survival"]
        np.testing.assert_allclose(curve.reindex(times).to_numpy(), surv, atol=1e-12)
        assert result.at_risk.loc[tier].iloc[0] == (rows["duration"] >= result.at_risk.columns[0]).sum()
    band = result.curves
    assert ((band.lower <= band.survival + 1e-12) & (band.survival <= band.upper + 1e-12)).all()


def test_logrank_equals_scikit_survival(tiered):
    durations, labels, _ = tiered
    result = tier_survival(durations, labels)
    y = Surv.from_arrays(durations["churned"].to_numpy(), durations["duration"].to_numpy())
    statistic, p = compare_survival(y, labels.astype(str).to_numpy())
    assert result.logrank["statistic"] == pytest.approx(statistic, rel=1e-6)
    assert result.logrank["p"] == pytest.approx(p, rel=1e-6, abs=1e-300) and result.logrank["df"] == 2
    assert result.differs()
    gold_silver = result.pairwise.set_index(["tier_a", "tier_b"])
    pair = durations[labels.isin(["Gold", "Silver"])]
    y2 = Surv.from_arrays(pair["churned"].to_numpy(), pair["duration"].to_numpy())
    stat2, _ = compare_survival(y2, labels[pair.index].astype(str).to_numpy())
    key = ("Gold", "Silver") if ("Gold", "Silver") in gold_silver.index else ("Silver", "Gold")
    assert gold_silver.loc[key, "statistic"] == pytest.approx(stat2, rel=1e-6)


def test_medians_cover_the_exponential_truth(tiered):
    durations, labels, _ = tiered
    medians = tier_survival(durations, labels).medians
    for tier, mean in {"Gold": 200.0, "Silver": 100.0, "Bronze": 50.0}.items():
        truth = np.ceil(np.log(2) * mean)  # lifetimes rounded up to whole days
        row = medians.loc[tier]
        assert row.median_lower - 1 <= truth <= row.median_upper + 1, (tier, row.to_dict(), truth)


def test_tiers_with_the_same_lifetimes_do_not_differ():
    rng = np.random.default_rng(9)
    n = 4000
    durations = pd.DataFrame({"duration": rng.exponential(100, n), "churned": rng.random(n) < 0.7})
    labels = pd.Series(rng.choice(["A", "B"], n))
    result = tier_survival(durations, labels)
    assert result.logrank["p"] > 0.01 and not result.differs(0.01)
    assert np.isnan(tier_survival(durations.assign(churned=False), labels).medians["median"]).all()


def test_holm_adjustment():
    np.testing.assert_allclose(_holm(np.array([0.01, 0.04, 0.03])), [0.03, 0.06, 0.06])


def test_tiers_that_do_not_match_are_named():
    durations = pd.DataFrame({"duration": [1.0, 2.0], "churned": [True, False]}, index=["a", "b"])
    with pytest.raises(DataError, match="no customer of the durations has a tier"):
        tier_survival(durations, pd.Series(["Gold"], index=["z"]))
    with pytest.raises(DataError, match="fall in one tier"):
        tier_survival(durations, pd.Series(["Gold", "Gold"], index=["a", "b"]))
