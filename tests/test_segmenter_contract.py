"""The contract every segmenter keeps. A new method = one class + one line in SEGMENTERS."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from workbench.data.synthetic import CDNOW_PARAMS, simulate_bgnbd, simulate_gamma_gamma_spend
from workbench.errors import ConvergenceError, NotApplicableError, NotFittedError, WorkbenchError
from workbench.models.clv import BetaGeo, GammaGamma
from workbench.models.value import with_predictions
from workbench.segment.clv import CLVTiers
from workbench.segment.registry import scheme_specs
from workbench.segment import (
    Crossed,
    FacetTiers,
    LifecycleStages,
    ParetoTiers,
    RFMScoreTiers,
    RFMSegmenter,
    ScoreTiers,
    TiersConfig,
    ValueGrid,
    build_segmenters,
)

SEGMENTERS = {
    "rfm": lambda: RFMSegmenter(),
    "rfm_n3": lambda: RFMSegmenter(3, segments=[{"label": "Top", "cells": [{"r": [2, 3], "f": [2, 3]}]},
                                                {"label": "Rest", "cells": [{"r": 1, "f": [1, 3]}, {"r": [2, 3], "f": 1}]}]),
    "rfm_score_shares": lambda: RFMScoreTiers(),
    "rfm_score_abcd": lambda: RFMScoreTiers(thresholds=[13, 10, 7], labels=list("ABCD")),
    "score_shares": lambda: ScoreTiers("revenue"),
    "score_clv_thresholds": lambda: ScoreTiers("clv", thresholds=[200, 50], name="clv_tiers"),
    "score_churn_lower_better": lambda: ScoreTiers("churn_risk", shares=[0.5, 0.5], higher_is_better=False),
    "pareto": lambda: ParetoTiers(),
    "lifecycle": lambda: LifecycleStages(),
    "value_grid_proxy": lambda: ValueGrid(),
    "value_grid_clv": lambda: ValueGrid(potential_column="clv"),
    "facet": lambda: FacetTiers("region"),
    "crossed": lambda: Crossed(FacetTiers("nature", values=["enterprise", "individual"]), ParetoTiers()),
    "clv_bgnbd": lambda: CLVTiers(),
    "clv_no_lost_tier": lambda: CLVTiers(p_alive_min=0, shares=[0.5, 0.5], labels=["Hi", "Lo"]),
    **{f"default:{s.name}": (lambda s=s: clone(s)) for s in build_segmenters()},
    # every registered kind, from its spec's example (a new kind is checked without editing this file)
    **{f"kind:{s.name}": (lambda s=s: clone(s)) for s in build_segmenters(TiersConfig(schemes=[
        spec.example() for spec in scheme_specs().values() if spec.EXAMPLE is not None]))},
}


#: BG/NBD and Gamma-Gamma population parameters of the contract fixtures: the published CDNOW
#: estimates (Fader, Hardie & Lee 2005) with alpha converted from weeks to days.
BGNBD_DAYS = {**CDNOW_PARAMS["bgnbd"], "alpha": CDNOW_PARAMS["bgnbd"]["alpha"] * 7}


def synthetic_summary(
    n: int = 400, alpha_days: float = BGNBD_DAYS["alpha"], seed: int = 7, predictions: bool = True
) -> pd.DataFrame:
    """A Summary-contract frame drawn from the models' own processes, in days: (frequency,
    recency, T) from BG/NBD (ages spread over 18 months), spend from Gamma-Gamma, so the models'
    MLE exists; with ``predictions``, their ``clv`` and ``p_alive`` columns, which CLV tiers read.
    A larger ``alpha_days`` (slower buyers) gives more one-time buyers."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(1, 540, n).round(3)
    bgnbd = {**BGNBD_DAYS, "alpha": alpha_days}
    draws = simulate_bgnbd(n, **bgnbd, T=T, seed=rng)
    frequency = draws["frequency"].to_numpy()
    amounts, _ = simulate_gamma_gamma_spend(frequency + 1, **CDNOW_PARAMS["gamma_gamma"], seed=rng)
    first = amounts.groupby("customer_id", sort=False).cumcount() == 0
    totals = amounts.groupby("customer_id", sort=False)["amount"].sum().to_numpy()
    first_amount = amounts.loc[first, "amount"].to_numpy()
    monetary = np.divide(totals - first_amount, frequency, out=np.zeros(n), where=frequency > 0)
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": draws["recency"].to_numpy(),
            "T": T,
            "monetary_value": monetary,
            "revenue": totals,
            "n_transactions": frequency + 1,
            "churn_risk": rng.random(n),
            "region": rng.choice(["north", "south", "east", None], n),
            "nature": rng.choice(["enterprise", "individual", "government"], n),
        },
        index=pd.Index([f"{i:05d}" for i in range(n)], name="customer_id"),
    )
    out.attrs["time_unit"] = "D"
    return model_predictions(out) if predictions else out


def model_predictions(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with the 12-month CLV (1 % a month) and P(alive) of BG/NBD and Gamma-Gamma."""
    spenders = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    return with_predictions(summary, BetaGeo().fit(summary), GammaGamma().fit(spenders), 12, 0.01)


def ridge_summary(n: int = 400, one_timer_share: float = 0.7, seed: int = 7) -> pd.DataFrame:
    """Arbitrary (frequency, recency, T) that no BG/NBD process made: recency is a uniform share
    of T, so nobody looks dropped out and the BG/NBD likelihood rises forever along a ridge
    where a and b grow together (the MLE is at infinity)."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(1, 540, n).round()
    repeat = rng.random(n) >= one_timer_share
    frequency = np.where(repeat, rng.poisson(3, n) + 1, 0)
    recency = np.where(repeat, (T * rng.uniform(0.1, 1, n)).round(), 0.0)
    monetary = np.where(repeat, rng.gamma(2, 20, n).round(2), 0.0)
    out = pd.DataFrame(
        {"frequency": frequency, "recency": recency, "T": T, "monetary_value": monetary,
         "revenue": (frequency + 1) * monetary},
        index=pd.Index([f"{i:05d}" for i in range(n)], name="customer_id"),
    )
    out.attrs["time_unit"] = "D"
    return out


def test_ridge_data_is_a_convergence_error_not_a_fit():
    """Data outside the model's process have no interior maximum: the fit says so."""
    data = ridge_summary()
    # which diagnosis fires depends on where L-BFGS-B stops on the ridge (rounding-level differences)
    with pytest.raises(ConvergenceError, match="did not converge|no interior maximum|is not a maximum"):
        BetaGeo().fit(data)
    with pytest.raises(ConvergenceError):
        model_predictions(data)


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return synthetic_summary()


@pytest.fixture(params=list(SEGMENTERS), ids=list(SEGMENTERS))
def make(request):
    return SEGMENTERS[request.param]


def test_fit_returns_self(make, summary):
    seg = make()
    assert seg.fit(summary) is seg


def test_labels_are_ordered_categorical_best_first(make, summary):
    seg = make().fit(summary)
    labels = seg.assign(summary)
    assert isinstance(labels, pd.Series)
    assert isinstance(labels.dtype, pd.CategoricalDtype) and labels.cat.ordered
    assert list(labels.cat.categories) == seg.tiers_ == list(seg.tier_labels_["en"])
    assert labels.index.equals(summary.index) and labels.index.name == "customer_id"
    assert labels.notna().all()
    assert labels.name == seg.name and isinstance(seg.name, str)


def test_labels_in_both_languages(make, summary):
    seg = make().fit(summary)
    en = seg.assign(summary)
    zh = seg.set_params(language="zh").assign(summary)
    assert list(zh.cat.categories) == list(seg.tier_labels_["zh"])
    assert (zh.cat.codes == en.cat.codes).all()
    assert en.map(seg.set_params(language="en").label("zh")).astype(str).equals(zh.astype(str))
    assert seg.tier_labels_["zh"].str.len().min() > 0


def test_same_parameters_same_labels(make, summary):
    params = {"random_state": 0} if "random_state" in make().get_params() else {}
    a = make().set_params(**params).fit_assign(summary)
    b = make().set_params(**params).fit_assign(summary)
    assert a.equals(b)


def test_assign_on_other_customers_uses_what_fit_learned(make, summary):
    seg = make().fit(summary)
    full = seg.assign(summary)
    part = summary.iloc[::7]
    assert seg.assign(part).equals(full.loc[part.index])


def test_segments_profile_after_fit(make, summary):
    seg = make().fit(summary)
    table = seg.segments_
    assert list(table.index) == seg.tiers_
    assert table["customers"].sum() == len(summary)
    assert table["customer_share"].sum() == pytest.approx(1.0)
    assert table["revenue_share"].sum() == pytest.approx(1.0)
    assert {"mean_recency", "mean_frequency", "mean_monetary_value", "mean_revenue"} <= set(table.columns)


def test_get_params_round_trip(make):
    seg = make()
    params = seg.get_params(deep=False)
    assert set(params) == set(inspect.signature(type(seg)).parameters)
    assert {"name", "language"} <= set(params)
    again = type(seg)(**params)
    assert repr(again) == repr(seg)
    assert repr(clone(seg)) == repr(seg)
    assert seg.set_params(name="renamed").name == "renamed"


def test_init_sets_only_its_parameters_unchanged(make):
    """scikit-learn's rule (check_no_attributes_set_in_init): __init__ stores each parameter it
    is given, the very object, and sets no other attribute; validation waits for fit."""
    seg = make()
    params = seg.get_params(deep=False)
    sentinels = {key: value if key in ("name", "language") else object() for key, value in params.items()}
    fresh = type(seg)(**sentinels)
    assert set(vars(fresh)) == set(params), f"__init__ sets {sorted(set(vars(fresh)) - set(params))}"
    for key, value in sentinels.items():
        assert getattr(fresh, key) is value, key


def test_repr_before_and_after_fit(make, summary):
    seg = make()
    assert type(seg).__name__ in repr(seg)
    assert "not fitted" in seg._repr_html_()
    assert seg._repr_mimebundle_()["text/plain"] == repr(seg)
    seg.fit(summary)
    assert "<table" in seg._repr_html_()


def test_assign_before_fit_raises(make, summary):
    with pytest.raises(NotFittedError, match="fit"):
        make().assign(summary)


def test_works_when_every_customer_bought_once(make):
    """Rule-based tiers still work; model-based ones have no predictions to read: the models
    (which need repeat purchases to be identified) refuse with a ConvergenceError that says why,
    and the tiers say which prediction columns are missing."""
    # tiers on a plain "clv" number still work; the CLV tiers also need the models' p_alive
    data = synthetic_summary(n=60, alpha_days=1e12, seed=3, predictions=False).assign(clv=lambda d: d["revenue"])
    assert (data["frequency"] == 0).all()
    segmenter = make()
    if segmenter.needs_repeat_customers:
        with pytest.raises(ConvergenceError, match="repeat purchase"):
            model_predictions(data)
        with pytest.raises(NotApplicableError, match=r"predictions from column\(s\) \['p_alive'\]"):
            segmenter.fit(data)
        return
    labels = segmenter.fit_assign(data)
    assert labels.notna().all() and len(labels) == 60


def test_works_when_nearly_every_customer_bought_once(make):
    data = synthetic_summary(n=2000, alpha_days=300, seed=5)
    assert (data["frequency"] == 0).mean() > 0.85
    labels = make().fit_assign(data)
    assert labels.notna().all() and len(labels) == 2000


def test_duplicate_customer_ids_are_a_data_error(make, summary):
    doubled = pd.concat([summary.iloc[:5], summary.iloc[:2]])
    with pytest.raises(WorkbenchError, match="repeated id"):
        make().fit(doubled)


def test_customer_id_column_is_accepted(make, summary):
    seg = make().fit(summary)
    flat = summary.reset_index()
    flat.attrs = summary.attrs
    assert seg.assign(flat).equals(seg.assign(summary))


def test_every_registered_kind_has_an_example_in_the_contract():
    assert {spec for spec in scheme_specs().values() if spec.EXAMPLE is None} == set()
    assert {name.removeprefix("kind:") for name in SEGMENTERS if name.startswith("kind:")} == set(scheme_specs())


def test_every_segmenter_class_is_in_the_contract_list():
    """A new Segmenter subclass must be added to SEGMENTERS (one line) to be checked here, or come
    with a registered kind (its spec's example is in SEGMENTERS); a base class meant only to be
    derived from says so with ``abstract = True`` in its own body."""
    from workbench.segment.base import Segmenter
    from workbench.segment.registry import scheme_specs

    scheme_specs()  # imports every module that defines segmenters

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    covered = {type(make()) for make in SEGMENTERS.values()}
    concrete = {c for c in subclasses(Segmenter) if not c.__name__.startswith("_") and not c.__dict__.get("abstract")}
    missing = {c.__name__ for c in concrete} - {c.__name__ for c in covered}
    assert not missing, f"segmenters without a contract entry: {sorted(missing)}"


# ----------------------------------------------------------------------------- hyper-parameters, declared once


def _init_defaults(cls) -> dict:
    skip = ("self", "name", "language", "time_unit")
    return {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items() if k not in skip}


def test_hyper_parameters_are_declared_once_in_its_params_model(make):
    """``Params`` lists exactly the __init__ keywords (bar name, language, time_unit), and the
    __init__ defaults validate to the declared defaults: one declaration, no drift."""
    seg = make()
    cls = type(seg)
    assert cls.Params is not None, f"{cls.__name__} declares no Params"
    init = _init_defaults(cls)
    assert set(cls.Params.model_fields) == set(init), cls.__name__
    required = {k: getattr(seg, k) for k, v in init.items() if v is inspect.Parameter.empty}
    given = {k: v for k, v in init.items() if v is not inspect.Parameter.empty}
    assert all(cls.Params.model_fields[k].is_required() for k in required)
    as_declared = cls.Params.model_validate(required).model_dump()
    assert cls.Params.model_validate({**required, **given}).model_dump() == as_declared


def test_every_kind_builds_from_its_segmenters_params():
    """Each registered kind names the segmenter it builds, and the keys it passes are exactly
    that segmenter's hyper-parameters."""
    config = TiersConfig(schemes=[spec.example() for spec in scheme_specs().values() if spec.EXAMPLE is not None])
    for spec in config.schemes:
        if type(spec).SEGMENTER is None:
            continue
        params = spec.segmenter_params(config)
        assert set(params) <= set(type(spec).SEGMENTER.Params.model_fields), spec.kind
        type(spec).SEGMENTER.Params.checked(params, spec.kind)  # the spec's keys are valid hyper-parameters
    kinds_without = [k for k, s in scheme_specs().items() if s.SEGMENTER is None and k != "crossed"]
    assert kinds_without == [], kinds_without


@pytest.mark.parametrize(("make_bad", "message"), [
    (lambda: LifecycleStages(dormant_after_days=400), r"churned_after_days: must exceed dormant_after_days"),
    (lambda: LifecycleStages(new_within_days=-1), r"new_within_days: Input should be greater than 0"),
    (lambda: ValueGrid(revenue_shares=[0.5, 0.5]), r"revenue_shares: give three shares"),
    (lambda: ScoreTiers(shares=[0.5, 0.6]), r"shares: shares sum to 1.1"),
    (lambda: ScoreTiers(thresholds=[1, 2]), r"thresholds\[1\]: thresholds must strictly decrease"),
    (lambda: ScoreTiers(thresholds=[2], shares=[0.5, 0.5]), r"give thresholds or shares, not both"),
    (lambda: RFMScoreTiers(column="X"), r"column: Input should be 'R', 'F', 'M' or 'rfm_score'"),
    (lambda: FacetTiers("region", values=["north", "north"]), r"values\[1\]: repeats the value 'north'"),
    (lambda: Crossed(FacetTiers("region"), "pareto"), r"b: Input should be an instance of Segmenter"),
    (lambda: CLVTiers(p_alive_min=1.5), r"p_alive_min: Input should be less than 1"),
])
def test_a_bad_hyper_parameter_is_named_at_fit_as_in_yaml(make_bad, message, summary):
    from workbench.errors import ParamsError

    with pytest.raises(ParamsError, match=message):
        make_bad().fit(summary)
