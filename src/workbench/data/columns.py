"""The transactions contract's columns and how cells are read as text: ids and labels, empty
cells and NA tokens, the :class:`Parsed` result every value parser returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Contract columns, in output order. The first three are required.
REQUIRED = ("customer_id", "timestamp", "amount")
OPTIONAL = ("order_id", "quantity", "channel", "product")
#: Contract columns a log must have; ``amount`` is used when present (a count-only log has none).
NEEDED = ("customer_id", "timestamp")
#: The note of a log without amounts (the ``amount`` step).
NO_AMOUNTS = "no amount column: counts only (money checks, revenue and spend are skipped)"

#: Cell texts read as missing (compared case-insensitively after stripping).
NA_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "nat", "#n/a", "<na>"})

#: Amounts at or above this absolute value are always flagged as outliers.
HUGE_AMOUNT = 1e12
#: Smallest inter-quartile range (in decades of log10 amount) used by the outlier fence.
MIN_LOG_IQR = 0.1
N_EXAMPLES = 5
_ARROW = "string[pyarrow]"
_NA_MAX = max(map(len, NA_TOKENS))


# value parsers (pandas)


@dataclass
class Parsed:
    """A parsed column: values, empty cells, unreadable cells, values rewritten, a note."""

    values: pd.Series
    missing: pd.Series
    invalid: pd.Series
    converted: int = 0
    detail: str = ""
    mixed: dict[str, pd.Series] = field(default_factory=dict)
    format: str | None = None
    #: Dates: rows that ``rival`` reads as another date than ``format`` when nothing settles the
    #: day/month order (``dayfirst`` not told); rows out of pandas' datetime64[ns] range.
    ambiguous: pd.Series | None = None
    rival: str | None = None
    out_of_range: pd.Series | None = None

    def __post_init__(self) -> None:
        if self.out_of_range is None:
            self.out_of_range = pd.Series(False, index=self.invalid.index)


def _cell_text(value: Any) -> str | None:
    """A non-string cell as text: numbers without a spurious '.0'; missing values as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))
    return str(value)


def cell_texts(s: pd.Series, na_tokens: bool = True) -> pd.Series:
    """Cells as stripped Arrow strings; empty cells and (unless ``na_tokens=False``, as for ids)
    NA tokens (``NA``, ``null``, ...) as <NA>."""
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        text = s.astype(_ARROW).str.strip()
    else:
        text = s.astype(object).map(_cell_text).astype(_ARROW).str.strip()
    empty = text.isna().to_numpy() | (text.str.len() == 0).fillna(False).to_numpy(dtype=bool)
    if na_tokens:
        empty |= ((text.str.len() <= _NA_MAX) & text.str.lower().isin(NA_TOKENS)).fillna(False).to_numpy(dtype=bool)
    return text.mask(empty)


def _floats(values: pd.Series) -> pd.Series:
    return pd.Series(values.to_numpy(dtype="float64", na_value=np.nan), index=values.index)


#: Columns holding identifiers: any non-empty text is a value (``NA``, ``null``, ``None`` are ids too).
ID_COLUMNS = ("customer_id", "order_id")


def parse_text(s: pd.Series, is_id: bool = False) -> Parsed:
    """Ids and labels as stripped strings (object dtype): ``00001`` stays ``00001``, 7.0 becomes ``7``.
    For ids (``is_id``) only empty cells are missing; for labels NA tokens are missing too."""
    text = cell_texts(s, na_tokens=not is_id)
    missing = pd.Series(text.isna().to_numpy(), index=s.index)
    values = pd.Series(text.astype(object).to_numpy(), index=s.index).where(~missing, None)
    return Parsed(values, missing, pd.Series(False, index=s.index))
