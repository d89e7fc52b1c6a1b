"""The Segmenter interface shared by every segmentation method, the summary checks and the
hyper-parameter types they share (labels, shares, ladders).

A segmenter follows the scikit-learn estimator contract: ``__init__`` stores keyword
hyper-parameters unchanged, ``fit(summary)`` validates them with the class's ``Params``
(:class:`~workbench.hyperparams.HyperParams`) and learns attributes ending in ``_``,
``assign(summary)`` returns one ordered tier per customer (best tier first). A new method is one
subclass with its ``Params``, implementing ``_fit`` (learn, return the tier labels best first) and
``_codes`` (tier position per customer, 0 = best). :class:`~workbench.segment.score.ScoreTiers`
turns any numeric column into tiers.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, ClassVar

import numpy as np
import pandas as pd
import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sklearn.base import BaseEstimator

from workbench.errors import DataError, NotApplicableError, NotFittedError, ParamsError
from workbench.hyperparams import HyperParams, KeyedParamsError
from workbench.privacy import shown_ids
from workbench.summary import MONEY_COLUMNS
from workbench.units import days_per_unit

LANGUAGES = ("en", "zh")
_SHARE_TOL = 1e-6


class Label(BaseModel):
    """A tier label in English and Chinese."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    @classmethod
    def of(cls, value: Any, key: str = "label") -> Label:
        """A Label from a Label, a mapping ``{en: ..., zh: ...}`` or one string used for both."""
        if isinstance(value, Label):
            return value
        if isinstance(value, str) and value:
            return cls(en=value, zh=value)
        if isinstance(value, Mapping):
            try:
                return cls.model_validate(dict(value))
            except ValidationError as exc:
                err = exc.errors()[0]
                sub = ".".join(str(p) for p in err["loc"])
                raise KeyedParamsError(f"{key}.{sub}" if sub else key, err["msg"]) from None
        raise KeyedParamsError(key, f"a label is a string or {{en: ..., zh: ...}}, got {value!r}")

    def __getitem__(self, lang: str) -> str:
        return getattr(self, lang)


def _label_input(value: Any) -> Any:
    return {"en": value, "zh": value} if isinstance(value, str) else value


LabelLike = Annotated[Label, BeforeValidator(_label_input)]
"""A label field in params: ``{en: Diamond, zh: 钻石}`` or one string for both languages."""


@lru_cache(maxsize=1)
def _defaults() -> dict:
    text = resources.files("workbench.segment").joinpath("defaults.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["tiers"]


def defaults() -> dict:
    """The shipped ``tiers:`` defaults (``segment/defaults.yaml``) as a fresh dict."""
    return copy.deepcopy(_defaults())


# ----------------------------------------------------------------------------- summary checks


def check_summary(summary: Any, who: str) -> pd.DataFrame:
    """The summary with its index named ``customer_id``; DataError when it cannot be used."""
    if not isinstance(summary, pd.DataFrame):
        raise DataError(f"{who}: the summary must be a pandas DataFrame, got {type(summary).__name__}")
    data = summary
    if data.index.name != "customer_id" and "customer_id" in data.columns:
        data = data.set_index("customer_id")
    if len(data) == 0:
        raise DataError(f"{who}: the summary has no rows")
    dup = data.index.duplicated(keep=False)
    if dup.any():
        examples = shown_ids(list(dict.fromkeys(data.index[dup]))[:5])
        raise DataError(
            f"summary: index customer_id has {int(dup.sum())} rows with a repeated id "
            f"(used by {who}); e.g. {examples}"
        )
    if data.index.name != "customer_id":
        data = data.rename_axis("customer_id")
    return data


def numeric_column(
    data: pd.DataFrame, column: str, who: str, param: str | None = "column", allow_na: bool = False
) -> np.ndarray:
    """Float values of one summary column.

    A missing column is a ParamsError when a parameter named it (the message lists the available
    columns) and a DataError when the summary contract requires it; non-numeric or missing values
    are a DataError naming the count and a few example customers.
    """
    if column not in data.columns:
        if not has_amounts(data) and column in MONEY_COLUMNS:
            raise NotApplicableError(
                f"{who} needs amounts ({column!r}), and these transactions have none (counts only)"
            )
        available = ", ".join(map(str, data.columns))
        if param is not None:
            raise ParamsError(
                f"{who}: {param}={column!r} is not a column of the summary; available: {available}"
            )
        raise DataError(f"summary: column {column!r} is required by {who}; available: {available}")
    values = data[column]
    if not pd.api.types.is_numeric_dtype(values):
        raise DataError(
            f"summary: column {column!r} (used by {who}) must be numeric, got dtype {values.dtype}; "
            f"e.g. {_examples(values)}"
        )
    missing = values.isna()
    if not allow_na and missing.any():
        raise DataError(
            f"summary: column {column!r} (used by {who}) has {int(missing.sum())} missing values; "
            f"e.g. customers {_examples(values[missing])}"
        )
    return values.to_numpy(dtype=float)


def has_amounts(data: pd.DataFrame) -> bool:
    """False for the summary of a count-only log (``attrs["amounts"]`` False: no money columns)."""
    return data.attrs.get("amounts") is not False


def _examples(values: pd.Series, n: int = 5) -> str:
    head = values.head(n)
    return ", ".join(f"{i}: {v!r}" for i, v in zip(shown_ids(head.index), head))


def time_unit_days(data: pd.DataFrame, time_unit: str | None, who: str) -> float:
    """Days per summary time unit, from the ``time_unit`` parameter or ``summary.attrs``."""
    unit = time_unit if time_unit is not None else data.attrs.get("time_unit")
    if unit is None:
        raise ParamsError(
            f"{who}: the summary has no attrs['time_unit'] and time_unit is not set; "
            "pass time_unit='D' (days) or 'W' (days / 7)"
        )
    return float(days_per_unit(unit, who))


def to_days(values: np.ndarray, days_per_unit: float) -> np.ndarray:
    """Durations in days, rounded to 1e-6 day so that float noise from weekly units
    (e.g. 365/7 * 7 = 365.00000000000006) does not cross a threshold."""
    return np.round(values * days_per_unit, 6)


# ----------------------------------------------------------------------------- param checks


def check_shares(shares: Sequence[float], key: str = "shares") -> np.ndarray:
    """Positive shares, best tier first, summing to 1."""
    arr = np.asarray(list(shares), dtype=float)
    if arr.ndim != 1 or len(arr) < 2:
        raise KeyedParamsError(key, f"give at least two shares (one per tier), got {list(shares)!r}")
    for i, s in enumerate(arr):
        if not (s > 0 and np.isfinite(s)):
            raise KeyedParamsError(f"{key}[{i}]", f"a share must be a positive fraction, got {s!r}")
    if abs(arr.sum() - 1) > _SHARE_TOL:
        raise KeyedParamsError(key, f"shares sum to {arr.sum():.6g}; they must sum to 1")
    return arr


def check_ladder(values: Sequence[float], decreasing: bool, key: str = "thresholds") -> np.ndarray:
    """Finite thresholds, strictly decreasing (higher is better) or strictly increasing."""
    arr = np.asarray(list(values), dtype=float)
    if arr.ndim != 1 or len(arr) < 1:
        raise KeyedParamsError(key, "give at least one threshold")
    for i, v in enumerate(arr):
        if not np.isfinite(v):
            raise KeyedParamsError(f"{key}[{i}]", f"a threshold must be a finite number, got {v!r}")
        if i and (v >= arr[i - 1] if decreasing else v <= arr[i - 1]):
            order = "decrease" if decreasing else "increase"
            raise KeyedParamsError(
                f"{key}[{i}]",
                f"thresholds must strictly {order} from the best tier to the worst "
                f"(got {v:g} after {arr[i - 1]:g})",
            )
    return arr


# ----------------------------------------------------------------------------- hyper-parameters


def _shares(value: list[float]) -> list[float]:
    check_shares(value, key="")
    return value


#: Positive fractions per tier, best first, summing to 1 (as a hyper-parameter).
Shares = Annotated[list[float], AfterValidator(_shares)]


def check_label_count(labels: Sequence[Any] | None, n_tiers: int) -> None:
    """KeyedParamsError unless ``labels`` is None or has one entry per tier."""
    if labels is not None and len(labels) != n_tiers:
        raise KeyedParamsError("labels", f"{len(labels)} labels for {n_tiers} tiers")


# ----------------------------------------------------------------------------- Segmenter


class Segmenter(BaseEstimator):
    """Base class of every segmentation method: one ordered tier per customer, best tier first.

    Subclasses declare their hyper-parameters as keyword arguments of ``__init__`` (stored
    unchanged, always including ``name`` and ``language``) and implement ``_fit(data)``, which
    learns from a checked summary and returns the tier labels best first, and ``_codes(data)``,
    the tier position of every customer (0 = best).

    Fitted attributes: ``tier_labels_`` (DataFrame, one row per tier, columns ``en`` and ``zh``)
    and ``segments_`` (the profile table of the fitting summary, see
    :func:`workbench.segment.profiles.profile`).
    """

    name: str
    language: str
    #: The hyper-parameters (:class:`HyperParams`), validated by ``fit`` into ``params_``.
    Params: ClassVar[type[HyperParams] | None] = None
    #: True for model-based segmenters that cannot be fitted when nobody bought twice.
    needs_repeat_customers: ClassVar[bool] = False

    # -- the public face
    def fit(self, summary: pd.DataFrame) -> Segmenter:
        """Learn the tiers from a summary (one row per customer); returns ``self``."""
        self._check_language()
        if self.Params is not None:
            self.params_ = self.Params.checked({k: getattr(self, k) for k in self.Params.model_fields}, self._who)
        data = check_summary(summary, self._who)
        try:
            labels = [Label.of(x, key=f"labels[{i}]") for i, x in enumerate(self._fit(data))]
        except KeyedParamsError as exc:  # name the segmenter as well as the key
            raise ParamsError(f"{self._who}: {exc}") from None
        for lang in LANGUAGES:
            seen = [lab[lang] for lab in labels]
            dup = sorted({x for x in seen if seen.count(x) > 1})
            if dup:
                raise ParamsError(f"{self._who}: tier labels must be distinct; repeated {lang} labels: {dup}")
        self.tier_labels_ = pd.DataFrame([lab.model_dump() for lab in labels], columns=list(LANGUAGES))
        from workbench.segment.profiles import profile

        self.segments_ = profile(data, self._series(self._codes(data), data.index))
        return self

    def assign(self, summary: pd.DataFrame) -> pd.Series:
        """The tier of every customer: ordered categorical, best first, indexed by customer_id."""
        self._check_fitted()
        self._check_language()
        data = check_summary(summary, self._who)
        return self._series(self._codes(data), data.index)

    def fit_assign(self, summary: pd.DataFrame) -> pd.Series:
        """``fit(summary).assign(summary)``."""
        return self.fit(summary).assign(summary)

    @property
    def tiers_(self) -> list[str]:
        """The tier labels in ``language``, best first."""
        self._check_fitted()
        return list(self.tier_labels_[self.language])

    def label(self, lang: str) -> dict[str, str]:
        """Mapping from each tier (as returned by ``assign``) to its label in ``lang``."""
        self._check_fitted()
        if lang not in LANGUAGES:
            raise ParamsError(f"{self._who}: lang must be one of {LANGUAGES}, got {lang!r}")
        return dict(zip(self.tier_labels_[self.language], self.tier_labels_[lang], strict=True))

    # -- hooks for subclasses
    def _fit(self, data: pd.DataFrame) -> list[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _codes(self, data: pd.DataFrame) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers
    @property
    def _who(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def _check_language(self) -> None:
        if self.language not in LANGUAGES:
            raise ParamsError(f"{self._who}: language must be one of {LANGUAGES}, got {self.language!r}")

    def _is_fitted(self) -> bool:
        return hasattr(self, "tier_labels_")

    def __sklearn_is_fitted__(self) -> bool:
        return self._is_fitted()

    def _check_fitted(self) -> None:
        if not self._is_fitted():
            raise NotFittedError(f"{self._who} is not fitted yet: call fit(summary) first")

    def _series(self, codes: np.ndarray, index: pd.Index) -> pd.Series:
        codes = np.asarray(codes, dtype=int)
        k = len(self.tier_labels_)
        if len(codes) and (codes.min() < 0 or codes.max() >= k):  # a bug in a subclass, not in the data
            raise AssertionError(f"{self._who}: tier codes outside 0..{k - 1}")
        cats = pd.Categorical.from_codes(codes, categories=list(self.tier_labels_[self.language]), ordered=True)
        out = pd.Series(cats, index=index.rename("customer_id"), name=self.name)
        out.attrs["tier_labels"] = {lang: list(self.tier_labels_[lang]) for lang in LANGUAGES}
        out.attrs["language"] = self.language
        return out

    # -- display
    def _repr_html_(self) -> str:
        head = f"<p><strong>{html.escape(str(self.name))}</strong> <code>{html.escape(repr(self))}</code></p>"
        if not self._is_fitted():
            return head + "<p><em>not fitted</em></p>"
        table = self.segments_.to_html(float_format=lambda x: f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}", na_rep="")
        return head + f"<p>{len(self.tier_labels_)} tiers, best first</p>" + table

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/plain": repr(self), "text/html": self._repr_html_()}


__all__ = [
    "Label", "LabelLike", "KeyedParamsError", "Segmenter", "check_summary", "numeric_column", "check_shares",
    "check_ladder", "defaults", "to_days", "time_unit_days", "has_amounts", "HyperParams", "Shares",
    "check_label_count",
]
