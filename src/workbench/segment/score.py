"""Tiers from any numeric column (:class:`ScoreTiers`: a revenue, a predicted CLV, a churn risk),
by thresholds or by shares of customers; and its scheme kinds ``thresholds`` and ``quantiles``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import model_validator

from workbench.errors import DataError
from workbench.segment.base import (
    HyperParams,
    KeyedParamsError,
    Label,
    LabelLike,
    Segmenter,
    Shares,
    check_label_count,
    check_ladder,
    numeric_column,
)
from workbench.segment.registry import SchemeSpec
from workbench.segment.specs import TierSpec, allow_keys, ladder, tier_shares

# ----------------------------------------------------------------------------- ScoreTiers


def check_cuts(thresholds: Sequence[float] | None, shares: Sequence[float] | None, labels: Sequence[Any] | None,
               higher_is_better: bool, default_tiers: int = 3) -> None:
    """The cut settings of a score tiering: thresholds or shares (not both), labels one per tier."""
    if thresholds is not None and shares is not None:
        raise KeyedParamsError("", "give thresholds or shares, not both")
    if thresholds is not None:
        check_ladder(thresholds, decreasing=higher_is_better)
    n_tiers = len(thresholds) + 1 if thresholds is not None else len(shares) if shares is not None else default_tiers
    check_label_count(labels, n_tiers)


class ScoreParams(HyperParams):
    """Hyper-parameters of :class:`ScoreTiers`."""

    column: str = "revenue"
    thresholds: list[float] | None = None
    shares: Shares | None = None
    labels: list[LabelLike] | None = None
    higher_is_better: bool = True

    @model_validator(mode="after")
    def _check(self) -> ScoreParams:
        check_cuts(self.thresholds, self.shares, self.labels, self.higher_is_better)
        return self


class ScoreTiers(Segmenter):
    """Ordered tiers from one numeric column, by fixed thresholds or by shares of customers.

    The adapter that turns any number per customer (revenue, a predicted CLV, a churn risk) into
    tiers, so numbers-predicting models take part in comparisons as segmenters.

    Parameters
    ----------
    column : summary column holding the value.
    thresholds : tier boundaries, best tier first: with ``higher_is_better`` a customer is in the
        first tier whose threshold the value reaches (``value >= t``); the last tier takes the rest,
        so there is one tier more than thresholds. Strictly decreasing (increasing when lower is
        better, then ``value <= t``).
    shares : fractions of customers per tier, best first, summing to 1 (default ``(0.2, 0.3,
        0.5)``: top 20 % / next 30 % / rest). The cut points are learned at ``fit``: a customer
        is in tier j when the share of fitted customers strictly better than them is below the
        cumulative share of tiers 1..j. Ties never split: equal values share a tier, so tier sizes
        can differ from the shares when many values are equal (a tier may even be empty).
    labels : one label per tier, best first (string or ``{en, zh}``); default labels describe the
        cut ("Top 20%", "revenue >= 1,000").
    higher_is_better : whether larger values are better.

    Fitted attribute ``thresholds_``: the cut values (``len(tiers) - 1``) used by ``assign``.
    """

    Params: ClassVar[type[HyperParams] | None] = ScoreParams

    def __init__(
        self,
        column: str = "revenue",
        *,
        thresholds: Sequence[float] | None = None,
        shares: Sequence[float] | None = None,
        labels: Sequence[Any] | None = None,
        higher_is_better: bool = True,
        name: str = "score_tiers",
        language: str = "en",
    ):
        self.column = column
        self.thresholds = thresholds
        self.shares = shares
        self.labels = labels
        self.higher_is_better = higher_is_better
        self.name = name
        self.language = language

    _DEFAULT_SHARES = (0.2, 0.3, 0.5)

    def _values(self, data: pd.DataFrame) -> np.ndarray:
        return numeric_column(data, self.column, self._who)

    def _fit_values(self, data: pd.DataFrame) -> np.ndarray:
        """Values at fit time (subclasses that learn a transformation fit it here)."""
        return self._values(data)

    def _share_weights(self, signed: np.ndarray) -> np.ndarray:
        """What the shares are shares of: customers (each counts 1)."""
        return np.ones_like(signed)

    def _fit(self, data: pd.DataFrame) -> list[Any]:
        sign = 1.0 if self.higher_is_better else -1.0
        values = self._fit_values(data)
        if self.thresholds is not None:
            cuts = np.asarray(self.thresholds, dtype=float)
        else:
            shares = np.asarray(self.shares if self.shares is not None else self._DEFAULT_SHARES, dtype=float)
            signed = sign * values
            cuts = sign * share_cuts(signed, shares, self._share_weights(signed), self._who)
        self.thresholds_ = cuts
        return self._default_labels(len(cuts) + 1) if self.labels is None else list(self.params_.labels)

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        sign = 1.0 if self.higher_is_better else -1.0
        return ladder_codes(sign * self._values(data), sign * self.thresholds_)

    def _default_labels(self, n_tiers: int) -> list[Label]:
        if self.thresholds is None:
            shares = self.shares if self.shares is not None else self._DEFAULT_SHARES
            return share_labels(shares)
        ge, lt = (">=", "<") if self.higher_is_better else ("<=", ">")
        out = [Label.of(f"{self.column} {ge} {t:,g}") for t in self.thresholds_]
        return out + [Label.of(f"{self.column} {lt} {self.thresholds_[-1]:,g}")]


def share_labels(shares: Sequence[float]) -> list[Label]:
    """Labels "Top 20%", "Next 30%", ..., "Bottom 50%" (前20%, 次30%, 后50%)."""
    pct = [f"{100 * s:g}%" for s in shares]
    out = [Label(en=f"Top {pct[0]}", zh=f"前{pct[0]}")]
    out += [Label(en=f"Next {p}", zh=f"次{p}") for p in pct[1:-1]]
    return out + [Label(en=f"Bottom {pct[-1]}", zh=f"后{pct[-1]}")]


def share_cuts(values: np.ndarray, shares: np.ndarray, weights: np.ndarray, who: str) -> np.ndarray:
    """Cut values for tiers by cumulative shares of ``weights``, higher values first.

    Tier j (0-based) holds the values v for which the weight of all values strictly greater than
    v is below ``sum(shares[:j+1]) * total``; the last tier takes the rest. Returns, for each tier
    but the last, the smallest value it holds (non-increasing), so ``v >= cut[j]`` iff v is in a
    tier <= j. Ties share a tier because only strictly greater values count.
    """
    total = float(weights.sum())
    if not total > 0:
        raise DataError(f"{who}: the total to share out is {total:g}; shares need a positive total")
    order = np.argsort(values, kind="stable")
    asc, w_asc = values[order], weights[order]
    upto = np.concatenate([[0.0], np.cumsum(w_asc)])  # weight of the first i ascending values
    # weight strictly above each sorted value (ties share the weight above their group)
    above = total - upto[np.searchsorted(asc, asc, side="right")]
    cum = np.cumsum(shares)[:-1] * total
    tol = 1e-9 * total
    return np.array([asc[above < c - tol].min() for c in cum])


def ladder_codes(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Tier position per value for non-increasing ``cuts``: the first j with ``value >= cuts[j]``."""
    # number of cuts strictly above the value
    asc = np.asarray(cuts, dtype=float)[::-1]
    return len(asc) - np.searchsorted(asc, values, side="right")


__all__ = ["ScoreTiers", "ScoreParams", "check_cuts", "ThresholdsScheme", "QuantilesScheme", "share_cuts", "share_labels", "ladder_codes"]


# ----------------------------------------------------------------------------- its params (tiers.schemes)


class ThresholdsScheme(SchemeSpec):
    """Thresholds on any numeric column: ``min`` per tier (``max`` when lower is better)."""

    kind: Literal["thresholds"]
    SEGMENTER: ClassVar[type[Segmenter]] = ScoreTiers
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"column": "revenue", "tiers": [{"label": {"en": "High", "zh": "高"}, "min": 100}, {"label": {"en": "Low", "zh": "低"}}]}
    column: str
    higher_is_better: bool = True
    tiers: list[TierSpec]

    @model_validator(mode="after")
    def _check(self) -> ThresholdsScheme:
        bound = "min" if self.higher_is_better else "max"
        allow_keys(self.tiers, {bound}, f"thresholds with higher_is_better: {str(self.higher_is_better).lower()}")
        ladder(self.tiers, bound, self.kind)
        return self

    def segmenter_params(self, config: Any) -> dict[str, Any]:
        bound = "min" if self.higher_is_better else "max"
        return {"column": self.column, "thresholds": [getattr(t, bound) for t in self.tiers[:-1]],
                "labels": [t.label for t in self.tiers], "higher_is_better": self.higher_is_better}


class QuantilesScheme(SchemeSpec):
    """Shares of customers by a numeric column (top 20 % / next 30 % / rest)."""

    kind: Literal["quantiles"]
    SEGMENTER: ClassVar[type[Segmenter]] = ScoreTiers
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"column": "revenue", "tiers": [{"label": {"en": "Top", "zh": "前列"}, "share": 0.2}, {"label": {"en": "Rest", "zh": "其余"}, "share": 0.8}]}
    column: str
    higher_is_better: bool = True
    tiers: list[TierSpec]

    @model_validator(mode="after")
    def _check(self) -> QuantilesScheme:
        allow_keys(self.tiers, {"share"}, self.kind)
        tier_shares(self.tiers)
        return self

    def segmenter_params(self, config: Any) -> dict[str, Any]:
        return {"column": self.column, "shares": [t.share for t in self.tiers],
                "labels": [t.label for t in self.tiers], "higher_is_better": self.higher_is_better}
