"""RFM scoring (recency, frequency, monetary n-tiles) and the named RFM segments.

Columns used (Summary contract): R from ``T - recency``, the time since the last purchase
(smaller is better); F from ``frequency`` (repeat purchase periods; or ``n_transactions``);
M from ``revenue`` (total spend, the practitioners' monetary value; or ``monetary_value``, the
mean repeat spend of the BTYD convention, which is 0 for one-time buyers).

Scoring with ties: a customer's score on a dimension is

    score = 1 + floor(n * b / N),

where ``N`` is the number of reference customers (those given to ``fit``) and ``b`` the number
of them *strictly worse* on that dimension (``b = rank - 1`` with scipy's ``rankdata(method=
"min")``): score k holds the customers with a share of worse customers in [(k-1)/n, k/n).
Without ties the n groups differ in size by at most one, worst customers in score 1. Equal values always get the
same score, the one of the worst-placed member of their tie group: when 60 % of customers have
frequency 0 they all get F = 1 and the next value starts at F = 4 (scores 2 and 3 are unused).
Quantile edges never collapse and every score is in 1..n; values outside the reference range
(scoring new customers) are clipped to 1..n.

References
----------
Hughes, A. M. (1994). *Strategic Database Marketing*. Probus. (RFM n-tile scoring.)
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis". *Journal of Marketing Research* 42(4), 415-430.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from sklearn.base import BaseEstimator

from workbench.errors import NotApplicableError, NotFittedError
from workbench.segment.base import (
    HyperParams,
    KeyedParamsError,
    LabelLike,
    Segmenter,
    Shares,
    check_summary,
    defaults,
    has_amounts,
    numeric_column,
)
from workbench.segment.registry import SchemeSpec
from workbench.segment.score import ScoreTiers, check_cuts
from workbench.segment.specs import TierSpec, allow_keys, ladder, tier_shares

SCORES = ("R", "F", "M")
FREQUENCY_COLUMNS = ("frequency", "n_transactions")
MONETARY_COLUMNS = ("revenue", "monetary_value")
MAX_N = 9


def ntile_scores(values: np.ndarray, reference: np.ndarray, n: int) -> np.ndarray:
    """Scores 1..n: ``1 + floor(n * (reference values strictly below v) / len(reference))``.

    ``reference`` must be sorted ascending; higher values are better.
    """
    below = np.searchsorted(reference, values, side="left")
    return np.minimum(1 + (n * below) // len(reference), n).astype(int)


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class RFMSettings(HyperParams):
    """Score levels and the F and M columns, shared by every RFM method and ``tiers.rfm``."""

    n: int = Field(5, ge=2, le=MAX_N, description="score levels 1..n")
    frequency: Literal[FREQUENCY_COLUMNS] = "frequency"  # type: ignore[valid-type]
    monetary: Literal[MONETARY_COLUMNS] = "revenue"  # type: ignore[valid-type]


class RFMScorerParams(RFMSettings):
    """Hyper-parameters of :class:`RFMScorer`: the settings plus the (R, F, M) score weights."""

    weights: tuple[FiniteFloat, FiniteFloat, FiniteFloat] = (1.0, 1.0, 1.0)


class RFMScorer(BaseEstimator):
    """R, F and M n-tile scores, learned from a reference summary (see the module docstring).

    ``transform`` returns columns ``R``, ``F``, ``M`` (int, 1..n), ``rfm_cell`` (the string
    ``f"{R}{F}{M}"``, e.g. "555") and ``rfm_score`` (the weighted sum ``wR*R + wF*F + wM*M``).
    """

    def __init__(
        self,
        n: int = 5,
        *,
        frequency: str = "frequency",
        monetary: str = "revenue",
        weights: Sequence[float] = (1.0, 1.0, 1.0),
    ):
        self.n = n
        self.frequency = frequency
        self.monetary = monetary
        self.weights = weights

    def fit(self, summary: pd.DataFrame) -> RFMScorer:
        """Store the sorted reference values of the dimensions: R, F and M, or R and F only for
        a summary without amounts (counts only; ``dimensions_`` says which)."""
        RFMScorerParams.checked(self.get_params(), "RFMScorer")
        data = check_summary(summary, "RFMScorer")
        self.dimensions_ = SCORES if has_amounts(data) else ("R", "F")
        values = rfm_values(data, self.frequency, self.monetary, self.dimensions_)
        self.reference_ = {k: np.sort(v) for k, v in values.items()}
        return self

    def transform(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Scores for every customer of ``summary`` against the fitted reference."""
        data = check_summary(summary, "RFMScorer")
        dims = self._dimensions()
        out = pd.DataFrame(self.scores(data, dims), index=data.index)
        code = sum(out[k].to_numpy() * 10 ** (len(dims) - 1 - i) for i, k in enumerate(dims))
        cells = {c: f"{c}" for c in np.unique(code)}
        out["rfm_cell"] = pd.Series(code, index=data.index).map(cells)
        out["rfm_score"] = self._score(out)
        return out

    def _dimensions(self) -> tuple[str, ...]:
        if not hasattr(self, "reference_"):
            raise NotFittedError("RFMScorer is not fitted yet: call fit(summary) first")
        return getattr(self, "dimensions_", SCORES)

    def _score(self, scores: Mapping[str, np.ndarray]) -> np.ndarray:
        """The weighted sum of the fitted dimensions; without M (counts only) the R and F sum is
        scaled by wR+wF+wM over wR+wF, so score thresholds keep the range of R+F+M."""
        dims = self._dimensions()
        w = dict(zip(SCORES, np.asarray(self.weights, dtype=float)))
        total = sum(w[k] * np.asarray(scores[k], dtype=float) for k in dims)
        used = sum(w[k] for k in dims)
        return total * (sum(w.values()) / used) if used else total

    def scores(self, data: pd.DataFrame, which: Sequence[str]) -> dict[str, np.ndarray]:
        """Score arrays for the dimensions in ``which`` (R, F, M, rfm_score) of a checked summary."""
        dims = self._dimensions()
        if "M" in which and "M" not in dims:
            raise NotApplicableError("RFM scoring: the M score needs amounts, and these transactions have none (counts only)")
        need = dims if "rfm_score" in which else [k for k in dims if k in which]
        values = rfm_values(data, self.frequency, self.monetary, need)
        out = {k: ntile_scores(values[k], self.reference_[k], self.n) for k in need}
        if "rfm_score" in which:
            out["rfm_score"] = self._score(out)
        return {k: out[k] for k in which}

    def fit_transform(self, summary: pd.DataFrame) -> pd.DataFrame:
        return self.fit(summary).transform(summary)


def rfm_scores(
    summary: pd.DataFrame,
    n: int = 5,
    *,
    frequency: str = "frequency",
    monetary: str = "revenue",
    weights: Sequence[float] = (1.0, 1.0, 1.0),
) -> pd.DataFrame:
    """R, F, M scores (1..n), the ``rfm_cell`` string and the weighted ``rfm_score`` per customer.

    Scores rank customers against each other within ``summary``; see the module docstring for
    the tie rule. ``frequency`` is ``"frequency"`` or ``"n_transactions"``; ``monetary`` is
    ``"revenue"`` (total spend) or ``"monetary_value"`` (mean repeat spend); ``weights`` are the
    (R, F, M) weights of ``rfm_score``.
    """
    return RFMScorer(n, frequency=frequency, monetary=monetary, weights=weights).fit_transform(summary)


def rfm_values(
    data: pd.DataFrame, frequency: str, monetary: str, which: Sequence[str] = SCORES
) -> dict[str, np.ndarray]:
    """The raw dimensions, each oriented so that larger is better (R = -(T - recency))."""
    who = "RFM scoring"
    out = {}
    if "R" in which:
        # rounded so float noise of weekly units (days / 7) does not split tied days
        out["R"] = np.round(numeric_column(data, "recency", who, param=None) - numeric_column(data, "T", who, param=None), 9)
    if "F" in which:
        out["F"] = numeric_column(data, frequency, who, param=None)
    if "M" in which:
        out["M"] = numeric_column(data, monetary, who, param=None)
    return out


# ----------------------------------------------------------------------------- segment map


def _range_input(value: Any) -> Any:
    return [value, value] if isinstance(value, int) else value


ScoreRange = Annotated[tuple[int, int], BeforeValidator(_range_input)]


class RFMCell(BaseModel):
    """A rectangle of the R x F score grid: ``r: [lo, hi]``, ``f: [lo, hi]`` (or one score)."""

    model_config = ConfigDict(extra="forbid")
    r: ScoreRange
    f: ScoreRange


class RFMSegmentRule(BaseModel):
    """One named segment: its label and the R x F cells it covers."""

    model_config = ConfigDict(extra="forbid")
    label: LabelLike
    cells: list[RFMCell] = Field(min_length=1)


def default_segment_map() -> list[dict]:
    """The shipped R x F map (11 segments, scores 1..5) from ``segment/defaults.yaml``."""
    return defaults()["rfm"]["segments"]


def segment_grid(rules: Sequence[Any], n: int) -> tuple[list, np.ndarray]:
    """Labels (best first) and the n x n array of segment codes, ``grid[R-1, F-1]``.

    The rules must cover every cell of 1..n x 1..n exactly once; KeyedParamsError names the
    offending rule (``segments[3].cells[0].r``) otherwise.
    """
    parsed = []
    for i, rule in enumerate(rules):
        try:
            parsed.append(rule if isinstance(rule, RFMSegmentRule) else RFMSegmentRule.model_validate(rule))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise KeyedParamsError(f"segments[{i}].{_loc(err['loc'])}".rstrip("."), err["msg"]) from None
    grid = np.full((n, n), -1, dtype=int)
    for i, rule in enumerate(parsed):
        for j, cell in enumerate(rule.cells):
            for dim in ("r", "f"):
                lo, hi = getattr(cell, dim)
                if lo > hi:
                    raise KeyedParamsError(
                        f"segments[{i}].cells[{j}].{dim}", f"range [{lo}, {hi}] is reversed; write [{hi}, {lo}]"
                    )
                if lo < 1 or hi > n:
                    raise KeyedParamsError(
                        f"segments[{i}].cells[{j}].{dim}",
                        f"range [{lo}, {hi}] is outside the scores 1..{n} (rfm n = {n}; the map must match it)",
                    )
            block = grid[cell.r[0] - 1 : cell.r[1], cell.f[0] - 1 : cell.f[1]]
            taken = np.argwhere(block >= 0)
            if len(taken):
                r, f = taken[0] + [cell.r[0], cell.f[0]]
                other = parsed[block[tuple(taken[0])]].label.en
                raise KeyedParamsError(
                    f"segments[{i}].cells[{j}]",
                    f"cell R={r}, F={f} is already in segment {other!r}; each cell belongs to one segment",
                )
            block[...] = i
    if (grid < 0).any():
        gaps = ", ".join(f"R={r + 1} F={f + 1}" for r, f in np.argwhere(grid < 0)[:8])
        raise KeyedParamsError("segments", f"{int((grid < 0).sum())} cells of the {n} x {n} grid are in no segment: {gaps}")
    return [rule.label for rule in parsed], grid


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class RFMSegmenterParams(RFMSettings):
    """Hyper-parameters of :class:`RFMSegmenter`: the settings and the segment map."""

    segments: list[Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> RFMSegmenterParams:
        segment_grid(default_segment_map() if self.segments is None else self.segments, self.n)
        return self


class RFMSegmenter(Segmenter):
    """The named RFM segments (Champions ... Lost) from the R and F scores.

    Each customer gets R and F n-tile scores (:class:`RFMScorer`; M is reported in the profile,
    not used by the map) and the segment whose cells of the R x F grid contain (R, F). The default
    map is the practitioners' 5 x 5 grid (e.g. R 5, F 4-5 = Champions; R 1-2, F 5 = Can't lose),
    with R = F = 1 split from Hibernating as Lost; segments are ordered best first as listed. Edit
    it in ``tiers.rfm.segments`` of the params YAML.

    Parameters
    ----------
    n : number of score levels (2..9); the map must cover 1..n x 1..n.
    frequency, monetary : columns for F and M (see :func:`rfm_scores`).
    segments : list of ``{label: {en, zh}, cells: [{r: [lo, hi], f: [lo, hi]}, ...]}``, best
        first; None for the default map.

    Fitted attributes: ``scorer_`` (the fitted :class:`RFMScorer`), ``grid_`` (n x n segment codes).
    """

    Params = RFMSegmenterParams

    def __init__(
        self,
        n: int = 5,
        *,
        frequency: str = "frequency",
        monetary: str = "revenue",
        segments: Sequence[Any] | None = None,
        name: str = "rfm",
        language: str = "en",
    ):
        self.n = n
        self.frequency = frequency
        self.monetary = monetary
        self.segments = segments
        self.name = name
        self.language = language

    def _fit(self, data: pd.DataFrame) -> list:
        rules = default_segment_map() if self.segments is None else self.segments
        labels, self.grid_ = segment_grid(rules, self.n)
        self.scorer_ = RFMScorer(self.n, frequency=self.frequency, monetary=self.monetary).fit(data)
        return labels

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        scores = self.scorer_.scores(data, ("R", "F"))
        return self.grid_[scores["R"] - 1, scores["F"] - 1]


class RFMScoreParams(RFMScorerParams):
    """Hyper-parameters of :class:`RFMScoreTiers`: the scorer's and the cuts on one score."""

    column: Literal[(*SCORES, "rfm_score")] = "rfm_score"  # type: ignore[valid-type]
    thresholds: list[float] | None = None
    shares: Shares | None = None
    labels: list[LabelLike] | None = None

    @model_validator(mode="after")
    def _check(self) -> RFMScoreParams:
        check_cuts(self.thresholds, self.shares, self.labels, higher_is_better=True)
        return self


class RFMScoreTiers(ScoreTiers):
    """Tiers by thresholds or shares on an RFM score (default: the weighted ``rfm_score``).

    E.g. A/B/C/D with ``thresholds=[13, 10, 7]`` on the 3..15 sum of 5-level scores. ``column``
    is one of ``rfm_score``, ``R``, ``F``, ``M``; the scores are learned at ``fit`` (fitted
    ``scorer_``) so ``assign`` scores new customers against the fitting population.
    """

    def __init__(
        self,
        column: str = "rfm_score",
        *,
        n: int = 5,
        frequency: str = "frequency",
        monetary: str = "revenue",
        weights: Sequence[float] = (1.0, 1.0, 1.0),
        thresholds: Sequence[float] | None = None,
        shares: Sequence[float] | None = None,
        labels: Sequence[Any] | None = None,
        name: str = "rfm_score",
        language: str = "en",
    ):
        self.column = column
        self.n = n
        self.frequency = frequency
        self.monetary = monetary
        self.weights = weights
        self.thresholds = thresholds
        self.shares = shares
        self.labels = labels
        self.name = name
        self.language = language

    Params = RFMScoreParams
    higher_is_better = True  # scores are oriented: larger is better

    def _fit_values(self, data: pd.DataFrame) -> np.ndarray:
        self.scorer_ = RFMScorer(self.n, frequency=self.frequency, monetary=self.monetary, weights=self.weights)
        self.scorer_.fit(data)
        return self._values(data)

    def _values(self, data: pd.DataFrame) -> np.ndarray:
        return self.scorer_.scores(data, (self.column,))[self.column].astype(float)


# ----------------------------------------------------------------------------- its params (tiers.schemes)


class RFMSegmentsScheme(SchemeSpec):
    """The named RFM segments, with the settings of ``tiers.rfm``."""

    kind: Literal["rfm_segments"]
    SEGMENTER: ClassVar[type[Segmenter]] = RFMSegmenter
    EXAMPLE: ClassVar[dict[str, Any] | None] = {}

    def labels_en(self, config: Any) -> list[str]:
        return [s.label.en for s in config.rfm.segments]

    def segmenter_params(self, config: Any) -> dict[str, Any]:
        rfm = config.rfm
        segments = [x.model_dump() for x in rfm.segments]
        default = [RFMSegmentRule.model_validate(x).model_dump() for x in default_segment_map()]
        return {"n": rfm.n, "frequency": rfm.frequency, "monetary": rfm.monetary,
                "segments": None if segments == default else segments}


class RFMScoreScheme(SchemeSpec):
    """Tiers on an RFM score (``rfm_score``, ``R``, ``F`` or ``M``): ``min`` per tier or ``share``."""

    kind: Literal["rfm_score"]
    SEGMENTER: ClassVar[type[Segmenter]] = RFMScoreTiers
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"tiers": [{"label": "A", "min": 10}, {"label": "B"}]}
    column: Literal["rfm_score", "R", "F", "M"] = "rfm_score"
    tiers: list[TierSpec]

    @model_validator(mode="after")
    def _check(self) -> RFMScoreScheme:
        allow_keys(self.tiers, {"min", "share"}, self.kind)
        if any(t.share is not None for t in self.tiers):
            tier_shares(self.tiers)
        else:
            ladder(self.tiers, "min", self.kind)
        return self

    def segmenter_params(self, config: Any) -> dict[str, Any]:
        by_share = any(t.share is not None for t in self.tiers)
        rfm = config.rfm
        return {
            "column": self.column, "n": rfm.n, "frequency": rfm.frequency, "monetary": rfm.monetary,
            "weights": rfm.weight_tuple, "thresholds": None if by_share else [t.min for t in self.tiers[:-1]],
            "shares": [t.share for t in self.tiers] if by_share else None, "labels": [t.label for t in self.tiers],
        }
