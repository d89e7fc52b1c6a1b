"""Pareto/NBD and BG/NBD with static covariates: CLVTools' apparel results, recovery of known
coefficients from the models' own generative process, and bad input.

Reference numbers: CLVTools 0.11.2 on its apparel data (tests/reference/apparel/README.md), weekly,
calibration to 2006-12-31 (``estimation.split = 104``, the split of CLVTools' vignette, whose
printed figures these are).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.data.synthetic import CDNOW_PARAMS, simulate_bgnbd, simulate_paretonbd
from workbench.errors import ConvergenceError, DataError, ParamsError
from workbench.models import BetaGeo, BetaGeoCovariates, ParetoNBD, ParetoNBDCovariates
from workbench.summary import rfm_summary

APPAREL = Path(__file__).parent / "reference" / "apparel"

#: CLVTools 0.11.2: pnbd(clv.apparel) and pnbd(clv.apparel.static) from the vignette's start values
CLVTOOLS = {
    "pnbd": {"params": {"r": 1.44897679, "alpha": 48.63608448, "s": 0.561259809, "beta": 46.88436348},
             "se": {"r": 0.2434, "alpha": 7.4892, "s": 0.2710, "beta": 35.6114}, "LL": -5848.0978269624},
    "pnbd_cov": {"params": {"r": 1.838663433, "alpha": 92.94351637, "s": 0.5912862273, "beta": 49.5055247,
                            "trans.Gender": 0.2859760229, "trans.Channel": 0.6239413945,
                            "life.Gender": -0.6427911312, "life.Channel": 0.7901700126},
                 "se": {"r": 0.3457, "alpha": 16.9749, "s": 0.2603, "beta": 36.1449, "trans.Gender": 0.1041,
                        "trans.Channel": 0.1049, "life.Gender": 0.2956, "life.Channel": 0.3058},
                 "LL": -5821.0626923583},
    "bgnbd": {"params": {"r": 0.6073108097, "alpha": 20.95672927, "a": 1.275543395, "b": 8.860815899},
              "se": {"r": 0.0542, "alpha": 2.5720, "a": 1.0275, "b": 8.2708}, "LL": -5857.0197489083},
    # CLVTools stops on a ridge (a, b -> infinity together): no interior maximum
    "bgnbd_cov": {"params": {"r": 0.6659298168, "alpha": 38.18989813, "a": 1222.81635, "b": 9043.782247,
                             "trans.Gender": 0.4617932594, "trans.Channel": 0.5680298519,
                             "life.Gender": -1.403206245, "life.Channel": -6.438776376},
                  "LL": -5839.8634846691},
}
HOLDOUT_WEEKS = 207.142857142857


@pytest.fixture(scope="module")
def apparel() -> pd.DataFrame:
    """Our summary of CLVTools' apparel transactions (weeks, calibration to 2006-12-31) with the covariates."""
    transactions = pd.read_csv(APPAREL / "apparelTrans.csv").rename(
        columns={"Id": "customer_id", "Date": "timestamp", "Price": "amount"})
    transactions["customer_id"] = transactions["customer_id"].astype(str)
    transactions["timestamp"] = pd.to_datetime(transactions["timestamp"])
    summary = rfm_summary(transactions, observation_end="2010-12-20", calibration_end="2006-12-31", time_unit="W")
    covariates = pd.read_csv(APPAREL / "apparelStaticCov.csv", dtype={"Id": str}).set_index("Id")
    return summary.join(covariates)


@pytest.fixture(scope="module")
def fitted(apparel):
    return {"pnbd": ParetoNBD().fit(apparel), "bgnbd": BetaGeo().fit(apparel),
            "pnbd_cov": ParetoNBDCovariates(covariates=["Gender", "Channel"]).fit(apparel)}


def test_the_apparel_summary_is_clvtools_data(apparel):
    assert len(apparel) == 600 and (apparel["T"] == 104).all()
    assert apparel["frequency"].sum() == 1266 and apparel["frequency_holdout"].sum() == 1317  # CLVTools' sums


@pytest.mark.parametrize("name", ["pnbd", "pnbd_cov", "bgnbd"])
def test_estimates_match_clvtools(fitted, name):
    model, reference = fitted[name], CLVTOOLS[name]
    assert model.log_likelihood_ == pytest.approx(reference["LL"], abs=1e-3)
    assert model.log_likelihood_ >= reference["LL"] - 1e-5  # at least as high as CLVTools' optimum
    for param, value in reference["params"].items():
        assert model.params_[param] == pytest.approx(value, rel=1e-3, abs=2e-3), param
        assert model.standard_errors_[param] == pytest.approx(reference["se"][param], rel=0.01), param


@pytest.mark.parametrize("name", ["pnbd", "pnbd_cov", "bgnbd", "bgnbd_cov"])
def test_our_likelihood_at_clvtools_estimates_is_clvtools_likelihood(apparel, fitted, name):
    """A second implementation of each likelihood: the same value at the same parameters (for
    BG/NBD with covariates at CLVTools' point on the ridge, where our fit refuses to stop)."""
    model = fitted.get(name)
    if model is None:
        model = BetaGeoCovariates(covariates=["Gender", "Channel"])
        with pytest.raises(ConvergenceError):
            model.fit(apparel)
        model.params_ = pd.Series(CLVTOOLS[name]["params"])
    assert model.log_likelihood(CLVTOOLS[name]["params"]) == pytest.approx(CLVTOOLS[name]["LL"], abs=1e-5)


def test_bgnbd_with_covariates_has_no_interior_maximum_on_apparel(apparel):
    """CLVTools stops at a = 1223, b = 9044 with huge standard errors; the likelihood keeps rising
    as a and b grow together, which the workbench reports instead of returning such estimates."""
    with pytest.raises(ConvergenceError, match="no interior maximum.*a and b grow together"):
        BetaGeoCovariates(covariates=["Gender", "Channel"]).fit(apparel)


@pytest.mark.parametrize(("name", "model"), [("pnbd", "pnbd"), ("pnbd_cov", "pnbd_cov"), ("bgnbd", "bgnbd")])
def test_predictions_match_clvtools_per_customer(apparel, fitted, name, model):
    reference = pd.read_csv(APPAREL / "clvtools_predictions.csv", dtype={"Id": str}).set_index("Id").reindex(apparel.index)
    at_clvtools = fitted[model].__class__(**fitted[model].get_params())
    at_clvtools.fit(apparel)
    at_clvtools.params_ = pd.Series(CLVTOOLS[name]["params"])[list(at_clvtools.params_.index)]
    np.testing.assert_allclose(at_clvtools.p_alive(apparel), reference[f"PAlive_{name}"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(at_clvtools.conditional_expected_purchases(HOLDOUT_WEEKS, apparel),
                               reference[f"CET_{name}"], rtol=1e-6, atol=1e-9)


def test_coefficient_table_and_likelihood_ratio_test(fitted):
    model = fitted["pnbd_cov"]
    table = model.coefficient_table
    assert list(table.index) == ["trans.Gender", "trans.Channel", "life.Gender", "life.Channel"]
    np.testing.assert_allclose(table["z"], table["coef"] / table["se(coef)"])
    np.testing.assert_allclose(table["exp(coef)"], np.exp(table["coef"]))
    test = model.lr_test
    # 2 x (5848.0978 - 5821.0627) on 4 degrees of freedom
    assert test["statistic"] == pytest.approx(2 * (CLVTOOLS["pnbd"]["LL"] - CLVTOOLS["pnbd_cov"]["LL"]) * -1, abs=2e-3)
    assert test["df"] == 4 and test["p_value"] < 1e-9
    assert "LR test vs no covariates" in model._repr_html_()


# --------------------------------------------------------------------------------------------
# known truth: the models' own generative process
# --------------------------------------------------------------------------------------------
TRUTH = {
    "paretonbd": {"trans.gender": 0.4, "trans.channel=web": 0.6, "life.gender": -0.5, "life.channel=web": 0.8},
    "bgnbd": {"trans.gender": 0.4, "trans.channel=web": 0.6, "life.gender": 0.5, "life.channel=web": 0.0},
}


def draw(kind: str, n: int, seed: int, effects: dict | None = None) -> pd.DataFrame:
    """Customers of the model with covariates: gender (0/1) and channel (store/web) scale the CDNOW
    parameters by exp(gamma' z) exactly as the model assumes."""
    rng = np.random.default_rng(seed)
    effects = TRUTH[kind] if effects is None else effects
    gender, web = rng.integers(0, 2, n), (rng.random(n) < 0.4).astype(float)

    def scale(process):
        return np.exp(effects[f"{process}.gender"] * gender + effects[f"{process}.channel=web"] * web)

    params = dict(CDNOW_PARAMS[kind])
    params["alpha"] = params["alpha"] / scale("trans")
    if kind == "paretonbd":
        params["beta"] = params["beta"] / scale("life")
        simulate = simulate_paretonbd
    else:
        params["a"], params["b"] = params["a"] * scale("life"), params["b"] * scale("life")
        simulate = simulate_bgnbd
    summary = simulate(n, **params, T=rng.uniform(30, 78, n), seed=seed + 1)[["frequency", "recency", "T"]]
    return summary.assign(gender=gender, channel=np.where(web > 0, "web", "store"))


MODEL = {"paretonbd": ParetoNBDCovariates, "bgnbd": BetaGeoCovariates}


@pytest.mark.parametrize("kind", ["paretonbd", "bgnbd"])
def test_coefficients_are_recovered_with_calibrated_standard_errors(kind):
    """Across 12 seeds the z-scores (estimate - truth) / SE of every parameter have mean near 0 and
    spread near 1: the standard errors are honest."""
    truth = {**CDNOW_PARAMS[kind], **TRUTH[kind]}
    z = []
    for seed in range(12):
        model = MODEL[kind](covariates=["gender", "channel"]).fit(draw(kind, 3000, 100 + seed))
        z.append([(model.params_[k] - v) / model.standard_errors_[k] for k, v in truth.items()])
    z = np.array(z)
    assert np.all(np.abs(z.mean(axis=0)) < 0.9), z.mean(axis=0)
    assert np.all((z.std(axis=0) > 0.45) & (z.std(axis=0) < 1.6)), z.std(axis=0)
    assert np.mean(np.abs(z) < 1.96) > 0.85


@pytest.mark.parametrize("kind", ["paretonbd", "bgnbd"])
def test_likelihood_ratio_test_tells_real_from_null_covariates(kind):
    real = MODEL[kind](covariates=["gender", "channel"]).fit(draw(kind, 3000, 7))
    null = MODEL[kind](covariates=["gender", "channel"]).fit(draw(kind, 3000, 7, {k: 0.0 for k in TRUTH[kind]}))
    assert real.lr_test["p_value"] < 1e-6
    assert null.lr_test["p_value"] > 1e-3


def test_predictions_are_the_plain_models_with_each_groups_parameters():
    summary = draw("paretonbd", 2000, 3)
    model = ParetoNBDCovariates(covariates=["gender", "channel"]).fit(summary)
    individual = model.individual_params(summary)
    for (gender, channel), rows in summary.groupby(["gender", "channel"]):
        plain = ParetoNBD()
        plain.params_ = individual.loc[rows.index[0]]
        plain.max_frequency_, plain.max_T_ = 10, 78.0
        np.testing.assert_allclose(model.p_alive(summary).loc[rows.index], plain.p_alive(rows), rtol=1e-12)
        np.testing.assert_allclose(model.conditional_expected_purchases(26, summary).loc[rows.index],
                                   plain.conditional_expected_purchases(26, rows), rtol=1e-12)
        np.testing.assert_allclose(model.p_purchases(1, 26, summary).loc[rows.index], plain.p_purchases(1, 26, rows),
                                   rtol=1e-12)
    reference = individual[(summary["gender"] == 0) & (summary["channel"] == "store")].iloc[0]
    np.testing.assert_allclose(reference.to_numpy(), model.params_[["r", "alpha", "s", "beta"]].to_numpy())
    # a new customer from the fitted population: the groups' expectations weighted by their shares
    shares = summary.groupby(["gender", "channel"]).size() / len(summary)
    expected = sum(share * model._view(np.array([g, c == "web"], float)).expected_purchases(52.0)
                   for (g, c), share in shares.items())
    assert model.expected_purchases(52.0) == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
def test_bad_covariates_are_named(monkeypatch):
    monkeypatch.setattr("workbench.models.covariates.MAX_COVARIATE_GROUPS", 100)
    summary = draw("bgnbd", 500, 1)
    model = BetaGeoCovariates(covariates=["gender", "segment"])
    with pytest.raises(ParamsError, match="covariate 'segment' is not a column"):
        model.fit(summary)
    with pytest.raises(ParamsError, match="covariates: Tuple should have at least 1 item"):
        BetaGeoCovariates().fit(summary)
    holes = summary.assign(gender=summary["gender"].astype(float).where(summary.index != summary.index[3]))
    with pytest.raises(DataError, match="covariate 'gender' is missing for 1 customers"):
        BetaGeoCovariates(covariates=["gender"]).fit(holes)
    with pytest.raises(DataError, match="no covariate is left.*constant"):
        BetaGeoCovariates(covariates=["one"]).fit(summary.assign(one=1.0))
    with pytest.raises(DataError, match="distinct combinations"):
        BetaGeoCovariates(covariates=["noise"]).fit(summary.assign(noise=np.arange(len(summary), dtype=float)))
    with pytest.raises(DataError, match="reads a summary DataFrame"):
        BetaGeoCovariates(covariates=["gender"]).fit(frequency=[1], recency=[1], T=[2])
    fitted = BetaGeoCovariates(covariates=["gender", "channel"]).fit(summary)
    with pytest.raises(ParamsError, match="covariate 'channel' is not a column"):
        fitted.p_alive(summary.drop(columns="channel"))


def test_scenario_params_ask_for_covariates():
    from workbench.models.params import CLVParams

    with pytest.raises(ValueError, match=r"paretonbd_cov.*need covariates"):
        CLVParams(models=["paretonbd_cov"])
    assert CLVParams(models=["paretonbd", "paretonbd_cov"], covariates=["nature"]).model_options("paretonbd_cov") == {
        "covariates": ["nature"]}
    assert CLVParams(models=["paretonbd"], covariates=["nature"]).model_options("paretonbd") == {}
