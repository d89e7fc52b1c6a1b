"""Clusters as tiers: one segmenter (and one ``tiers.schemes`` kind) per clustering method.

A cluster scheme learns features from the summary (:class:`~workbench.cluster.features.FeatureSet`),
chooses k when it is not given (:func:`~workbench.cluster.selection.choose_k`), fits its method and
orders the clusters by the mean of ``value_column`` (best first, default revenue; frequency for a
log without amounts), naming each from its profile (:mod:`~workbench.cluster.naming`). ``assign``
puts any customers, fitted or new, in the nearest cluster by the method's own rule; HDBSCAN adds a
last tier for customers in no cluster. :meth:`ClusterTiers.stability` runs the clusterboot-style
bootstrap (:mod:`~workbench.cluster.stability`). Profiles, playbooks and CRM exports work as for
every other scheme.

Kinds: ``kmeans``, ``gmm``, ``ward``, ``hdbscan``, ``kprototypes`` (attributes as categories).
"""

from __future__ import annotations

import copy
import inspect
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from workbench.cluster.features import Feature, FeatureSet, column_values
from workbench.cluster.methods import (
    GaussianMixtureMethod,
    HDBSCANMethod,
    KMeansMethod,
    KPrototypesMethod,
    Method,
    WardMethod,
)
from workbench.cluster.naming import describe
from workbench.cluster.selection import CRITERIA, KSelection, choose_k
from workbench.cluster.stability import BANDS_ZH, bootstrap_stability
from workbench.errors import DataError, ParamsError
from workbench.hyperparams import HyperParams, KeyedParamsError
from workbench.segment.base import Label, Segmenter, check_summary, has_amounts, numeric_column
from workbench.segment.registry import SchemeSpec
from workbench.summary import MONEY_COLUMNS

#: Features used when a scheme names none: behaviour only (spend left out without amounts).
DEFAULT_FEATURES: tuple[dict[str, str], ...] = (
    {"column": "frequency", "transform": "log1p"},
    {"column": "since_last", "transform": "standard"},
    {"column": "T", "transform": "standard"},
    {"column": "spend_per_purchase", "transform": "log1p"},
)
NOISE = Label(en="Unclustered", zh="未归类")


class ClusterParams(HyperParams):
    """What every cluster scheme takes: features, missing attributes, stability rounds, order."""

    features: list[Feature] | None = None
    missing: Literal["error", "category"] = "error"
    bootstrap: int = Field(50, ge=0, le=1000, description="bootstrap refits for the stability scores")
    value_column: str = Field("revenue", min_length=1, description="tiers are ordered by its mean, best first")
    random_state: int = 0


class KParams(ClusterParams):
    """A method with a number of clusters: ``k``, or the best of ``k_range`` by ``criterion``."""

    k: int | None = Field(None, ge=2, le=50)
    k_range: list[int] = Field(default_factory=lambda: [2, 10])
    criterion: Literal[tuple(c for c in CRITERIA if c != "bic")] = "silhouette"  # type: ignore[valid-type]
    selection_sample: int = Field(10_000, ge=50, description="customers the k choice is fitted on")
    gap_references: int = Field(5, ge=0, le=100, description="permuted reference sets of the gap statistic")

    @field_validator("k_range")
    @classmethod
    def _range(cls, value: list[int]) -> list[int]:
        if len(value) != 2 or not 2 <= value[0] <= value[1] <= 50:
            raise ValueError(f"give [lowest, highest] with 2 <= lowest <= highest <= 50, got {value}")
        return value

    @model_validator(mode="after")
    def _gap(self) -> KParams:
        if self.criterion == "gap" and self.gap_references == 0:
            raise KeyedParamsError("gap_references", "the gap criterion needs at least one reference set")
        return self


class KMeansParams(KParams):
    n_init: int = Field(4, ge=1, le=100)
    minibatch_above: int = Field(50_000, ge=1, description="mini-batch k-means above this many customers")


class GMMParams(KParams):
    criterion: Literal[tuple(CRITERIA)] = "bic"  # type: ignore[valid-type]
    covariance_type: Literal["full", "tied", "diag", "spherical"] = "full"
    n_init: int = Field(2, ge=1, le=100)


class WardParams(KParams):
    sample_size: int = Field(5000, ge=50, le=30_000, description="customers Ward clusters; the rest join the nearest centroid")


class HDBSCANParams(ClusterParams):
    min_cluster_size: int | None = Field(None, ge=2, description="default: 2% of the sample, at least 10")
    min_samples: int | None = Field(None, ge=1)
    sample_size: int = Field(10_000, ge=50, le=100_000, description="customers HDBSCAN clusters")


class KPrototypesParams(KParams):
    gamma: float | None = Field(None, gt=0, description="weight of one attribute mismatch; default: half the mean spread")
    n_init: int = Field(4, ge=1, le=100)
    max_iter: int = Field(100, ge=1)


def _keyword_init(params: type[HyperParams], kind: str):
    """An ``__init__`` storing every field of ``params`` (keyword-only, same defaults) plus
    ``name`` and ``language``, with the signature scikit-learn's ``get_params`` reads."""
    fields = params.model_fields
    keys = (*fields, "name", "language")

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(keys))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {unknown}; allowed: {list(keys)}")
        for key in fields:
            setattr(self, key, kwargs[key] if key in kwargs else copy.deepcopy(fields[key].get_default(call_default_factory=True)))
        self.name = kwargs.get("name", kind)
        self.language = kwargs.get("language", "en")

    kw = inspect.Parameter.KEYWORD_ONLY
    __init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(k, kw, default=f.get_default(call_default_factory=True)) for k, f in fields.items()]
        + [inspect.Parameter("name", kw, default=kind), inspect.Parameter("language", kw, default="en")]
    )
    return __init__


class ClusterTiers(Segmenter):
    """Tiers from a clustering method (see the module docstring). Subclasses set ``METHOD``,
    ``KIND`` and ``Params``; the keyword ``__init__`` is made from ``Params``.

    Fitted: ``features_`` (FeatureSet), ``k_`` (clusters), ``selection_`` (KSelection when k was
    chosen, else None), ``method_``, ``order_`` (cluster -> tier position), ``value_column_``.
    """

    METHOD: ClassVar[type[Method]]
    KIND: ClassVar[str]
    Params: ClassVar[type[HyperParams] | None] = ClusterParams
    abstract: ClassVar[bool] = True  # only its subclasses are methods

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__ and "KIND" in cls.__dict__:
            cls.__init__ = _keyword_init(cls.Params, cls.KIND)  # type: ignore[method-assign]

    # -- fitting
    def _fit(self, data: pd.DataFrame) -> list[Label]:
        p = self.params_
        self.features_ = FeatureSet(self._feature_list(data), p.missing).fit(data)
        if self.features_.categorical and not self.METHOD.categorical:
            names = ", ".join(f.column for f in self.features_.categorical)
            raise ParamsError(f"{self._who}: features {names} are attributes (kind: categorical); "
                              f"{self.KIND} clusters numeric features only: use kind: kprototypes for attributes")
        X, C = self.features_.transform(data)
        self.selection_: KSelection | None = None
        k = getattr(p, "k", None)
        fewest = k if k is not None else p.k_range[0] if self.METHOD.uses_k else 1
        if len(data) <= fewest:
            raise DataError(f"{self._who}: {fewest} clusters need more customers than that; the summary has {len(data)}")
        if self.METHOD.uses_k and k is None:
            self.selection_ = choose_k(self._fit_many, X, C, self.features_.n_levels, k_range=tuple(p.k_range),
                                       criterion=p.criterion, sample_size=p.selection_sample,
                                       n_references=p.gap_references, random_state=p.random_state)
            k = self.selection_.k
        self.method_ = self._method(k).fit(X, C)
        raw = self.method_.predict(X, C)
        self.k_ = self.method_.n_clusters
        self.value_column_ = self._value_column(data)
        value = numeric_column(data, self.value_column_, self._who, param="value_column")
        means = np.array([value[raw == c].mean() if (raw == c).any() else -np.inf for c in range(self.k_)])
        ranked = np.argsort(-means, kind="stable")  # tier position -> cluster
        self.order_ = np.empty(self.k_ + 1, dtype=np.int64)  # cluster -> position; the last entry: noise (-1)
        self.order_[ranked] = np.arange(self.k_)
        self.order_[-1] = self.k_
        profile = pd.DataFrame({f.column: column_values(data, f.column) for f in self.features_.params.features})
        names = describe(profile, raw, [f.column for f in self.features_.numeric],
                         [f.column for f in self.features_.categorical], self.k_)
        labels = [names[c] for c in ranked]
        return labels + [NOISE] if not self.METHOD.uses_k else labels

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        X, C = self.features_.transform(data)
        return self.order_[self.method_.predict(X, C)]

    def _method(self, k: int | None) -> Method:
        return self.METHOD(k, self.params_.random_state, **self._options())

    def _fit_many(self, ks: list[int], numeric: np.ndarray, codes: np.ndarray) -> dict[int, Method]:
        return self.METHOD.fit_many(ks, self.params_.random_state, numeric, codes, **self._options())

    def _options(self) -> dict[str, Any]:
        """The method's own hyper-parameters (those not shared by every cluster scheme)."""
        return {key: getattr(self.params_, key) for key in type(self.params_).model_fields if key not in KParams.model_fields}

    def _feature_list(self, data: pd.DataFrame) -> list:
        if self.params_.features is not None:
            return list(self.params_.features)
        return [f for f in DEFAULT_FEATURES if has_amounts(data) or f["column"] != "spend_per_purchase"]

    def _value_column(self, data: pd.DataFrame) -> str:
        column = self.params_.value_column
        return "frequency" if column in MONEY_COLUMNS and not has_amounts(data) else column

    # -- stability
    def stability(self, summary: pd.DataFrame, rounds: int | None = None) -> tuple[pd.DataFrame, np.ndarray]:
        """clusterboot-style stability of the fitted clusters on ``summary`` (the fitting one):
        a table per tier (Jaccard mean and minimum, rounds dissolved, Hennig's band, flagged)
        and the adjusted Rand index of every round. ``rounds`` defaults to ``bootstrap``."""
        self._check_fitted()
        data = check_summary(summary, self._who)
        X, C = self.features_.transform(data)
        raw = self.method_.predict(X, C)
        k = self.k_ if self.METHOD.uses_k else None

        def refit(rows: np.ndarray) -> np.ndarray:
            return self._method(k).fit(X[rows], C[rows]).predict(X[rows], C[rows])

        n_rounds = self.params_.bootstrap if rounds is None else int(rounds)
        if n_rounds < 1:
            raise ParamsError(f"{self._who}: stability needs at least one bootstrap round (bootstrap: {n_rounds})")
        table, ari = bootstrap_stability(refit, raw, self.k_, rounds=n_rounds, random_state=self.params_.random_state)
        ranked = np.argsort(self.order_[: self.k_])
        table = table.iloc[ranked].reset_index(drop=True)
        table.insert(0, "tier", list(self.tier_labels_[self.language][: self.k_]))
        if self.language == "zh":
            table["band"] = table["band"].map(BANDS_ZH)
        return table, ari


class KMeansTiers(ClusterTiers):
    """k-means on numeric features (mini-batch above ``minibatch_above`` customers)."""

    METHOD, KIND, Params = KMeansMethod, "kmeans", KMeansParams


class GaussianMixtureTiers(ClusterTiers):
    """A Gaussian mixture on numeric features, k chosen by BIC unless given."""

    METHOD, KIND, Params = GaussianMixtureMethod, "gmm", GMMParams


class WardTiers(ClusterTiers):
    """Ward agglomerative clustering of a sample; everyone joins the nearest Ward centroid."""

    METHOD, KIND, Params = WardMethod, "ward", WardParams


class HDBSCANTiers(ClusterTiers):
    """HDBSCAN of a sample: as many clusters as it finds, plus an "Unclustered" tier."""

    METHOD, KIND, Params = HDBSCANMethod, "hdbscan", HDBSCANParams


class KPrototypesTiers(ClusterTiers):
    """k-prototypes: numeric features and attributes (as categories) together."""

    METHOD, KIND, Params = KPrototypesMethod, "kprototypes", KPrototypesParams


# ----------------------------------------------------------------------------- its params (tiers.schemes)

_EXAMPLE_FEATURES = [{"column": "frequency", "transform": "log1p"}, {"column": "since_last"}]


def _scheme(segmenter: type[ClusterTiers], example: dict[str, Any]) -> type[SchemeSpec]:
    """The ``tiers.schemes`` kind of a cluster segmenter: its ``KIND``, its ``Params`` as keys."""
    namespace = {
        "__annotations__": {"kind": Literal[segmenter.KIND]},  # type: ignore[valid-type]
        "__doc__": f"{segmenter.__doc__.splitlines()[0].rstrip('.')} (kind ``{segmenter.KIND}``, see :class:`{segmenter.__name__}`).",
        "__module__": __name__,
        "SEGMENTER": segmenter,
        "EXAMPLE": {"features": _EXAMPLE_FEATURES, "bootstrap": 5, **example},
    }
    return type(segmenter.__name__.removesuffix("Tiers") + "Scheme", (SchemeSpec, segmenter.Params), namespace)


KMeansScheme = _scheme(KMeansTiers, {"k": 3})
GaussianMixtureScheme = _scheme(GaussianMixtureTiers, {"k_range": [2, 4]})
WardScheme = _scheme(WardTiers, {"k": 3})
HDBSCANScheme = _scheme(HDBSCANTiers, {})
KPrototypesScheme = _scheme(KPrototypesTiers, {"k_range": [2, 4], "gap_references": 2})
