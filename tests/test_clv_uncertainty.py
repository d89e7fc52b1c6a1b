"""Per-customer intervals from parameter draws: coverage on data from the models' own generative
process, the tier confidence against a brute-force second computation, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data.synthetic import CDNOW_PARAMS, simulate_bgnbd, simulate_gamma_gamma_spend, simulate_paretonbd
from workbench.errors import ParamsError
from workbench.models import BetaGeo, GammaGamma, ParetoNBD, ParetoNBDCovariates
from workbench.models.uncertainty import at_params, clv_intervals, parameter_draws
from workbench.models.value import predict_clv
from workbench.segment.clv import CLVTiers

#: Histories to predict for: a one-time buyer, regular and lapsed repeat buyers, a heavy buyer
PROBES = pd.DataFrame({"frequency": [0, 2, 5, 1, 10], "recency": [0.0, 10.0, 40.0, 50.0, 70.0],
                       "T": [52.0, 52.0, 52.0, 60.0, 78.0], "monetary_value": [0.0, 30.0, 45.0, 20.0, 80.0]})
PROBES.attrs["time_unit"] = "W"


def _customers(kind: str, seed: int, n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    simulate = simulate_bgnbd if kind == "bgnbd" else simulate_paretonbd
    summary = simulate(n, **CDNOW_PARAMS[kind], T=rng.uniform(30, 78, n), seed=seed)[["frequency", "recency", "T"]]
    _, spend = simulate_gamma_gamma_spend(summary["frequency"], **CDNOW_PARAMS["gamma_gamma"], seed=seed + 1)
    summary["monetary_value"] = spend["monetary_value"].to_numpy()
    summary.attrs["time_unit"] = "W"
    return summary


@pytest.mark.parametrize(("kind", "model", "seeds", "n"), [("bgnbd", BetaGeo, 30, 10_000), ("paretonbd", ParetoNBD, 20, 6000)])
def test_intervals_cover_the_truth_at_their_level(kind, model, seeds, n):
    """Across fresh data sets of thousands of customers, the 90 % intervals of P(alive), expected
    purchases and CLV for fixed histories contain the value at the true parameters about 90 % of
    the time. (With 2,000 customers the normal approximation for the dropout parameters is rougher:
    BG/NBD's P(alive) intervals then cover about 80 %.)"""
    hits = []
    for seed in range(seeds):
        summary = _customers(kind, 1000 + seed, n)
        fitted = model().fit(summary)
        spend = GammaGamma().fit(summary[summary["frequency"] > 0])
        bands = clv_intervals(fitted, PROBES, spend, level=0.9, n_draws=200, seed=seed)
        truth_model = at_params(fitted, pd.Series(CDNOW_PARAMS[kind])[fitted.params_.index])
        truth_spend = at_params(spend, pd.Series(CDNOW_PARAMS["gamma_gamma"])[spend.params_.index])
        truth = {"p_alive": truth_model.p_alive(PROBES).to_numpy(),
                 "expected_purchases": truth_model.conditional_expected_purchases(12 * 365.25 / 12 / 7, PROBES).to_numpy(),
                 "clv": predict_clv(truth_model, truth_spend, PROBES, 12, 0.01).to_numpy()}
        for name, value in truth.items():
            movable = bands[f"{name}_high"] > bands[f"{name}_low"]  # a one-time buyer's P(alive) is 1 in BG/NBD
            inside = (bands[f"{name}_low"] - 1e-9 <= value) & (value <= bands[f"{name}_high"] + 1e-9)
            hits.extend(inside[movable].tolist())
    coverage = np.mean(hits)
    assert 0.78 <= coverage <= 0.98, coverage  # the seeds' intervals move together: a wide band


def test_draws_follow_the_estimates_sampling_distribution():
    summary = _customers("bgnbd", 5)
    model = BetaGeo().fit(summary)
    draws = parameter_draws(model, 4000, seed=1)
    assert list(draws.columns) == list(model.params_.index) and (draws > 0).all().all()
    log_sd = np.log(draws).std()
    np.testing.assert_allclose(log_sd, model.standard_errors_ / model.params_, rtol=0.06)  # delta method
    np.testing.assert_allclose(np.log(draws).mean(), np.log(model.params_), atol=0.01)
    covariates = ParetoNBDCovariates(covariates=["group"]).fit(
        summary.assign(group=np.where(np.arange(len(summary)) % 2, "a", "b")))
    coefficient = parameter_draws(covariates, 4000, seed=2)["trans.group=a"]
    assert (coefficient < 0).any() or (coefficient > 0).any()
    assert coefficient.std() == pytest.approx(covariates.standard_errors_["trans.group=a"], rel=0.06)


def test_intervals_bracket_the_estimates_and_narrow_with_more_customers():
    widths = []
    for n in (500, 8000):
        summary = _customers("bgnbd", 11, n)
        model, spend = BetaGeo().fit(summary), GammaGamma().fit(summary[summary["frequency"] > 0])
        bands = clv_intervals(model, summary, spend, n_draws=100)
        for name in ("p_alive", "expected_purchases", "clv"):
            assert (bands[f"{name}_low"] <= bands[name] + 1e-6).all() and (bands[name] <= bands[f"{name}_high"] + 1e-6).all()
        np.testing.assert_allclose(bands["clv"], predict_clv(model, spend, summary, 12, 0.01), rtol=1e-10)
        widths.append(float((bands["clv_high"] - bands["clv_low"]).median()))
    assert widths[1] < widths[0] / 2.5  # about 1 / sqrt(16) = 1/4 of the width


def test_tier_confidence_is_the_share_of_draws_in_the_same_tier():
    """A second computation: refit the CLV tiers on each draw's predictions by hand."""
    summary = _customers("bgnbd", 21, 600)
    model, spend = BetaGeo().fit(summary), GammaGamma().fit(summary[summary["frequency"] > 0])
    scored = summary.assign(clv=predict_clv(model, spend, summary, 12, 0.01), p_alive=model.p_alive(summary))
    tiers = CLVTiers().fit(scored)
    bands = clv_intervals(model, summary, spend, n_draws=40, seed=3, tiers=tiers.codes_from)
    codes = tiers._codes(scored)
    np.testing.assert_array_equal(bands["tier"], codes)
    rng = np.random.default_rng(3)
    purchase, spending = parameter_draws(model, 40, rng), parameter_draws(spend, 40, rng)
    same = np.zeros(len(summary))
    for (_, p), (_, s) in zip(purchase.iterrows(), spending.iterrows()):
        drawn = at_params(model, p)
        again = summary.assign(clv=predict_clv(drawn, at_params(spend, s), summary, 12, 0.01), p_alive=drawn.p_alive(summary))
        same += CLVTiers().fit(again)._codes(again) == codes
    np.testing.assert_allclose(bands["tier_confidence"], same / 40, atol=1 / 40 + 1e-12)
    # far from every cut point the tier is sure; next to one it is not
    cuts = tiers.cut_points_
    distance = np.min(np.abs(scored["clv"].to_numpy()[:, None] - cuts[None, :]), axis=1) / scored["clv"].std()
    alive = scored["p_alive"].to_numpy() >= 0.3
    assert bands["tier_confidence"][alive & (distance > 0.5)].min() > 0.9
    assert bands["tier_confidence"][alive & (distance < 0.002)].mean() < 0.9


def test_bad_arguments_are_named():
    summary = _customers("bgnbd", 2, 300)
    model = BetaGeo().fit(summary)
    with pytest.raises(ParamsError, match="level must be between 0 and 1"):
        clv_intervals(model, summary, level=1.5)
    with pytest.raises(ParamsError, match="n_draws must be >= 1"):
        clv_intervals(model, summary, n_draws=0)
    with pytest.raises(ParamsError, match="tier confidence needs the spend model"):
        clv_intervals(model, summary, tiers=lambda clv, alive: np.zeros(len(clv)))
    bands = clv_intervals(model, summary, n_draws=20)
    assert "clv" not in bands and {"p_alive_low", "expected_purchases_high"} <= set(bands)
    assert bands.attrs["n_draws"] == 20 and "asymptotic normal" in bands.attrs["method"]
