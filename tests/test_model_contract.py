"""The contract every fitted model keeps (as the segmenters' contract does for segmenters).

Each model is fitted on data drawn from its own generative process, so its MLE exists: BG/NBD
and Pareto/NBD from workbench.data.synthetic with the published CDNOW estimates (weeks), Gamma-
Gamma spend from the same module, BG/BB from its beta-Bernoulli / beta-geometric story written
below with the Fader, Hardie & Shang (2010) donation estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from workbench.data.synthetic import (
    CDNOW_PARAMS,
    simulate_bgnbd,
    simulate_cnbd,
    simulate_gamma_gamma_spend,
    simulate_paretonbd,
)
from workbench.errors import NotFittedError, ParamsError
from workbench.models import BetaGeo, BetaGeoBetaBinom, GammaGamma, ParetoNBD
from workbench.models.cnbd import _BetaGeoFamily
from workbench.models.covariates import BetaGeoCovariates, ParetoNBDCovariates
from workbench.models.registry import transaction_models

BGBB_FHS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


def simulate_bgbb(n: int, alpha: float, beta: float, gamma: float, delta: float, n_periods: int, seed: int) -> pd.DataFrame:
    """BG/BB: p ~ Beta(alpha, beta) per opportunity while alive; alive customers drop out at the
    start of each later opportunity with probability theta ~ Beta(gamma, delta)."""
    rng = np.random.default_rng(seed)
    p, theta = rng.beta(alpha, beta, n), rng.beta(gamma, delta, n)
    alive = np.ones(n, dtype=bool)
    x, tx = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    for t in range(1, n_periods + 1):
        if t > 1:
            alive &= rng.random(n) >= theta
        buy = alive & (rng.random(n) < p)
        x += buy
        tx = np.where(buy, t, tx)
    return pd.DataFrame({"frequency": x, "recency": tx, "n_periods": n_periods})


def _transaction_summary(simulate, params, seed):
    T = np.random.default_rng(seed).uniform(30, 78, 3000)
    return simulate(3000, **params, T=T, seed=seed)[["frequency", "recency", "T"]]


def _cnbd_summary(k, seed):
    """(M)BG/NBD and (M)BG/CNBD-k models on Erlang-2 BG draws (CDNOW-like rates): each fits them."""
    T = np.random.default_rng(seed).uniform(30, 78, 3000)
    draws = simulate_cnbd(3000, k, 0.5, 3.0, 0.8, 2.5, T=T, seed=seed)
    return draws[["frequency", "recency", "T", "sum_log_interpurchase"]]


def _covariate_summary(plain_kind, seed):
    """Draws of the model with covariates: a binary ``gender`` and a three-level ``channel`` shift
    the CDNOW parameters as the covariate models assume (alpha, beta / a, b scaled by exp(gamma' z))."""
    rng = np.random.default_rng(seed)
    gender, channel = rng.integers(0, 2, 3000), rng.choice(["store", "web", "phone"], 3000, p=[0.5, 0.3, 0.2])
    trans = np.exp(0.4 * gender + 0.5 * (channel == "web") - 0.3 * (channel == "phone"))
    life = np.exp(-0.4 * gender + 0.3 * (channel == "web"))
    params = dict(CDNOW_PARAMS[plain_kind])
    params["alpha"] = params["alpha"] / trans
    if plain_kind == "paretonbd":
        params["beta"] = params["beta"] / life
        simulate = simulate_paretonbd
    else:
        params["a"], params["b"] = params["a"] * life, params["b"] * life
        simulate = simulate_bgnbd
    T = rng.uniform(30, 78, 3000)
    summary = simulate(3000, **params, T=T, seed=seed)[["frequency", "recency", "T"]]
    return summary.assign(gender=gender, channel=channel)


COVARIATES = ["gender", "channel"]


def new(cls, **params):
    """An unfitted model; one with covariates reads the fixtures' attribute columns."""
    return cls(**({"covariates": COVARIATES} if getattr(cls, "takes_covariates", False) else {}), **params)


def _spend_summary():
    counts = np.random.default_rng(5).poisson(2.5, 3000) + 1
    _, customers = simulate_gamma_gamma_spend(counts, **CDNOW_PARAMS["gamma_gamma"], seed=6)
    return customers[["frequency", "monetary_value"]]


#: Each registered transaction model is fitted on data from the process of the shipped model it
#: derives from (a new BG/NBD variant on BG/NBD draws); a new process adds its line here.
PROCESSES = {
    ParetoNBDCovariates: lambda: _covariate_summary("paretonbd", 7),
    BetaGeoCovariates: lambda: _covariate_summary("bgnbd", 8),
    _BetaGeoFamily: lambda: _cnbd_summary(k=2, seed=4),
    BetaGeo: lambda: _transaction_summary(simulate_bgnbd, CDNOW_PARAMS["bgnbd"], 1),
    ParetoNBD: lambda: _transaction_summary(simulate_paretonbd, CDNOW_PARAMS["paretonbd"], 2),
}
_COEFFICIENTS = [f"{p}.{c}" for p in ("trans", "life") for c in ("gender", "channel=phone", "channel=web")]
PAPER_NAMES = {ParetoNBDCovariates: ["r", "alpha", "s", "beta", *_COEFFICIENTS],
               BetaGeoCovariates: ["r", "alpha", "a", "b", *_COEFFICIENTS],
               _BetaGeoFamily: ["r", "alpha", "a", "b"], BetaGeo: ["r", "alpha", "a", "b"], ParetoNBD: ["r", "alpha", "s", "beta"]}


def _process_of(cls):
    return next(base for base in PROCESSES if issubclass(cls, base))


MODELS = {
    **{kind: (cls, PROCESSES[_process_of(cls)], PAPER_NAMES[_process_of(cls)]) for kind, cls in transaction_models().items()},
    "gamma_gamma": (GammaGamma, _spend_summary, ["p", "q", "v"]),
    "bgbb": (BetaGeoBetaBinom, lambda: simulate_bgbb(3000, **BGBB_FHS, n_periods=6, seed=3), ["alpha", "beta", "gamma", "delta"]),
}
#: One extreme customer per model: CDNOW master customer 14048 (x = 170, t_x = T), a big spender,
#: a donor who gave every year.
EXTREME = {
    "bgnbd": pd.DataFrame({"frequency": [170, 0], "recency": [77.0, 0.0], "T": [77.0, 77.0]}),
    "paretonbd": pd.DataFrame({"frequency": [170, 0], "recency": [77.0, 0.0], "T": [77.0, 77.0]}),
    "gamma_gamma": pd.DataFrame({"frequency": [170, 1], "monetary_value": [5000.0, 0.01]}),
    "bgbb": pd.DataFrame({"frequency": [6, 0], "recency": [6, 0], "n_periods": [6, 6]}),
}


def extreme_rows(kind: str) -> pd.DataFrame:
    rows = EXTREME.get(kind, EXTREME["bgnbd"])  # a registered variant: the CDNOW rows
    if getattr(transaction_models().get(kind), "takes_covariates", False):
        rows = rows.assign(gender=[1, 0], channel=["web", "phone"])
    return rows


def predictions(kind: str, model, rows: pd.DataFrame) -> list[np.ndarray]:
    if kind == "gamma_gamma":
        return [model.conditional_expected_spend(rows).to_numpy()]
    t = 52.0 if kind != "bgbb" else 5
    return [model.p_alive(rows).to_numpy(), model.conditional_expected_purchases(t, rows).to_numpy(),
            model.p_purchases(0, t, rows).to_numpy()]


@pytest.fixture(scope="module", params=list(MODELS), ids=list(MODELS))
def case(request):
    cls, data, names = MODELS[request.param]
    summary = data()
    return request.param, cls, summary, names, new(cls).fit(summary)


def test_fit_returns_self_with_the_papers_parameter_names(case):
    _, cls, summary, names, fitted = case
    model = new(cls)
    assert model.fit(summary) is model
    positive = [n for n in names if "." not in n]  # covariate coefficients take any sign
    assert list(model.params_.index) == names and (model.params_[positive] > 0).all()
    assert list(model.standard_errors_.index) == names and np.isfinite(model.standard_errors_).all()
    assert (model.standard_errors_ > 0).all()
    assert list(model.summary.index) == names


def test_log_likelihood_at_the_estimates_is_the_maximum(case):
    _, _, _, names, model = case
    assert model.log_likelihood() == model.log_likelihood_
    assert model.log_likelihood(model.params_) == pytest.approx(model.log_likelihood_, rel=1e-12)
    for name in names:
        for factor in (0.9, 1.1):
            moved = model.params_.copy()
            moved[name] = moved[name] * factor if "." not in name else moved[name] + factor - 1
            assert model.log_likelihood(moved) < model.log_likelihood_
    with pytest.raises(ParamsError, match="params needs exactly"):
        model.log_likelihood({"r": 1.0})


def test_before_fit_everything_learned_is_a_not_fitted_error(case):
    kind, cls, summary, _, _ = case
    model = new(cls)
    with pytest.raises(NotFittedError, match="fit"):
        predictions(kind, model, extreme_rows(kind))
    with pytest.raises(NotFittedError):
        model.log_likelihood()
    with pytest.raises(NotFittedError):
        model.summary


def test_clone_round_trip_and_init_sets_only_parameters(case):
    _, cls, _, _, fitted = case
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params() and not hasattr(copy, "params_")
    fresh = cls(**new(cls).get_params())
    assert set(vars(fresh)) == set(new(cls).get_params())  # __init__ stores its parameters and nothing else
    assert fresh.set_params(tol=1e-8).tol == 1e-8


def test_predictions_are_finite_on_extreme_customers(case):
    kind, _, _, _, model = case
    for values in predictions(kind, model, extreme_rows(kind)):
        assert np.isfinite(values).all(), (kind, values)


def test_repr_before_and_after_fit(case):
    _, cls, _, _, fitted = case
    assert "not fitted" in repr(new(cls)) and "not fitted" in new(cls)._repr_html_()
    assert repr(fitted).startswith(f"<workbench.{cls.__name__}") and "<table>" in fitted._repr_html_()


def test_every_model_class_is_in_the_contract_list():
    from workbench.models._mle import MLEModel

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    public = {c.__name__ for c in subclasses(MLEModel)
              if not c.__name__.startswith("_") and c.__module__.startswith("workbench.")}
    contract = {cls.__name__ for cls, _, _ in MODELS.values()}
    assert public <= contract
    # a model registered from outside the package (tests/example_method.py) is in the contract too
    assert "HeavierStartBetaGeo" in contract and set(transaction_models()) <= set(MODELS)


def test_hyper_parameters_are_declared_once_in_its_params_model(case):
    """``Params`` lists exactly the __init__ keywords with the same defaults."""
    import inspect

    cls = case[1]
    init = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items() if k != "self"}
    assert {k: f.get_default() for k, f in cls.Params.model_fields.items()} == init


@pytest.mark.parametrize(("bad", "message"), [
    ({"tol": 0}, r"tol: Input should be greater than 0"),
    ({"max_iter": 0}, r"max_iter: Input should be greater than or equal to 1"),
    ({"initial_params": {"r": -1}}, r"initial_params\.r: Input should be greater than 0"),
])
def test_a_bad_hyper_parameter_is_named_at_fit(case, bad, message):
    _, cls, summary, _, _ = case
    with pytest.raises(ParamsError, match=rf"{cls.__name__}\.fit: {message}"):
        new(cls, **bad).fit(summary)
