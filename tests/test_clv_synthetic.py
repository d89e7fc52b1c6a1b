"""Fits on data simulated from each model recover the true parameters.

Customers are simulated in continuous time with numpy (no rounding of purchase times: rounding
to days merges purchases and biases the BG/NBD alpha upwards, NOTES.md). Each estimate must lie
within two standard errors of the truth, and the vector of estimates within the 99.9 % region of
its estimated sampling distribution (a chi-square test on the Hessian-based covariance). Seeds
are fixed so the tests are deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench.models.bgbb import BetaGeoBetaBinom
from workbench.models.clv import BetaGeo, GammaGamma, ParetoNBD


def ages(rng, n):
    """Customer ages T: first purchases spread over 13 weeks, observed until week 39 + 13."""
    return 39.0 + np.floor(rng.random(n) * 91) / 7


def simulate_bgnbd(rng, n, r, alpha, a, b, holdout=0.0):
    """Calibration summary (frequency, recency, T) and ``frequency_holdout`` in (T, T + holdout]."""
    T = ages(rng, n)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, tx, xh, now = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1 / lam[idx])
        in_cal = now[idx] <= T[idx]
        in_hold = ~in_cal & (now[idx] <= T[idx] + holdout)
        cal, hold = idx[in_cal], idx[in_hold]
        x[cal] += 1
        tx[cal] = now[cal]
        xh[hold] += 1
        bought = idx[in_cal | in_hold]
        dies = rng.random(len(bought)) < p[bought]  # dropout after a repeat purchase
        active[idx[~(in_cal | in_hold)]] = False
        active[bought[dies]] = False
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "frequency_holdout": xh})


def simulate_pareto(rng, n, r, alpha, s, beta, holdout=0.0):
    """Calibration summary (frequency, recency, T) and ``frequency_holdout`` in (T, T + holdout]."""
    T = ages(rng, n)
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    lifetime = rng.exponential(1 / mu)
    active_for = np.minimum(lifetime, T)
    x = rng.poisson(lam * active_for).astype(float)
    # the last of x uniform purchase times on (0, active_for)
    tx = np.where(x > 0, active_for * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    xh = rng.poisson(lam * np.clip(np.minimum(lifetime, T + holdout) - T, 0, None)).astype(float)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "frequency_holdout": xh})


def simulate_gamma_gamma(rng, n, p, q, v):
    x = 1 + rng.poisson(2.0, n)
    nu = rng.gamma(q, 1 / v, n)
    # the mean of x Gamma(p, nu) spends is Gamma(p x, x nu)
    m = rng.gamma(p * x, 1 / (x * nu))
    return pd.DataFrame({"frequency": x.astype(float), "monetary_value": m})


def simulate_bgbb(rng, n, alpha, beta, gamma, delta, periods=8):
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive = np.ones(n, bool)
    x, tx = np.zeros(n), np.zeros(n)
    for t in range(1, periods + 1):
        alive &= rng.random(n) >= theta  # dropout at the start of an opportunity
        buy = alive & (rng.random(n) < p)
        x += buy
        tx[buy] = t
    return pd.DataFrame({"frequency": x, "recency": tx, "n_periods": float(periods)})


def assert_recovered(model, truth: dict):
    truth = pd.Series(truth)[model.params_.index]
    z = (model.params_ - truth) / model.standard_errors_
    assert (z.abs() < 2).all(), f"estimates more than 2 SE from the truth: z = {z.round(2).to_dict()}"
    # joint check on the log scale, where the fit's covariance is estimated
    d = np.log(model.params_.to_numpy()) - np.log(truth.to_numpy())
    cov_log = model.variance_matrix_.to_numpy() / np.outer(model.params_, model.params_)
    chi2 = d @ np.linalg.solve(cov_log, d)
    assert chi2 < stats.chi2.ppf(0.999, len(d)), chi2


def test_bgnbd_recovers_true_parameters():
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    data = simulate_bgnbd(np.random.default_rng(11), 8000, **truth)
    assert_recovered(BetaGeo().fit(data), truth)


def test_pareto_nbd_recovers_true_parameters():
    truth = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    data = simulate_pareto(np.random.default_rng(12), 8000, **truth)
    assert_recovered(ParetoNBD().fit(data), truth)


def test_gamma_gamma_recovers_true_parameters():
    truth = {"p": 6.0, "q": 4.0, "v": 15.0}
    data = simulate_gamma_gamma(np.random.default_rng(13), 5000, **truth)
    model = GammaGamma().fit(data)
    assert abs(model.frequency_spend_corr_) < 0.1  # independent by construction
    assert_recovered(model, truth)


def test_bgbb_recovers_true_parameters():
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    data = simulate_bgbb(np.random.default_rng(14), 20000, **truth)
    assert_recovered(BetaGeoBetaBinom().fit(data), truth)


@pytest.mark.parametrize(
    "simulate,cls,truth",
    [
        (simulate_bgnbd, BetaGeo, {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}),
        (simulate_pareto, ParetoNBD, {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}),
    ],
    ids=["bgnbd", "pareto"],
)
def test_conditional_predictions_match_simulated_holdout(simulate, cls, truth):
    """Fit on the calibration histories, predict 39 weeks ahead: the mean holdout purchases of
    customers grouped by calibration frequency (0, 1, 2, 3-5, 6+) match the simulated ones within
    3 standard errors, and so do the unconditional E[X(t)] for the cohort."""
    data = simulate(np.random.default_rng(21), 8000, holdout=39.0, **truth)
    model = cls().fit(data)
    predicted = model.conditional_expected_purchases(39.0, data)
    groups = pd.cut(data["frequency"], [-0.5, 0.5, 1.5, 2.5, 5.5, np.inf])
    by = pd.DataFrame({"actual": data["frequency_holdout"], "predicted": predicted, "g": groups}).groupby("g", observed=True)
    mean, pred, se = by["actual"].mean(), by["predicted"].mean(), by["actual"].sem()
    z = (mean - pred) / se
    assert (z.abs() < 3).all(), z.round(2).to_dict()
    # unconditional: repeat purchases in the first T weeks of each customer's life
    total = model.expected_purchases(data["T"].to_numpy()).sum()
    assert abs(total - data["frequency"].sum()) < 3 * data["frequency"].std() * np.sqrt(len(data))
