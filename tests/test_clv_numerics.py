"""Numerical correctness and robustness of the CLV models, against independent computations.

References are computed here by other means: numerical integration (scipy.integrate.quad) of the
models' integral representations, probability identities (a pmf sums to 1 and its mean is the
closed-form expectation), finite-difference gradients, and invariances of the likelihood.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from tests.test_clv_data import cdnow_summary
from workbench.errors import ConvergenceError, DataError, NotFittedError, ParamsError, StatisticalWarning
from workbench.models._mle import check_gradient, group_rows
from workbench.models.bgbb import BetaGeoBetaBinom
from workbench.models.clv import BetaGeo, GammaGamma, ParetoNBD

BG = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
PARETO = {"r": 0.5533, "alpha": 10.5778, "s": 0.6061, "beta": 11.6655}


def fitted(cls, params):
    """A model whose parameters are set by hand (predictions only)."""
    model = cls()
    model.params_ = pd.Series(params, dtype=float)
    return model


def frame(x, tx, T):
    return pd.DataFrame({"frequency": np.atleast_1d(x), "recency": np.atleast_1d(tx), "T": np.atleast_1d(T)}, dtype=float)


@cache
def sample_rows():
    s = cdnow_summary("sample")
    (x, tx, T), w, _ = group_rows([s["frequency"].to_numpy(float), s["recency"].to_numpy(), s["T"].to_numpy()])
    return {"x": x, "tx": tx, "T": T}, w


# --- gradients -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD])
@pytest.mark.parametrize("point", [[0.25, 4.4, 0.8, 2.4], [1.5, 0.3, 3.0, 0.7], [0.05, 40.0, 0.2, 9.0]])
def test_transaction_gradients_match_finite_differences(cls, point):
    data, w = sample_rows()
    grad, fd = check_gradient(cls(), data, w, np.log(point), h=1e-5)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-4)


def test_gamma_gamma_gradient_matches_finite_differences():
    s = cdnow_summary("sample")
    rep = s[s["frequency"] > 0]
    data = {"x": rep["frequency"].to_numpy(float), "m": rep["monetary_value"].to_numpy()}
    for point in ([6.0, 3.7, 15.0], [0.5, 10.0, 2.0]):
        grad, fd = check_gradient(GammaGamma(), data, np.ones(len(rep)), np.log(point))
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-4)


def test_bgbb_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    n = rng.integers(1, 12, 200).astype(float)
    tx = np.floor(rng.random(200) * (n + 1))
    x = np.where(tx > 0, np.minimum(tx, np.floor(rng.random(200) * tx) + 1), 0)
    data = {"x": x, "tx": tx, "n": n}
    for point in ([1.2, 0.75, 0.66, 2.8], [0.3, 4.0, 2.0, 0.5]):
        grad, fd = check_gradient(BetaGeoBetaBinom(), data, np.ones(200), np.log(point))
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-5)


# --- Pareto/NBD integrals in log space ------------------------------------------------------------
def quad_G(r, alpha, s, beta, x, t):
    f = lambda u: (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1)
    return integrate.quad(f, t, np.inf, epsabs=0, epsrel=1e-12, limit=500)[0]


@pytest.mark.parametrize(
    "params",
    [(0.55, 10.6, 0.61, 11.7), (0.55, 11.7, 0.61, 10.6), (2.0, 5.0, 2.0, 5.0), (0.3, 0.5, 1.5, 80.0), (3.0, 90.0, 0.2, 0.4)],
)
@pytest.mark.parametrize("x,t", [(0, 0.0), (1, 3.0), (5, 30.0), (40, 70.0)])
def test_pareto_log_G_equals_numerical_integral(params, x, t):
    got = ParetoNBD._log_G(params, np.array([float(x)]), np.array([t]))[0]
    want = np.log(quad_G(*params, x, t))
    assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_pareto_p_alive_equals_numerical_integral_for_extreme_customers():
    """P(alive) = E / (E + s * integral_{t_x}^{T}), with E = (alpha+T)^-(r+x) (beta+T)^-s.

    Includes CDNOW master customer 14048's history (x = 170, t_x = T = 70.86 weeks), for which
    lifetimes returns NaN, and the same purchases with an earlier last purchase.
    """
    r, alpha, s, beta = PARETO.values()
    model = fitted(ParetoNBD, PARETO)
    rows = frame([170, 170, 170, 3, 0, 30], [70.857, 35.0, 69.0, 1.0, 0.0, 2.0], [70.857, 70.857, 70.857, 80.0, 60.0, 200.0])
    got = model.p_alive(rows).to_numpy()
    assert np.all(np.isfinite(got))
    assert got[0] == 1.0
    for i, (x, tx, T) in enumerate(rows.to_numpy()):
        # rescale the integrand by (alpha+T)^(r+x) to stay in floating-point range
        f = lambda u: ((alpha + T) / (alpha + u)) ** (r + x) * (beta + u) ** -(s + 1)
        integral = integrate.quad(f, tx, T, epsabs=0, epsrel=1e-12, limit=500)[0]
        want = (beta + T) ** -s / ((beta + T) ** -s + s * integral)
        assert got[i] == pytest.approx(want, rel=1e-7, abs=1e-300)
    assert got[1] < 1e-10 and got[2] > 0.5  # silent for half the period vs. for 1.9 weeks


def test_bgnbd_conditional_expectation_equals_numerical_integral():
    """E[X(T,T+t) | history] = P(alive) E[(1 - exp(-lambda p t)) / p] under the posterior
    lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x); the lambda integral is closed form."""
    r, alpha, a, b = BG.values()
    model = fitted(BetaGeo, BG)
    rows = frame([0, 1, 4, 20, 60], [0.0, 10.0, 30.0, 35.0, 38.0], [38.0, 38.0, 38.0, 38.0, 38.0])
    t = 52.0
    got = model.conditional_expected_purchases(t, rows).to_numpy()
    alive = model.p_alive(rows).to_numpy()
    for i, (x, tx, T) in enumerate(rows.to_numpy()):
        integrand = lambda p: (1 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)) / p * stats.beta.pdf(p, a, b + x)
        want = alive[i] * integrate.quad(integrand, 0, 1, epsabs=0, epsrel=1e-11, limit=500)[0]
        assert got[i] == pytest.approx(want, rel=1e-8)


# --- probability identities -------------------------------------------------------------------------
@pytest.mark.parametrize("cls,params", [(BetaGeo, BG), (ParetoNBD, PARETO)])
def test_pmf_sums_to_one_and_its_mean_is_the_expectation(cls, params):
    model = fitted(cls, params)
    k = np.arange(1500)  # the gamma-mixed counts have heavy tails: P(X(150) > 400) ~ 1e-8
    for t in (1.0, 39.0, 150.0):
        p = model.p_purchases(k, t)
        assert np.all(p >= 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-9)
        assert (k * p).sum() == pytest.approx(model.expected_purchases(t), rel=1e-8)
    rows = frame([0, 2, 7, 30], [0.0, 20.0, 36.0, 30.0], [39.0, 39.0, 39.0, 39.0])
    pk = np.column_stack([model.p_purchases(int(j), 39.0, rows).to_numpy() for j in range(150)])
    np.testing.assert_allclose(pk.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(pk @ np.arange(150), model.conditional_expected_purchases(39.0, rows), rtol=1e-8)


def test_bgbb_pmf_sums_to_one_and_its_mean_is_the_expectation():
    model = fitted(BetaGeoBetaBinom, {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783})
    for n in (1, 6, 25):
        p = model.p_purchases(np.arange(n + 1), n)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        assert (np.arange(n + 1) * p).sum() == pytest.approx(model.expected_purchases(n), rel=1e-10)
    rows = pd.DataFrame({"frequency": [0, 2, 6], "recency": [0, 4, 6], "n_periods": [6, 6, 6]})
    pk = np.column_stack([model.p_purchases(k, 5, rows).to_numpy() for k in range(6)])
    np.testing.assert_allclose(pk.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(pk @ np.arange(6), model.conditional_expected_purchases(5, rows), rtol=1e-10)


def test_bgbb_expectation_at_gamma_one_is_the_limit():
    near = {"alpha": 1.2, "beta": 0.75, "gamma": 1.0 + 1e-6, "delta": 2.8}
    exact = dict(near, gamma=1.0)
    a = fitted(BetaGeoBetaBinom, near).expected_purchases(10)
    b = fitted(BetaGeoBetaBinom, exact).expected_purchases(10)
    assert np.isfinite(b) and b == pytest.approx(a, rel=1e-5)


def test_bgnbd_expectation_at_a_one_is_the_limit():
    a = fitted(BetaGeo, dict(BG, a=1.0 + 1e-5)).expected_purchases(52.0)
    b = fitted(BetaGeo, dict(BG, a=1.0)).expected_purchases(52.0)
    assert np.isfinite(b) and b == pytest.approx(a, rel=1e-4)


def test_pareto_expectation_at_s_one_is_the_limit():
    a = fitted(ParetoNBD, dict(PARETO, s=1.0 + 1e-7)).expected_purchases(52.0)
    b = fitted(ParetoNBD, dict(PARETO, s=1.0)).expected_purchases(52.0)
    assert np.isfinite(b) and b == pytest.approx(a, rel=1e-6)


# --- invariances of the fit -----------------------------------------------------------------------
def test_weighted_fit_on_distinct_rows_equals_fit_on_customers():
    s = cdnow_summary("sample")
    full = BetaGeo().fit(s)
    counts = s.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    weighted = BetaGeo().fit(counts, weights="n")
    np.testing.assert_allclose(weighted.params_, full.params_, rtol=1e-8)
    assert weighted.log_likelihood_ == pytest.approx(full.log_likelihood_, rel=1e-12)
    np.testing.assert_allclose(weighted.standard_errors_, full.standard_errors_, rtol=1e-5)


@pytest.mark.parametrize("cls,scale_names", [(BetaGeo, ["alpha"]), (ParetoNBD, ["alpha", "beta"])])
def test_time_unit_only_rescales_the_scale_parameters(cls, scale_names):
    """Days instead of weeks: scale parameters x 7, shapes unchanged, LL - sum(x) log 7 (densities)."""
    weeks = cdnow_summary("sample")
    days = weeks.assign(recency=weeks["recency"] * 7, T=weeks["T"] * 7)
    w, d = cls().fit(weeks), cls().fit(days)
    factor = pd.Series(1.0, index=w.params_.index)
    factor[scale_names] = 7.0
    np.testing.assert_allclose(d.params_, w.params_ * factor, rtol=1e-6)
    assert d.log_likelihood_ == pytest.approx(w.log_likelihood_ - weeks["frequency"].sum() * np.log(7), rel=1e-9)


# --- robustness ------------------------------------------------------------------------------------
EXTREME = frame(
    [0, 0, 0, 1, 170, 500, 500, 3000, 2],
    [0.0, 0.0, 0.0, 1e-9, 70.857, 100.0, 0.5, 1e4, 1e5],
    [0.0, 1e-9, 5e3, 1e-9, 70.857, 100.0, 100.0, 1e4, 1e5],
)


@pytest.mark.parametrize("cls,params", [(BetaGeo, BG), (ParetoNBD, PARETO)])
def test_predictions_stay_finite_on_extreme_histories(cls, params):
    model = fitted(cls, params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid-value warnings either
        alive = model.p_alive(EXTREME)
        expected = model.conditional_expected_purchases(52.0, EXTREME)
        p0 = model.p_purchases(0, 52.0, EXTREME)
        p3 = model.p_purchases(3, 52.0, EXTREME)
    for values in (alive, expected, p0, p3):
        assert np.all(np.isfinite(values))
    assert alive.between(0, 1).all() and p0.between(0, 1).all() and p3.between(0, 1).all()
    assert (expected >= 0).all()
    assert alive.iloc[0] == 1.0  # a brand-new customer is alive
    assert alive.iloc[6] < 1e-6  # 500 purchases in half a week, then silent for 99.5 weeks


@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD])
def test_fit_with_no_repeat_customers_raises_convergence_error(cls):
    for T in (np.linspace(1, 40, 500), np.zeros(500)):
        with pytest.raises(ConvergenceError, match="not identified"):
            cls().fit(frame(np.zeros(500), np.zeros(500), T))


@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD])
def test_fit_without_an_interior_maximum_raises_convergence_error(cls):
    """One repeat purchase among 501 customers: the likelihood has no interior maximum."""
    s = frame(np.r_[np.zeros(500), 1], np.r_[np.zeros(500), 3.0], np.r_[np.linspace(1, 40, 500), 40])
    with pytest.raises(ConvergenceError, match="time unit"):
        cls().fit(s)


def test_fits_are_finite_with_huge_frequencies_and_spends():
    s = cdnow_summary("sample")
    extreme = pd.concat([s, frame([900], [38.0], [38.5]).assign(monetary_value=1e9).set_axis(["whale"])])
    for cls in (BetaGeo, ParetoNBD):
        model = cls().fit(extreme)
        assert np.all(np.isfinite(model.params_)) and np.all(np.isfinite(model.standard_errors_))
    # spend in micro-units: p and q are scale-free, v scales with the currency unit
    spend = GammaGamma().fit(s.assign(monetary_value=s["monetary_value"] * 1e6))
    np.testing.assert_allclose(spend.params_, GammaGamma().fit(s).params_ * [1, 1, 1e6], rtol=1e-6)


# --- input checking -----------------------------------------------------------------------------------
def test_missing_column_is_named():
    with pytest.raises(DataError, match="'recency' missing"):
        BetaGeo().fit(pd.DataFrame({"frequency": [1], "T": [2.0]}))


def test_recency_after_T_names_column_count_and_rows():
    s = frame([1, 2, 3], [5.0, 9.0, 2.0], [4.0, 8.0, 3.0]).set_axis(["c1", "c2", "c3"])
    with pytest.raises(DataError, match=r"'recency' is greater than T in 2 rows, e\.g\. c1 .*c2"):
        ParetoNBD().fit(s)


@pytest.mark.parametrize(
    "bad,match",
    [
        (frame([-1], [0.0], [3.0]), "'frequency' is not a non-negative whole number"),
        (frame([1.5], [1.0], [3.0]), "'frequency' is not a non-negative whole number"),
        (frame([0], [1.0], [3.0]), "'recency' is not 0 although frequency is 0"),
        (frame([1], [np.nan], [3.0]), "'recency' is missing or not finite"),
        (frame([1], [-1.0], [3.0]), "'recency' is negative"),
    ],
)
def test_bad_values_are_data_errors(bad, match):
    with pytest.raises(DataError, match=match):
        BetaGeo().fit(bad)


def test_gamma_gamma_rejects_nonpositive_spend_of_repeaters():
    s = pd.DataFrame({"frequency": [1, 2, 0], "monetary_value": [0.0, 10.0, 0.0]}, index=["a", "b", "c"])
    with pytest.raises(DataError, match=r"'monetary_value' is <= 0 .* in 1 rows, e\.g\. a"):
        GammaGamma().fit(s)


def test_gamma_gamma_warns_when_spend_depends_on_frequency():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, 2000)
    m = rng.gamma(20, (5 + 3 * x) / 20)  # mean spend grows with frequency
    with pytest.warns(StatisticalWarning, match="correlated"):
        model = GammaGamma().fit(frequency=x, monetary_value=m)
    assert model.frequency_spend_corr_ > 0.5


def test_bgbb_rejects_impossible_histories():
    with pytest.raises(DataError, match="'frequency' is greater than recency"):
        BetaGeoBetaBinom().fit(pd.DataFrame({"frequency": [3], "recency": [2], "n_periods": [6]}))
    with pytest.raises(DataError, match="'recency' is greater than n_periods"):
        BetaGeoBetaBinom().fit(pd.DataFrame({"frequency": [3], "recency": [7], "n_periods": [6]}))


def test_negative_weights_rejected():
    with pytest.raises(DataError, match="weights"):
        BetaGeo().fit(frame([1, 2], [1.0, 2.0], [3.0, 3.0]), weights=[1, -1])


def test_bad_prediction_arguments_are_params_errors():
    model = fitted(BetaGeo, BG)
    with pytest.raises(ParamsError):
        model.expected_purchases(-1.0)
    with pytest.raises(ParamsError):
        model.p_purchases(1.5, 10.0)


# --- fitted-model face ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD, GammaGamma, BetaGeoBetaBinom])
def test_unfitted_models_say_so(cls):
    model = cls()
    assert "not fitted" in repr(model) and "not fitted" in model._repr_html_()
    with pytest.raises(NotFittedError, match=r"call \.fit"):
        model.summary
    with pytest.raises(NotFittedError):
        model.params_ if hasattr(model, "params_") else model._params()


def test_unfitted_predictions_raise_not_fitted():
    s = frame([1], [1.0], [2.0])
    for call in (
        lambda: BetaGeo().p_alive(s),
        lambda: ParetoNBD().conditional_expected_purchases(1.0, s),
        lambda: BetaGeo().expected_purchases(1.0),
        lambda: GammaGamma().conditional_expected_spend(frequency=[1], monetary_value=[2.0]),
        lambda: BetaGeoBetaBinom().expected_purchases(3),
    ):
        with pytest.raises(NotFittedError):
            call()


def test_fitted_model_display(capsys):
    model = BetaGeo().fit(cdnow_summary("sample"))
    table = model.summary
    assert list(table.columns) == ["coef", "se(coef)", "lower 95%", "upper 95%"]
    assert list(table.index) == ["r", "alpha", "a", "b"]
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(table["upper 95%"] - table["coef"], z * model.standard_errors_)
    model.print_summary()
    out = capsys.readouterr().out
    assert "log-likelihood = -9,582.43" in out and "alpha" in out
    assert "<table" in model._repr_html_() and "BetaGeo" in repr(model)
    assert model.variance_matrix_.shape == (4, 4)


def test_initial_params_are_checked_and_used():
    s = cdnow_summary("sample")
    start = dict(r=1.0, alpha=1.0, a=1.0, b=1.0)
    np.testing.assert_allclose(BetaGeo(initial_params=start).fit(s).params_, BetaGeo().fit(s).params_, rtol=1e-6)
    with pytest.raises(ParamsError, match="initial_params"):
        BetaGeo(initial_params={"r": 1.0}).fit(s)


def test_hypergeometric_series_where_scipy_gives_up():
    """log 2F1(a, b; a+1; z) from its integral by parts: equal to SciPy where SciPy works, and to the
    integral by quadrature where SciPy returns NaN (a G term of the Pareto/NBD likelihood: a = 210,
    z = 0.9993)."""
    from scipy import integrate
    from scipy.special import hyp2f1

    from workbench.models.transaction import _log_hyp2f1_c1, _log_hyp2f1_c1_by_parts

    a, b, z = np.array([30.0, 10.0, 50.0, 2.5, 0.7]), np.array([2.0, 0.5, 7.0, 1.5, 0.3]), np.array([0.99, 0.9, 0.995, 0.999, 0.95])
    np.testing.assert_allclose(_log_hyp2f1_c1_by_parts(a, b, z), np.log(hyp2f1(a, b, a + 1, z)), rtol=1e-10)
    a, b, z = 210.0468, 5.328, 0.99930785
    assert np.isnan(hyp2f1(a, b, a + 1, z))  # the case the fallback exists for
    # 2F1(a, b; a+1; z) = a z^-a  integral_0^z v^(a-1) (1-v)^(-b) dv
    integral, _ = integrate.quad(lambda v: np.exp((a - 1) * np.log(v) - b * np.log1p(-v)), 0, z, limit=400, epsrel=1e-12)
    expected = np.log(a) - a * np.log(z) + np.log(integral)
    assert _log_hyp2f1_c1(np.array([a]), np.array([b]), np.array([z]))[0] == pytest.approx(expected, rel=1e-9)
