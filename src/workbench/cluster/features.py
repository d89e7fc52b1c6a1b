"""Clustering features from a summary: numeric behaviour columns with a declared transform, and
categorical attributes kept as categories (never one-hot dumped into a distance).

:class:`FeatureSet` learns what it needs at ``fit`` (means and spreads, the quantile reference,
the categories seen) and applies the same mapping to any later summary (``transform``), so new
customers get features on the fitted scale. Missing values are an error naming the column and
customers, or (``missing="category"``, attributes only) a category ``unknown`` of their own; the
``report_`` table says what was done per feature (columns feature, kind, transform, categories,
missing, action: ``none``, or ``category`` when missing values became the category ``unknown``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator
from scipy import stats

from workbench.errors import DataError, NotFittedError
from workbench.hyperparams import HyperParams, KeyedParamsError
from workbench.privacy import shown_ids

#: How a numeric column is put on a common scale before distances are taken.
TRANSFORMS = ("standard", "log1p", "quantile", "none")
UNKNOWN = "unknown"
OTHER = "other"

#: Feature columns made from summary columns when the summary does not hold them itself.
DERIVED: dict[str, tuple[tuple[str, ...], str]] = {
    "since_last": (("T", "recency"), "time since the last purchase, in the summary's time unit (T - recency)"),
    "spend_per_purchase": (("revenue", "frequency"), "mean amount per purchase day (revenue / (frequency + 1))"),
}


def column_values(summary: pd.DataFrame, column: str) -> pd.Series:
    """A summary column, or a :data:`DERIVED` one computed from it; DataError when neither."""
    if column in summary.columns:
        return summary[column]
    if column in DERIVED and all(c in summary.columns for c in DERIVED[column][0]):
        a, b = (summary[c] for c in DERIVED[column][0])
        return (a - b if column == "since_last" else a / (b + 1)).rename(column)
    derived = ", ".join(DERIVED)
    raise DataError(f"features: column {column!r} is not in the summary; available: "
                    f"{', '.join(map(str, summary.columns))} (and, from them, {derived})")


class Feature(HyperParams):
    """One feature: a summary column, numeric (with a transform) or categorical."""

    column: str = Field(min_length=1)
    kind: Literal["numeric", "categorical"] = "numeric"
    transform: Literal[TRANSFORMS] = "standard"  # type: ignore[valid-type]


class FeaturesParams(HyperParams):
    """The features of a clustering and what to do with missing attribute values."""

    features: list[Feature] = Field(min_length=1)
    missing: Literal["error", "category"] = "error"

    @model_validator(mode="after")
    def _distinct(self) -> FeaturesParams:
        seen: dict[str, int] = {}
        for i, f in enumerate(self.features):
            if f.column in seen:
                raise KeyedParamsError(f"features[{i}].column", f"{f.column!r} is already features[{seen[f.column]}]")
            seen[f.column] = i
        return self


class FeatureSet:
    """Numeric matrix and categorical codes of a summary, on the scale learned at :meth:`fit`."""

    def __init__(self, features: list[Feature | dict], missing: str = "error"):
        self.params = FeaturesParams.checked({"features": features, "missing": missing}, "FeatureSet")

    @property
    def numeric(self) -> list[Feature]:
        return [f for f in self.params.features if f.kind == "numeric"]

    @property
    def categorical(self) -> list[Feature]:
        return [f for f in self.params.features if f.kind == "categorical"]

    @property
    def n_levels(self) -> np.ndarray:
        """Number of categories of each attribute seen at fit."""
        return np.array([len(self.categories_[f.column]) for f in self.categorical], dtype=np.int64)

    def fit(self, summary: pd.DataFrame) -> FeatureSet:
        """Learn each numeric column's scale and each attribute's categories (most frequent first)."""
        self.scales_: dict[str, tuple] = {}
        rows = []
        for f in self.numeric:
            values = self._numeric(summary, f)
            if f.transform == "log1p":
                values = np.log1p(values)
            if f.transform == "quantile":
                self.scales_[f.column] = (np.sort(values),)
            elif f.transform in ("standard", "log1p"):
                spread = values.std()
                self.scales_[f.column] = (values.mean(), spread if spread > 0 else 1.0)
            rows.append({"feature": f.column, "kind": "numeric", "transform": f.transform, "categories": np.nan,
                         "missing": 0, "action": "none"})
        self.categories_: dict[str, list] = {}
        for f in self.categorical:
            col, n_missing = self._categorical(summary, f)
            counts = col.value_counts()
            self.categories_[f.column] = sorted(counts.index, key=lambda v: (-counts[v], str(v)))
            rows.append({"feature": f.column, "kind": "categorical", "transform": "categories", "categories": len(counts),
                         "missing": n_missing, "action": "category" if n_missing else "none"})
        self.report_ = pd.DataFrame(rows, columns=["feature", "kind", "transform", "categories", "missing", "action"])
        return self

    def transform(self, summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(numeric features, n x p floats; categorical codes, n x q ints, -1 = a category not
        seen at fit) for every customer of ``summary``."""
        if not hasattr(self, "report_"):
            raise NotFittedError("FeatureSet is not fitted yet: call fit(summary) first")
        numeric = np.empty((len(summary), len(self.numeric)))
        for j, f in enumerate(self.numeric):
            values = self._numeric(summary, f)
            if f.transform == "log1p":
                values = np.log1p(values)
            if f.transform == "quantile":
                (ref,) = self.scales_[f.column]
                share = (np.searchsorted(ref, values, side="left") + np.searchsorted(ref, values, side="right")) / 2
                values = stats.norm.ppf((share + 0.5) / (len(ref) + 1))
            elif f.column in self.scales_:
                mean, spread = self.scales_[f.column]
                values = (values - mean) / spread
            numeric[:, j] = values
        codes = np.empty((len(summary), len(self.categorical)), dtype=np.int64)
        for j, f in enumerate(self.categorical):
            col, _ = self._categorical(summary, f)
            position = {v: i for i, v in enumerate(self.categories_[f.column])}
            codes[:, j] = col.map(lambda v: position.get(v, -1)).to_numpy(dtype=np.int64)
        return numeric, codes

    def fit_transform(self, summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        return self.fit(summary).transform(summary)

    # -- reading columns
    def _column(self, summary: pd.DataFrame, f: Feature) -> pd.Series:
        return column_values(summary, f.column)

    def _numeric(self, summary: pd.DataFrame, f: Feature) -> np.ndarray:
        col = self._column(summary, f)
        if not pd.api.types.is_numeric_dtype(col):
            raise DataError(f"features: column {f.column!r} is not numeric (dtype {col.dtype}); declare it kind: categorical")
        values = col.to_numpy(dtype=float)
        bad = ~np.isfinite(values) | ((values <= -1) if f.transform == "log1p" else False)
        if bad.any():
            what = "missing, infinite or <= -1 (log1p)" if f.transform == "log1p" else "missing or infinite"
            raise DataError(f"features: column {f.column!r} has {int(bad.sum())} values {what}; "
                            f"e.g. customers {shown_ids(summary.index[bad][:5])}")
        return values

    def _categorical(self, summary: pd.DataFrame, f: Feature) -> tuple[pd.Series, int]:
        col = self._column(summary, f).astype(object)
        missing = col.isna().to_numpy()
        if missing.any() and self.params.missing == "error":
            raise DataError(f"features: attribute {f.column!r} is missing for {int(missing.sum())} customers "
                            f"(e.g. {shown_ids(summary.index[missing][:5])}); fill it or set missing: category")
        return col.where(~missing, UNKNOWN), int(missing.sum())
