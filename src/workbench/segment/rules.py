"""Rule-based tier schemes: revenue-contribution (Pareto / ABC) tiers, attribute facets, and the
product of two tierings (thresholds and quantiles are :class:`ScoreTiers`, in
:mod:`workbench.segment.score`).

Every scheme is also one entry of the params YAML (``tiers.schemes``), built by
:func:`workbench.segment.schema.build_segmenters`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BeforeValidator, Field, InstanceOf, model_validator
from sklearn.base import clone

from workbench.errors import ParamsError
from workbench.segment.base import HyperParams, KeyedParamsError, Label, LabelLike, Segmenter, Shares, check_label_count
from workbench.segment.registry import SchemeSpec
from workbench.segment.score import ScoreTiers
from workbench.segment.specs import Strict, TierSpec, allow_keys, tier_shares

#: Thresholds on any numeric column (A/B/C/D, diamond/gold/silver/bronze, a bank's asset bands).
ThresholdTiers = ScoreTiers


class ParetoParams(HyperParams):
    """Hyper-parameters of :class:`ParetoTiers`."""

    column: str = "revenue"
    shares: Shares = [0.8, 0.15, 0.05]
    labels: list[LabelLike] | None = None

    @model_validator(mode="after")
    def _check(self) -> ParetoParams:
        check_label_count(self.labels, len(self.shares))
        return self


class ParetoTiers(ScoreTiers):
    """Revenue-contribution (ABC / Pareto) tiers: A = the top customers making 80 % of revenue.

    Customers are sorted by ``column`` (highest first); tier j holds the customers for whom the
    revenue of all customers strictly ahead of them is below the cumulative share of tiers 1..j
    of total revenue. So A is the smallest group of top customers whose revenue reaches
    ``shares[0]`` of the total; B adds customers until ``shares[0] + shares[1]``; the last tier
    takes the rest. Equal values share a tier. Customers with zero or negative value (net returns)
    contribute nothing and fall in the last tier; the total is the sum of positive values.
    ``fit`` learns the cut values (``thresholds_``) that ``assign`` applies to new customers.

    References
    ----------
    Juran, J. M. (1951). *Quality Control Handbook* ("vital few and trivial many", ABC analysis).
    """

    Params = ParetoParams

    def __init__(
        self,
        column: str = "revenue",
        *,
        shares: Sequence[float] = (0.8, 0.15, 0.05),
        labels: Sequence[Any] | None = None,
        name: str = "pareto",
        language: str = "en",
    ):
        self.column = column
        self.shares = shares
        self.labels = labels
        self.name = name
        self.language = language

    thresholds = None  # cut values always come from the revenue shares
    higher_is_better = True

    def _share_weights(self, signed: np.ndarray) -> np.ndarray:
        return np.clip(signed, 0.0, None)

    def _default_labels(self, n_tiers: int) -> list[Label]:
        return [Label(en=c, zh=f"{c}类") for c in string.ascii_uppercase[:n_tiers]]


class FacetValue(Strict):
    value: str | int | float | bool
    label: LabelLike | None = None


def _facet_value(item: Any) -> Any:
    return item if isinstance(item, (Mapping, FacetValue)) else {"value": item}


class FacetParams(HyperParams):
    """Hyper-parameters of :class:`FacetTiers`."""

    column: str
    values: list[Annotated[FacetValue, BeforeValidator(_facet_value)]] | None = None

    @model_validator(mode="after")
    def _check(self) -> FacetParams:
        seen: list[Any] = []
        for i, item in enumerate(self.values or ()):
            if any(item.value == v for v in seen):
                raise KeyedParamsError(f"values[{i}]", f"repeats the value {item.value!r}")
            seen.append(item.value)
        return self


class FacetTiers(Segmenter):
    """Tiers from a categorical attribute column (nature, industry, size, region, ...).

    ``values`` lists the attribute values in the wanted order, each a plain value or
    ``{"value": "enterprise", "label": {"en": "Enterprise", "zh": "企业"}}``. Without it the
    values seen at ``fit`` are ordered by total ``revenue`` (by customer count when the summary
    has no revenue column), largest first, labelled by the value itself. Two tiers always close the
    list: "Other" (其他; values not listed, or first seen at ``assign``) and "Unknown" (未知;
    missing values). Cross a facet with a value tiering with :class:`Crossed`.
    """

    def __init__(
        self,
        column: str,
        *,
        values: Sequence[Any] | None = None,
        name: str = "facet",
        language: str = "en",
    ):
        self.column = column
        self.values = values
        self.name = name
        self.language = language

    Params = FacetParams
    OTHER = Label(en="Other", zh="其他")
    UNKNOWN = Label(en="Unknown", zh="未知")

    def _fit(self, data: pd.DataFrame) -> list[Label]:
        if self.column not in data.columns:
            raise ParamsError(
                f"{self._who}: column={self.column!r} is not a column of the summary; available: "
                + ", ".join(map(str, data.columns))
            )
        if self.values is None:
            pairs = [(v, Label.of(str(v))) for v in self._learned_order(data)]
        else:
            pairs = [(v.value, v.label or Label.of(str(v.value))) for v in self.params_.values]
        self.values_ = [v for v, _ in pairs]
        return [lab for _, lab in pairs] + [self.OTHER, self.UNKNOWN]

    def _learned_order(self, data: pd.DataFrame) -> list[Any]:
        col = data[self.column]
        if "revenue" in data.columns and pd.api.types.is_numeric_dtype(data["revenue"]):
            size = data["revenue"].groupby(col, observed=True).sum()
        else:
            size = col.value_counts()
        frame = pd.DataFrame({"size": size, "key": size.index.astype(str)}, index=size.index)
        return list(frame.sort_values(["size", "key"], ascending=[False, True]).index)

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        if self.column not in data.columns:
            raise ParamsError(
                f"{self._who}: column={self.column!r} is not a column of the summary; available: "
                + ", ".join(map(str, data.columns))
            )
        col = data[self.column]
        position = {v: i for i, v in enumerate(self.values_)}
        other, unknown = len(self.values_), len(self.values_) + 1
        codes = col.map(lambda v: position.get(v, other)).to_numpy(dtype=int)
        codes[col.isna().to_numpy()] = unknown
        return codes


class CrossedParams(HyperParams):
    """Hyper-parameters of :class:`Crossed`."""

    a: InstanceOf[Segmenter]
    b: InstanceOf[Segmenter]
    sep: str = " · "


class Crossed(Segmenter):
    """The product of two tierings: tier "a · b" for every pair, ordered lexicographically.

    Tiers of ``a`` come first (best a-tier with every b-tier, best b first, then the next
    a-tier, ...). Nest to cross more: ``Crossed(Crossed(a, b), c)``. ``fit`` fits clones of
    ``a`` and ``b`` (fitted ``a_``, ``b_``); empty combinations stay as tiers with no customers.
    """

    Params = CrossedParams

    def __init__(self, a: Segmenter, b: Segmenter, *, sep: str = " · ", name: str = "crossed", language: str = "en"):
        self.a = a
        self.b = b
        self.sep = sep
        self.name = name
        self.language = language

    def _fit(self, data: pd.DataFrame) -> list[Label]:
        self.a_ = clone(self.a).fit(data)
        self.b_ = clone(self.b).fit(data)
        la, lb = self.a_.tier_labels_, self.b_.tier_labels_
        return [
            Label(en=f"{ea}{self.sep}{eb}", zh=f"{za}{self.sep}{zb}")
            for ea, za in zip(la["en"], la["zh"], strict=True)
            for eb, zb in zip(lb["en"], lb["zh"], strict=True)
        ]

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        ca = self.a_._codes(data)
        cb = self.b_._codes(data)
        return ca * len(self.b_.tier_labels_) + cb


# ----------------------------------------------------------------------------- its params (tiers.schemes)


class ParetoScheme(SchemeSpec):
    """Revenue-contribution tiers: shares of the column's total (A = 80 %, B = 15 %, C = 5 %)."""

    kind: Literal["pareto"]
    SEGMENTER: ClassVar[type[Segmenter]] = ParetoTiers
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"tiers": [{"label": "A", "share": 0.8}, {"label": "B", "share": 0.15}, {"label": "C", "share": 0.05}]}
    column: str = "revenue"
    tiers: list[TierSpec]

    @model_validator(mode="after")
    def _check(self) -> ParetoScheme:
        allow_keys(self.tiers, {"share"}, self.kind)
        tier_shares(self.tiers)
        return self

    def segmenter_params(self, config: Any) -> dict[str, Any]:
        return {"column": self.column, "shares": [t.share for t in self.tiers], "labels": [t.label for t in self.tiers]}


class FacetScheme(SchemeSpec, FacetParams):
    """Tiers from an attribute column (nature, industry, size, region)."""

    kind: Literal["facet"]
    SEGMENTER: ClassVar[type[Segmenter]] = FacetTiers
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"column": "region"}

    def labels_en(self, config: Any) -> list[str] | None:
        if self.values is None:
            return None
        named = [v.label.en if v.label else str(v.value) for v in self.values]
        return named + [FacetTiers.OTHER.en, FacetTiers.UNKNOWN.en]


class CrossedScheme(SchemeSpec):
    """The product of earlier schemes, named in ``of`` (tiers ordered lexicographically)."""

    kind: Literal["crossed"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"of": ["facet", "pareto"]}
    of: list[str] = Field(min_length=2)
    sep: str = " · "

    def labels_en(self, config: Any) -> None:
        return None

    def build(self, config: Any, built: dict, language: str) -> Segmenter:
        out = built[self.of[0]]
        for other in self.of[1:]:
            out = Crossed(out, built[other], sep=self.sep, name=self.name, language=language)
        return out
