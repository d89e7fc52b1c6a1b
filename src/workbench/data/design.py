"""The covariate matrix of the churn and CLV models: numeric columns standardised (or kept as
they are), categorical ones dummy-coded against their most common level, and columns that would halt a fit dropped with a
note (constant, or a linear combination of the others) instead of failing deep in the optimiser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.errors import DataError, ParamsError
from workbench.privacy import shown_ids


@dataclass
class Design:
    """A fitted recipe from customer columns to model covariates; :meth:`transform` applies it."""

    columns: list[str]
    numeric: dict[str, tuple[float, float]] = field(default_factory=dict)  # column -> (mean, sd)
    levels: dict[str, list[str]] = field(default_factory=dict)  # column -> non-reference levels
    reference: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # covariate names after coding and dropping
    notes: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, data: pd.DataFrame, columns: Sequence[str], who: str, standardise: bool = True) -> Design:
        """Learn the coding of ``columns`` from ``data``; drop what cannot be estimated, noting why.

        Numeric columns are centred and scaled to unit variance, or with ``standardise=False``
        used as they are (so coefficients read per unit, as in CLVTools)."""
        columns = list(dict.fromkeys(columns))
        design = cls(columns)
        for column in columns:
            values = _column(data, column, who)
            if _is_numeric(values):
                x = values.to_numpy(dtype=float)
                sd = float(np.std(x))
                if not sd > 1e-12 * max(1.0, abs(float(np.mean(x)))):
                    design.notes.append(f"{column} is constant ({x[0]:g} for every customer): dropped")
                    continue
                design.numeric[column] = (float(np.mean(x)), sd) if standardise else (0.0, 1.0)
            else:
                counts = values.astype(str).value_counts()
                if len(counts) < 2:
                    design.notes.append(f"{column} has one level ({counts.index[0]!r}): dropped")
                    continue
                design.reference[column] = str(counts.index[0])
                design.levels[column] = sorted(str(v) for v in counts.index[1:])
        design.names = [n for n in design._all_names()]
        matrix = design._matrix(data, who)
        design._drop_collinear(matrix)
        return design

    def _all_names(self) -> list[str]:
        out = []
        for column in self.columns:
            if column in self.numeric:
                out.append(column)
            elif column in self.levels:
                out.extend(f"{column}={level}" for level in self.levels[column])
        return out

    def _matrix(self, data: pd.DataFrame, who: str) -> pd.DataFrame:
        parts = {}
        for column in self.columns:
            if column in self.numeric:
                mean, sd = self.numeric[column]
                parts[column] = (_column(data, column, who).to_numpy(dtype=float) - mean) / sd
            elif column in self.levels:
                text = _column(data, column, who).astype(str).to_numpy()
                for level in self.levels[column]:
                    parts[f"{column}={level}"] = (text == level).astype(float)
        return pd.DataFrame(parts, index=data.index)

    def _drop_collinear(self, matrix: pd.DataFrame) -> None:
        """Greedy: keep a column when it adds rank to the intercept and the columns kept so far."""
        kept: list[str] = []
        basis = np.ones((len(matrix), 1)) / np.sqrt(max(len(matrix), 1))
        for name in self.names:
            x = matrix[name].to_numpy()
            residual = x - basis @ (basis.T @ x)
            norm = float(np.linalg.norm(residual))
            if norm <= 1e-8 * max(float(np.linalg.norm(x)), 1.0):
                explained = [k for k in kept] or ["the intercept"]
                self.notes.append(f"{name} is a linear combination of {', '.join(explained[-3:])}: dropped")
                continue
            basis = np.column_stack([basis, residual / norm])
            kept.append(name)
        self.names = kept

    def transform(self, data: pd.DataFrame, who: str) -> pd.DataFrame:
        """The covariates of ``data`` (levels unseen at fit count as the reference level)."""
        return self._matrix(data, who)[self.names]


def _column(data: pd.DataFrame, column: str, who: str) -> pd.Series:
    if column not in data.columns:
        raise ParamsError(f"{who}: covariate {column!r} is not a column; available: {', '.join(map(str, data.columns))}")
    values = data[column]
    missing = values.isna().to_numpy()
    if missing.any():
        raise DataError(f"{who}: covariate {column!r} is missing for {int(missing.sum())} customers, "
                        f"e.g. {shown_ids(list(data.index[missing][:3]))}; fill or drop them first")
    if _is_numeric(values) and not np.isfinite(values.to_numpy(dtype=float)).all():
        bad = ~np.isfinite(values.to_numpy(dtype=float))
        raise DataError(f"{who}: covariate {column!r} is not finite for {int(bad.sum())} customers, "
                        f"e.g. {shown_ids(list(data.index[bad][:3]))}")
    return values


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
