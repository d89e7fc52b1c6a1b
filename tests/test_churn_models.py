"""The churn models: each recovers the parameters of its own generative process within 2 SE;
the Cox fit equals lifelines' CoxPHFitter (a second implementation) to 1e-6; constant and
collinear covariates are dropped with a note; the shared estimator contract; the early-warning
predictions against closed forms.

Each "within 2 SE" check is a test at the 5 % level on one fixed draw (independent streams per
seed, not searched for); the standard errors themselves are checked by their coverage over
replications, which is also where the null covariate ``noise`` is checked."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from workbench.churn.models import CoxPH, SurvivalModel, WeibullAFT, WeibullCure, survival_model, survival_models
from workbench.errors import DataError, NotFittedError, ParamsError


def attributes(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 0])
    return pd.DataFrame({"spend": rng.normal(size=n), "noise": rng.normal(size=n),
                         "segment": rng.choice(["retail", "enterprise"], n, p=[0.7, 0.3])},
                        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))


def with_times(frame: pd.DataFrame, churn: np.ndarray, seed: int, follow_up: float = 80.0) -> pd.DataFrame:
    censor = np.random.default_rng([seed, 1]).uniform(0, follow_up, len(frame))
    return frame.assign(duration=np.minimum(churn, censor), churned=churn <= censor)


def weibull_process(n=20_000, seed=3, rho=1.5, cure=None):
    """Weibull AFT: log lambda = log 30 + 0.4 z(spend) - 0.3 [enterprise]; optional cure share."""
    frame = attributes(n, seed)
    rng = np.random.default_rng([seed, 2])
    z = (frame.spend - frame.spend.mean()) / frame.spend.std(ddof=0)
    lam = np.exp(np.log(30) + 0.4 * z - 0.3 * (frame.segment == "enterprise"))
    churn = lam.to_numpy() * rng.weibull(rho, n)
    if cure is not None:
        pi = 1 / (1 + np.exp(-(cure[0] + cure[1] * z)))
        churn = np.where(rng.random(n) < pi, np.inf, churn)
    return with_times(frame, churn, seed)


def exponential_process(n=20_000, seed=5):
    """Exponential hazard 0.05 exp(0.5 z(spend) + 0.4 [enterprise]): a Cox model with these log
    hazard ratios and a Weibull AFT with rho = 1 and lambda coefficients of the opposite sign."""
    frame = attributes(n, seed)
    z = (frame.spend - frame.spend.mean()) / frame.spend.std(ddof=0)
    rate = 0.05 * np.exp(0.5 * z + 0.4 * (frame.segment == "enterprise"))
    churn = np.random.default_rng([seed, 2]).exponential(1 / rate.to_numpy())
    return with_times(frame, churn, seed)


COVARIATES = ["spend", "noise", "segment"]


def within_2se(model, truth: dict[str, float]):
    for name, value in truth.items():
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - value) < 2 * se, (name, est, se, value)


def test_cox_recovers_exponential_hazard_ratios():
    model = CoxPH(penalizer=0).fit(exponential_process(), covariates=COVARIATES)
    within_2se(model, {"spend": 0.5, "noise": 0.0, "segment=enterprise": 0.4})
    assert "Proportional hazards hold" in model.ph_check_


def test_weibull_aft_recovers_weibull_and_exponential():
    model = WeibullAFT(penalizer=0).fit(weibull_process(), covariates=COVARIATES)
    within_2se(model, {"lambda_[Intercept]": np.log(30), "lambda_[spend]": 0.4,
                       "lambda_[segment=enterprise]": -0.3, "rho_[Intercept]": np.log(1.5)})
    exp_model = WeibullAFT(penalizer=0).fit(exponential_process(), covariates=COVARIATES)
    within_2se(exp_model, {"lambda_[Intercept]": np.log(20), "lambda_[spend]": -0.5, "lambda_[segment=enterprise]": -0.4,
                           "rho_[Intercept]": 0.0})


def test_cure_model_recovers_the_never_churning_share():
    data = weibull_process(cure=(-0.5, 0.8))
    model = WeibullCure(penalizer=0).fit(data, covariates=COVARIATES)
    within_2se(model, {"cure_[Intercept]": -0.5, "cure_[spend]": 0.8, "cure_[noise]": 0.0,
                       "lambda_[Intercept]": np.log(30), "lambda_[spend]": 0.4, "rho_[Intercept]": np.log(1.5)})
    assert model.cure_fraction(data).between(0, 1).all()


TRUTH = {
    "cox": (exponential_process, {"spend": 0.5, "noise": 0.0, "segment=enterprise": 0.4}),
    "weibull_aft": (weibull_process, {"lambda_[Intercept]": np.log(30), "lambda_[spend]": 0.4, "lambda_[noise]": 0.0,
                                      "lambda_[segment=enterprise]": -0.3, "rho_[Intercept]": np.log(1.5)}),
    "weibull_cure": (lambda n, seed: weibull_process(n, seed, cure=(-0.5, 0.8)),
                     {"lambda_[Intercept]": np.log(30), "lambda_[spend]": 0.4, "lambda_[noise]": 0.0, "rho_[Intercept]": np.log(1.5),
                      "cure_[Intercept]": -0.5, "cure_[spend]": 0.8, "cure_[noise]": 0.0, "cure_[segment=enterprise]": 0.0}),
}


@pytest.mark.parametrize("kind", list(TRUTH))
def test_standard_errors_cover_the_truth(kind):
    """Over 20 replications, (estimate - truth) / SE has mean near 0 and spread near 1 for every
    parameter: |mean| < 0.7 (3.1 / sqrt(20)) and SD in [0.5, 1.6] (about 3 sampling SDs of an SD from 20 draws around 1; SEs off by a factor of 2 fail)."""
    process, truth = TRUTH[kind]
    z = []
    for rep in range(20):
        model = survival_model(kind)(penalizer=0).fit(process(n=3000, seed=500 + rep), covariates=COVARIATES)
        z.append([(model.params_[k] - v) / model.standard_errors_[k] for k, v in truth.items()])
    z = np.array(z)
    assert (np.abs(z.mean(axis=0)) < 0.7).all(), dict(zip(truth, z.mean(axis=0).round(2)))
    assert ((z.std(axis=0) > 0.5) & (z.std(axis=0) < 1.6)).all(), dict(zip(truth, z.std(axis=0).round(2)))


def test_cox_equals_lifelines_coxph():
    """lifelines' CoxPHFitter on the same coded covariates: coefficients, standard errors, the
    log partial likelihood (Efron ties) and the baseline cumulative hazard."""
    from lifelines import CoxPHFitter

    data = exponential_process(n=3000, seed=11)
    data["duration"] = np.ceil(data["duration"])  # whole time units: many tied times
    model = CoxPH(penalizer=0).fit(data, covariates=COVARIATES)
    coded = model.design_.transform(data, "test").assign(T=data["duration"], E=data["churned"])
    reference = CoxPHFitter().fit(coded, "T", "E")
    np.testing.assert_allclose(model.params_.to_numpy(), reference.params_.to_numpy(), atol=1e-6)
    np.testing.assert_allclose(model.standard_errors_.to_numpy(), reference.standard_errors_.to_numpy(), atol=1e-6)
    assert model.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)
    np.testing.assert_allclose(model.baseline_cumulative_hazard_, reference.baseline_cumulative_hazard_.iloc[:, 0], atol=1e-6)
    times = [3.0, 10.0, 25.0]
    np.testing.assert_allclose(model.survival_function(data.head(20), times).to_numpy(),
                               reference.predict_survival_function(coded.head(20), times=times).T.to_numpy(), atol=1e-6)


@pytest.mark.parametrize("cls", [CoxPH, WeibullAFT, WeibullCure])
def test_constant_and_collinear_columns_are_dropped_with_a_note(cls):
    data = weibull_process(n=4000, seed=13, cure=(-0.5, 0.8))
    data = data.assign(region="north", twice=2 * data["spend"] + 1, flat=7.0, duration=data["duration"] + 0.01)
    model = cls().fit(data, covariates=["spend", "twice", "flat", "region", "segment"])
    assert model.design_.names == ["spend", "segment=enterprise"]
    assert any("flat is constant" in note for note in model.notes_)
    assert any("region has one level" in note for note in model.notes_)
    assert any("twice is a linear combination of spend" in note for note in model.notes_)
    model.print_summary()  # the notes are shown with the table


def test_a_cure_model_without_never_churners_says_so():
    """Exponential lifetimes, every customer churns eventually: the cure share runs to 0."""
    from workbench.errors import ConvergenceError

    with pytest.raises(ConvergenceError, match="no interior maximum"):
        WeibullCure(penalizer=0).fit(exponential_process(n=4000, seed=13), covariates=COVARIATES)


def test_bad_data_is_named():
    data = exponential_process(n=500, seed=1)
    with pytest.raises(ParamsError, match="covariate 'age' is not a column"):
        CoxPH().fit(data, covariates=["age"])
    with pytest.raises(DataError, match="covariate 'spend' is missing for 2 customers, e.g. \\['c0', 'c3'\\]"):
        CoxPH().fit(data.assign(spend=data.spend.where(~data.index.isin(["c0", "c3"]))), covariates=["spend"])
    with pytest.raises(DataError, match="no churn is observed"):
        CoxPH().fit(data.assign(churned=False))
    with pytest.raises(DataError, match="churn at time 0.*until_known"):
        WeibullAFT().fit(data.assign(duration=np.where(data.index == "c1", 0.0, data.duration)))
    with pytest.raises(ParamsError, match="unknown churn model 'cox2'"):
        survival_model("cox2")


MODELS = list(survival_models().values())


@pytest.fixture(scope="module", params=MODELS, ids=[m.kind for m in MODELS])
def fitted(request):
    data = weibull_process(n=3000, seed=21, cure=(-1.0, 0.5))
    return request.param, data, request.param().fit(data, covariates=COVARIATES)


def test_contract_fit_params_and_display(fitted):
    cls, data, model = fitted
    assert issubclass(cls, SurvivalModel) and cls.kind and cls.label
    assert list(model.standard_errors_.index) == list(model.params_.index) and np.isfinite(model.standard_errors_).all()
    assert list(model.summary.columns) == ["coef", "se(coef)", "z", "p", "lower 95%", "upper 95%"]
    assert "<table>" in model._repr_html_() and repr(model).startswith(f"<workbench.{cls.__name__}: fitted")
    fresh = cls()
    assert "not fitted" in repr(fresh) and "not fitted" in fresh._repr_html_()
    with pytest.raises(NotFittedError, match="fit"):
        fresh.survival_function(data, [1.0])
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "params_")
    init = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items() if k != "self"}
    assert {k: f.get_default() for k, f in cls.Params.model_fields.items()} == init
    with pytest.raises(ParamsError, match=rf"{cls.__name__}\.fit: penalizer: Input should be greater than or equal to 0"):
        cls(penalizer=-1).fit(data, covariates=COVARIATES)


def test_contract_predictions(fitted):
    _, data, model = fitted
    surv = model.survival_function(data, [5.0, 20.0, 60.0]).to_numpy()
    assert ((surv >= 0) & (surv <= 1)).all() and (np.diff(surv, axis=1) <= 1e-12).all()
    frame = data.assign(age=data["duration"], known=data["duration"] + 5.0)
    p30 = model.churn_probability(frame, 30.0, known="known")
    p90 = model.churn_probability(frame, 90.0, known="known")
    assert p30.between(0, 1).all() and (p90 >= p30 - 1e-12).all()
    assert (model.churn_probability(frame, 3.0, known="known") == 0).all()  # cannot be known before `known`
    life = model.remaining_lifetime(frame, known="known", limit=100.0)
    assert ((life >= 5.0 - 1e-9) & (life <= 100.0 + 1e-9)).all()
    risk = model.risk(data)
    assert np.corrcoef(risk, 1 - surv[:, 1])[0, 1] > 0.99


def test_early_warning_matches_the_weibull_closed_form():
    model = WeibullAFT(penalizer=0).fit(weibull_process(n=5000, seed=8), covariates=COVARIATES)
    frame = attributes(5, 99).assign(age=[10.0, 20, 30, 40, 50], known=[12.0, 25, 30, 41, 60])
    coded = model.design_.transform(frame, "test").to_numpy()
    coef = model.params_
    lam = np.exp(coef["lambda_[Intercept]"] + coded @ np.array([coef["lambda_[spend]"], coef["lambda_[noise]"],
                                                                 coef["lambda_[segment=enterprise]"]]))
    rho = np.exp(coef["rho_[Intercept]"])
    S = lambda t: np.exp(-(t / lam) ** rho)  # noqa: E731
    a, b, h = frame.age.to_numpy(), frame.known.to_numpy(), 15.0
    expected = np.where(a + h > b, 1 - S(np.maximum(a + h, b)) / S(b), 0.0)
    np.testing.assert_allclose(model.churn_probability(frame, h, known="known"), expected, atol=1e-12)


def test_remaining_lifetime_of_an_exponential_is_its_restricted_mean():
    """Memoryless: E[min(T - a, L)] = (1 - exp(-rate L)) / rate whatever the age (known = age)."""
    model = WeibullAFT(penalizer=0).fit(exponential_process(n=4000, seed=2), covariates=[])
    rate = np.exp(-model.params_["lambda_[Intercept]"])
    frame = pd.DataFrame({"age": [0.0, 30.0, 200.0]}).assign(known=lambda f: f.age)
    rho = np.exp(model.params_["rho_[Intercept]"])
    if abs(rho - 1) < 1e-9:
        expected = (1 - np.exp(-rate * 50)) / rate
        np.testing.assert_allclose(model.remaining_lifetime(frame, known="known", limit=50), expected, rtol=1e-4)
    # a fitted rho is never exactly 1: check against direct numerical integration of S instead
    lam = 1 / rate
    grid = np.linspace(0, 50, 20001)
    for age in frame.age:
        cond = np.exp(-((age + grid) / lam) ** rho + (age / lam) ** rho)
        assert model.remaining_lifetime(frame[frame.age == age], known="known", limit=50).iloc[0] == pytest.approx(
            np.trapezoid(cond, grid), rel=1e-4)
