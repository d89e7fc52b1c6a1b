"""MBG/NBD, BG/CNBD-k and MBG/CNBD-k: identities with BG/NBD at k = 1, analytic gradients, exact
predictions against draws from the models' own process, parameter recovery, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data.datasets import load_cdnow
from workbench.data.synthetic import simulate_cnbd
from workbench.errors import DataError
from workbench.models._mle import check_gradient
from workbench.models.clv import BetaGeo, BetaGeoCNBD, ModifiedBetaGeo, ModifiedBetaGeoCNBD
from workbench.models.validation import predict_holdout
from workbench.summary import rfm_summary

TRUTH = {"r": 0.8, "alpha": 6.0, "a": 0.7, "b": 3.0}


@pytest.fixture(scope="module")
def cdnow():
    return rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30",
                       time_unit="W", regularity=True)


def draws(k, modified=False, n=20_000, seed=5, holdout=39.0):
    T = np.random.default_rng(seed + 1000).uniform(20, 60, n)
    return simulate_cnbd(n, k, **TRUTH, modified=modified, T=T, holdout=holdout, seed=seed)


def with_truth(model, k):
    """The model's predictions at the generating parameters (fitted first, so it is a fitted model)."""
    model.k_ = k
    model.params_ = pd.Series(TRUTH)
    return model


def test_bg_cnbd_1_is_bg_nbd_on_cdnow(cdnow):
    bg, cnbd = BetaGeo().fit(cdnow), BetaGeoCNBD(k=1).fit(cdnow)
    np.testing.assert_allclose(cnbd.params_, bg.params_, rtol=1e-6)
    assert cnbd.log_likelihood_ == pytest.approx(bg.log_likelihood_, abs=1e-6)
    np.testing.assert_allclose(cnbd.p_alive(cdnow), bg.p_alive(cdnow), rtol=1e-6)
    np.testing.assert_allclose(predict_holdout(cnbd, cdnow), predict_holdout(bg, cdnow), rtol=1e-5)


def test_k_search_on_cdnow_keeps_poisson_timing(cdnow):
    """CDNOW purchases are irregular: the likelihood falls from k = 1 on (Platzer & Reutterer 2016)."""
    model = BetaGeoCNBD().fit(cdnow)
    assert model.k_ == 1 and list(model.log_likelihood_by_k_.index) == [1, 2, 3]
    assert model.log_likelihood_by_k_.is_monotonic_decreasing
    assert model.AIC_ == pytest.approx(2 * 5 - 2 * model.log_likelihood_)  # k counts as a parameter


@pytest.mark.parametrize("cls", [BetaGeoCNBD, ModifiedBetaGeoCNBD])
@pytest.mark.parametrize("k", [1, 3])
def test_gradient_matches_finite_differences(cls, k):
    s = draws(k, modified=cls.modified, n=3000)
    model = cls(k=k).fit(s)
    data = {"x": s["frequency"].to_numpy(float), "tx": s["recency"].to_numpy(), "T": s["T"].to_numpy()}
    theta = np.log(model.params_.to_numpy()) + np.array([0.1, -0.2, 0.15, 0.05])
    grad, fd = check_gradient(model, data, np.ones(len(s)), theta)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("cls", [BetaGeoCNBD, ModifiedBetaGeoCNBD])
def test_phase_sums_at_k_1_equal_the_closed_forms(cls):
    """The exact k > 1 machinery, run at k = 1, gives BG/NBD's closed-form expectation."""
    s = draws(1, modified=cls.modified, n=3000)
    model = cls(k=1).fit(s)
    params = model._params()
    x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    for t in (1.0, 39.0, 200.0):
        closed = model._given_alive(params, [t], x, tx, T)[:, 0]
        sums = np.empty(len(x))
        for rows, at_least in model._at_least(params, x, T, t):
            sums[rows] = at_least.sum(axis=2)[:, 0]
        np.testing.assert_allclose(sums, closed, rtol=1e-10)


@pytest.mark.parametrize("cls", [BetaGeoCNBD, ModifiedBetaGeoCNBD])
def test_pmf_sums_to_one_and_its_mean_is_the_expectation(cls):
    s = draws(3, modified=cls.modified, n=2000)
    model = cls(k=3).fit(s)
    counts = np.arange(300)
    new = model.p_purchases(counts, 52.0)
    assert new.sum() == pytest.approx(1.0, abs=1e-10)
    assert counts @ new == pytest.approx(model.expected_purchases(52.0), rel=1e-9)
    rows = s.iloc[:50]
    cond = np.column_stack([model.p_purchases(n, 39.0, rows) for n in range(120)])
    np.testing.assert_allclose(cond.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(cond @ np.arange(120), model.conditional_expected_purchases(39.0, rows), rtol=1e-8)


@pytest.mark.parametrize("cls", [BetaGeoCNBD, ModifiedBetaGeoCNBD])
def test_predictions_at_the_truth_match_the_draws(cls):
    """Exact predictions at the generating parameters against 20,000 customers drawn from the model."""
    s = draws(3, modified=cls.modified)
    model = with_truth(cls(k=3).fit(s.iloc[:2000]), 3)
    alive = model.p_alive(s)
    sd = np.sqrt((alive * (1 - alive)).sum())
    assert abs(alive.sum() - s["alive"].sum()) < 4 * sd
    predicted = predict_holdout(model, s)
    assert predicted.sum() == pytest.approx(s["frequency_holdout"].sum(), rel=0.03)
    by_frequency = pd.DataFrame({"f": s["frequency"].clip(upper=5), "p": predicted, "a": s["frequency_holdout"]})
    means = by_frequency.groupby("f").mean()
    np.testing.assert_allclose(means["p"], means["a"], rtol=0.12)
    zero = model.p_purchases(0, 39.0, s)
    assert zero.mean() == pytest.approx((s["frequency_holdout"] == 0).mean(), abs=0.01)


def test_mbg_one_time_buyers_may_be_gone():
    """MBG/NBD tests right after the first purchase: P(alive | x = 0) < 1, and a new customer is
    alive with probability b / (a + b), so E[X(t)] is BG/NBD's at b + 1 times it."""
    s = draws(1, modified=True, n=5000)
    model = ModifiedBetaGeo().fit(s)
    one_time = s[s["frequency"] == 0]
    assert (model.p_alive(one_time) < 1).all()
    r, alpha, a, b = model._params()
    bg = with_truth(BetaGeo().fit(s), 1)
    bg.params_ = pd.Series({"r": r, "alpha": alpha, "a": a, "b": b + 1})
    assert model.expected_purchases(30.0) == pytest.approx(b / (a + b) * bg.expected_purchases(30.0), rel=1e-10)
    assert (BetaGeo().fit(s).p_alive(one_time) == 1).all()


@pytest.mark.parametrize("cls", [BetaGeoCNBD, ModifiedBetaGeoCNBD])
def test_k_and_parameters_are_recovered(cls):
    s = draws(3, modified=cls.modified, n=20_000, seed=11)
    model = cls().fit(s)
    assert model.k_ == 3
    z = (model.params_ - pd.Series(TRUTH)) / model.standard_errors_
    assert (z.abs() < 2).all(), z.round(2).to_dict()  # within 2 SE of the truth


@pytest.mark.parametrize(("cls", "k"), [(BetaGeoCNBD, 2), (ModifiedBetaGeoCNBD, 2), (ModifiedBetaGeo, 1)])
def test_z_scores_are_calibrated_across_seeds(cls, k):
    """Across 24 draws of 2,000 customers from the model, (estimate - truth) / SE has mean ~0 and sd ~1."""
    zs = []
    for seed in range(24):
        s = draws(k, modified=cls.modified, n=2000, seed=100 + seed, holdout=0.0)
        model = (cls(k=k) if k > 1 else cls()).fit(s)
        zs.append(((model.params_ - pd.Series(TRUTH)) / model.standard_errors_).to_numpy())
    zs = np.array(zs)
    assert np.all(np.abs(zs.mean(axis=0)) < 0.75), zs.mean(axis=0)
    assert np.all((zs.std(axis=0) > 0.6) & (zs.std(axis=0) < 1.5)), zs.std(axis=0)


def test_missing_or_bad_regularity_is_a_clear_error(cdnow):
    plain = cdnow.drop(columns="sum_log_interpurchase")
    with pytest.raises(DataError, match=r"'sum_log_interpurchase' missing .*regularity=True"):
        BetaGeoCNBD().fit(plain)
    ModifiedBetaGeo().fit(plain)  # k = 1 only: not needed
    BetaGeoCNBD(k=1).fit(plain)
    broken = cdnow.copy()
    broken.iloc[:2, broken.columns.get_loc("sum_log_interpurchase")] = np.nan
    with pytest.raises(DataError, match=r"'sum_log_interpurchase' is missing or not finite in 2 rows"):
        BetaGeoCNBD().fit(broken)
