"""Money written as text: thousands separators, currency signs and codes, parentheses, decimal commas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data.columns import Parsed, _floats, cell_texts

_NUMBER_RE = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
#: Valid comma grouping: 1-3 digits other than a lone "0", then groups of 3 (``1,234.5``; not
#: ``0,500`` or ``12,5``, which are decimal commas). Written without look-around for the engines.
_COMMA_GROUPED_RE = r"[+-]?(?:[1-9]|\d{2,3})(?:,\d{3})+(?:\.\d+)?"
_DOT_GROUPED_RE = r"[+-]?(?:[1-9]|\d{2,3})(?:\.\d{3})+(?:,\d+)?"
#: Read as thousands with decimal "." and as a fraction with decimal ",": ``12,250``.
_AMBIGUOUS_COMMA_RE = r"[+-]?(?:[1-9]|\d{2,3}),\d{3}"
_CURRENCY_RE = "(?i)(?:US\\$|HK\\$|RMB|CNY|USD|EUR|GBP|JPY|HKD|[¥￥$€£元円])"
_SPACE_RE = "[\\s\u00a0\u2009\u202f\u3000]"


def parse_amounts(s: pd.Series, decimal: str | None = ".") -> Parsed:
    """Money as float64: thousands separators, currency symbols or codes (¥ $ € £ 元 RMB ...),
    parentheses or a trailing minus for negatives; other text is invalid, not silently NaN.

    With ``decimal="."`` (or None) a comma groups thousands only in valid grouping
    (``1,234.50``; ``0,500`` and ``12,5`` are invalid); with ``decimal=","`` a dot groups
    thousands the same way and the comma is the decimal mark."""
    decimal = decimal or "."
    index = s.index
    if pd.api.types.is_bool_dtype(s):
        return Parsed(pd.Series(np.nan, index=index), s.isna(), s.notna())
    if pd.api.types.is_numeric_dtype(s):
        values = _floats(s)
        missing = values.isna()
        invalid = ~missing & ~np.isfinite(values.fillna(0.0))
        return Parsed(values.where(~invalid), missing, invalid)
    text = cell_texts(s)
    missing = pd.Series(text.isna().to_numpy(), index=index)
    values = pd.Series(np.nan, index=index, dtype="float64")
    present = text[~missing.to_numpy()]
    plain = present.str.fullmatch(_NUMBER_RE).to_numpy(dtype=bool) if decimal == "." else np.zeros(len(present), bool)
    values[present.index[plain]] = _floats(pd.to_numeric(present[plain], errors="coerce")).to_numpy()
    rest = present[~plain]
    converted = 0
    if len(rest):
        cleaned = _normalise_money_text(rest, decimal)
        ok = cleaned.str.fullmatch(_NUMBER_RE).fillna(False).to_numpy(dtype=bool)
        values[rest.index[ok]] = _floats(pd.to_numeric(cleaned[ok], errors="coerce")).to_numpy()
        converted = int(ok.sum())
    invalid = ~missing & (values.isna() | ~np.isfinite(values.fillna(0.0)))
    values = values.where(~invalid)
    detail = f"{converted} values read from text with currency signs, separators or parentheses" if converted else ""
    return Parsed(values, missing, invalid, converted, detail)


def _strip_money_marks(text: pd.Series) -> pd.Series:
    """Currency signs and spaces removed; ``(12)`` and ``12-`` as ``-12``."""
    t = text.str.replace(_CURRENCY_RE, "", regex=True).str.replace(_SPACE_RE, "", regex=True)
    paren = t.str.fullmatch(r"\(.*\)").to_numpy(dtype=bool)
    t = t.where(~paren, "-" + t.str.slice(1, -1))
    trailing = t.str.fullmatch(r"[^-].*-").to_numpy(dtype=bool)
    return t.where(~trailing, "-" + t.str.slice(0, -1))


def _normalise_money_text(text: pd.Series, decimal: str) -> pd.Series:
    t = _strip_money_marks(text)
    if decimal == ".":
        grouped = t.str.fullmatch(_COMMA_GROUPED_RE).to_numpy(dtype=bool)
        t = t.where(~grouped, t.str.replace(",", "", regex=False))
    else:
        grouped = t.str.fullmatch(_DOT_GROUPED_RE).to_numpy(dtype=bool)
        t = t.where(~grouped, t.str.replace(".", "", regex=False))
        comma = t.str.fullmatch(r"[+-]?\d*,\d+").to_numpy(dtype=bool)
        t = t.where(~comma, t.str.replace(",", ".", regex=False))
    return t


def ambiguous_decimal_commas(s: pd.Series, dot: Parsed) -> pd.Series:
    """Rows whose amount, like ``12,250``, reads as thousands with decimal ``"."`` (as parsed in
    ``dot``) and as a fraction with ``","``; none when another value reads only with ``"."``
    (``12.50``, ``1,234.50``, ``1,234,567``), which settles the decimal mark."""
    none = pd.Series(False, index=s.index)
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return none
    text = cell_texts(s)
    present = text.notna().to_numpy()
    if not present.any():
        return none
    marks = _strip_money_marks(text[present])
    ambiguous = none.copy()
    ambiguous[present] = marks.str.fullmatch(_AMBIGUOUS_COMMA_RE).fillna(False).to_numpy(dtype=bool)
    if not ambiguous.any():
        return none
    dot_only = ~dot.missing & ~dot.invalid & parse_amounts(s, ",").invalid
    return none if dot_only.any() else ambiguous
