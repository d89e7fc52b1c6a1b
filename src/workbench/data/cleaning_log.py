"""Validated cleaning policies (:class:`CleaningOptions`) and the step-by-step record of every
check (:class:`CleaningLog`), with the example rows messages show."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.columns import N_EXAMPLES
from workbench.data.dates import naive_time
from workbench.data.options import CHOICES
from workbench.errors import DataError, ParamsError

_CHOICES = CHOICES

@dataclass(frozen=True)
class CleaningOptions:
    """Validated cleaning policies; see :func:`workbench.data.load.load_transactions`."""

    observation_end: pd.Timestamp | None = None
    returns: str = "net_order"
    zero_amounts: str = "keep"
    duplicates: str = "drop_exact"
    outliers: str = "flag"
    outlier_k: float = 3.0
    missing: str = "drop"
    invalid: str = "error"
    date_format: str | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    decimal: str | None = None

    def __post_init__(self) -> None:
        for key, allowed in _CHOICES.items():
            if getattr(self, key) not in allowed:
                raise ParamsError(f"{key} must be one of {list(allowed)}, got {getattr(self, key)!r}")
        if not (self.dayfirst is None or isinstance(self.dayfirst, (bool, np.bool_))):
            raise ParamsError(f"dayfirst must be True, False or None (not told), got {self.dayfirst!r}")
        if not (isinstance(self.outlier_k, (int, float)) and self.outlier_k > 0):
            raise ParamsError(f"outlier_k must be a positive number, got {self.outlier_k!r}")
        if self.timezone is not None:
            try:
                pd.Timestamp("2000-01-01", tz=self.timezone)
            except Exception as exc:
                raise ParamsError(f"timezone: unknown time zone {self.timezone!r}") from exc
        if self.observation_end is not None:
            try:
                end = pd.Timestamp(self.observation_end)
            except (ValueError, TypeError) as exc:
                raise ParamsError(f"observation_end: not a date: {self.observation_end!r}") from exc
            if pd.isna(end):
                raise ParamsError(f"observation_end: not a date: {self.observation_end!r}")
            end = naive_time(end, self.timezone)
            object.__setattr__(self, "observation_end", end)


class CleaningLog:
    """One row per check or cleaning step: step, column, rows, action, detail, examples.

    ``labels`` maps contract names to the user's column names, so that messages name both.
    """

    COLUMNS = ("step", "column", "rows", "action", "detail", "examples")

    def __init__(self, source: str, labels: dict[str, Any] | None = None):
        self.source = source
        self.labels = dict(labels or {})
        self.records: list[dict[str, Any]] = []
        #: Rows each step took out of the data (dropped, or merged away), in step order.
        self.removed: dict[str, int] = {}

    def add(self, step: str, column: str, rows: int, action: str, detail: str = "", examples: str = "",
            removed: int | None = None) -> None:
        """One log row; ``removed`` is how many rows the step took out (default: ``rows`` when
        the action is ``dropped``, else none)."""
        action = action if rows or action in ("skipped", "none") else "none"
        self.records.append(
            {"step": step, "column": column, "rows": int(rows), "action": action, "detail": detail, "examples": examples}
        )
        removed = int(rows) if removed is None and action == "dropped" else int(removed or 0)
        if removed:
            self.removed[step] = self.removed.get(step, 0) + removed

    def removed_summary(self) -> str:
        """``returns 3, exact_duplicates 2``: what each step took out (``nothing`` if none)."""
        return ", ".join(f"{step} {n:,}" for step, n in self.removed.items()) or "nothing"

    def column_label(self, column: str) -> str:
        user = self.labels.get(column)
        if user is None or str(user) == column:
            return f"column {column!r}"
        return f"column {column!r} (file column {user!r})"

    def error(self, column: str | None, message: str) -> DataError:
        where = f"{self.column_label(column)}: " if column else ""
        return DataError(f"{self.source}: {where}{message}")

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.records, columns=list(self.COLUMNS))
        return frame.astype({"rows": "int64"})


def log_id_spaces(log: CleaningLog, padded: int, merged: int, examples: str = "") -> None:
    """The ``id_spaces`` step: ids are compared without surrounding spaces (``' A1'`` is ``A1``)."""
    detail = (f"{padded} rows had spaces around the customer id (removed); {merged} id spelling(s) merged "
              "with an id that differs only by those spaces" if padded else "no spaces around customer ids")
    log.add("id_spaces", "customer_id", padded, "stripped", detail, examples)


def format_examples(rows: Any, values: Any) -> str:
    """``row 3: '1997-13-01'; row 9: 'abc'`` for the first few rows."""
    pairs = list(zip(list(rows)[:N_EXAMPLES], list(values)[:N_EXAMPLES]))
    return "; ".join(f"row {int(r)}: {_show(v)}" for r, v in pairs)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + ")"
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "empty"
    if isinstance(value, str) and not value.strip():
        return "empty"
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        ts = pd.Timestamp(value)
        return str(ts.date()) if ts == ts.normalize() else str(ts)
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return repr(value if isinstance(value, str) else str(value))
