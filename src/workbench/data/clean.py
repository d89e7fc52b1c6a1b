"""Parsing, validation and reported cleaning of transactions.

Two stages, each recorded step by step in a :class:`CleaningLog`:

1. **Parsing** turns the user's columns into the contract types (``customer_id`` str,
   ``timestamp`` datetime64[ns], ``amount`` float64) and screens rows whose values are missing
   or cannot be read. File and DataFrame sources are parsed in pandas (:func:`parse_frame`:
   currency text, date-format inference, time zones); ibis tables, whose columns are typed by
   their engine, are parsed with ibis expressions (:func:`parse_table`).
2. **Cleaning** (:func:`clean_table`) is one set of ibis expressions for every source: dates after
   the observation end, exact duplicates, order ids that span customers or days, returns,
   zero amounts and outliers. Every count is an ibis expression, so a warehouse table is cleaned
   where it lives.

Row numbers in messages and in the log are data-row numbers, counted from 1 after the header
(the first record of a file is row 1, whatever its line number).
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pandas as pd

from workbench.data.options import CHOICES
from workbench.errors import DataError, ParamsError
from workbench.privacy import shown_ids, shown_records

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

_CHOICES = CHOICES


@contextmanager
def quiet_engine() -> Iterator[None]:
    """Silence ibis 12's use of a method DuckDB 2 deprecates (``fetch_arrow_table``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        yield


def run(expr: Any) -> Any:
    """Execute an ibis expression (pandas out)."""
    with quiet_engine():
        return expr.execute()


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


# ----------------------------------------------------------------------------------------------
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


_TIME_TZ_RE = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)$"
_DATE_PARTS_YMD = ["%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]
_DATE_PARTS_DMY = ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y"]
_DATE_PARTS_MDY = ["%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y"]
_DATE_PARTS_TEXT = ["%d %b %Y", "%d-%b-%Y", "%b %d %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y"]
_TIME_PARTS = ["", " %H:%M", " %H:%M:%S"]
_INFER_SAMPLE = 2000
_YEAR_RE = r"(?<!\d)\d{4}(?!\d)"
#: What pandas' datetime64[ns] holds, for messages.
DATE_RANGE = f"{pd.Timestamp.min.date()} to {pd.Timestamp.max.date()}"


def date_candidates(dayfirst: bool | None) -> list[str]:
    """Date formats tried, in order of preference (ISO 8601 first; day-first formats before
    month-first ones when ``dayfirst`` is true)."""
    dm = _DATE_PARTS_DMY + _DATE_PARTS_MDY if dayfirst else _DATE_PARTS_MDY + _DATE_PARTS_DMY
    parts = _DATE_PARTS_YMD + dm + _DATE_PARTS_TEXT
    return ["ISO8601"] + [p + t for p in parts for t in _TIME_PARTS]


def naive_time(value: Any, timezone: str | None) -> Any:
    """A zone-aware Timestamp (or Series) as naive: its own wall-clock time when ``timezone`` is
    None, else converted to ``timezone`` first. Naive values are returned unchanged."""
    if isinstance(value, pd.Series):
        return value.dt.tz_localize(None) if timezone is None else value.dt.tz_convert(timezone).dt.tz_localize(None)
    if getattr(value, "tzinfo", None) is None:
        return value
    return value.tz_localize(None) if timezone is None else value.tz_convert(timezone).tz_localize(None)


def zone_note(n: int, timezone: str | None) -> str:
    """The log's wording for ``n`` zone-aware values made naive."""
    if timezone is None:
        return f"{n} time-zone-aware values kept at their local wall-clock time (zone dropped, not converted)"
    return f"{n} time-zone-aware values converted to {timezone}, then made naive"


def parse_timestamps(
    s: pd.Series, *, date_format: str | None = None, dayfirst: bool | None = None, timezone: str | None = None
) -> Parsed:
    """Timestamps as naive datetime64[ns].

    Datetime columns pass through; integer columns are read as YYYYMMDD (CDNOW style); text is
    read with ``date_format`` or, without it, with the one format (see :func:`date_candidates`)
    that reads the most values. Values that another format reads are reported in ``mixed``; values
    no format reads are ``invalid`` (and ``out_of_range`` too when only their year, outside
    1677-2262, stops them), so no non-empty cell silently becomes NaT. When day-first and
    month-first formats read the values equally but differently (``01/02/1997``) and ``dayfirst``
    is None, the rows read differently are in ``ambiguous`` and the other format in ``rival``;
    with ``dayfirst`` given, its order is used and noted. Time-zone-aware
    values keep their own wall-clock time (the zone or offset is dropped) when ``timezone`` is
    None, else are converted to ``timezone`` and then made naive; naive values are kept as they are.
    """
    index = s.index
    no = pd.Series(False, index=index)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        values = naive_time(s, timezone).astype("datetime64[ns]")
        n = int(s.notna().sum())
        return Parsed(values, s.isna(), no, n, zone_note(n, timezone))
    if pd.api.types.is_datetime64_dtype(s):
        return Parsed(s.astype("datetime64[ns]"), s.isna(), no, detail="datetime column")
    if pd.api.types.is_bool_dtype(s):
        return Parsed(pd.Series(pd.NaT, index=index, dtype="datetime64[ns]"), s.isna(), s.notna())
    numeric = pd.api.types.is_numeric_dtype(s)
    values = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    converted = 0
    objects = s.astype(object)
    is_dt = no.copy()
    if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty") and not numeric:
        is_dt = objects.map(lambda v: isinstance(v, (_dt.date, np.datetime64)) and not pd.isna(v)).astype(bool)
    if is_dt.any():  # datetime objects among the cells (Excel date cells)
        stamps = objects[is_dt].map(pd.Timestamp)
        aware = stamps.map(lambda v: v.tzinfo is not None)
        converted += int(aware.sum())
        values[is_dt] = stamps.map(lambda v: naive_time(v, timezone)).astype("datetime64[ns]")
        objects = objects.where(~is_dt, None)
    text = cell_texts(objects)
    missing = pd.Series(text.isna().to_numpy(), index=index) & ~is_dt
    present = text[text.notna().to_numpy()]
    fmt = date_format or ("%Y%m%d" if numeric else None)
    reading = _parse_date_text(present, fmt, dayfirst, timezone)
    values[present.index] = reading.values
    converted += reading.n_aware
    invalid = ~missing & ~is_dt & values.isna()

    def rows_of(mask: np.ndarray) -> pd.Series:
        return pd.Series(index.isin(present.index[mask]), index=index)

    mixed_masks = {f: rows_of(m) for f, m in reading.mixed.items()}
    ambiguous = None if reading.rival is None else rows_of(reading.differ)
    out_of_range = no.copy()
    if invalid.any():
        formats = [fmt] if fmt else list(dict.fromkeys([reading.chosen or "ISO8601", *date_candidates(dayfirst)]))
        out_of_range[invalid] = _out_of_range(text[invalid.to_numpy()], formats)
    detail = "; ".join(x for x in [f"format {reading.chosen}" if reading.chosen else "", reading.note] if x)
    if numeric:
        detail += " (numbers read as YYYYMMDD)"
    if converted:
        detail += f"; {zone_note(converted, timezone)}"
    return Parsed(
        values, missing, invalid, converted, detail.strip("; "), mixed_masks, reading.chosen, ambiguous, reading.rival,
        out_of_range,
    )


def _out_of_range(text: pd.Series, formats: list[str]) -> np.ndarray:
    """Values with a year outside pandas' range that one of ``formats`` reads once the year is
    2000 (tried on the distinct values, formats in order until every value is read)."""
    t = text.astype(object).astype(str)
    lead = t.str.match(r"\d{8}(?!\d)").to_numpy(dtype=bool)  # YYYYMMDD
    year = t.str.extract(f"({_YEAR_RE})", expand=False).where(~lead, t.str.slice(0, 4))
    y = pd.to_numeric(year, errors="coerce")
    far = ((y >= pd.Timestamp.max.year) | (y <= pd.Timestamp.min.year)).fillna(False).to_numpy(dtype=bool)
    if not far.any():
        return far
    moved = t[far].str.replace(_YEAR_RE, "2000", n=1, regex=True).where(~lead[far], "2000" + t[far].str.slice(4))
    codes, distinct = pd.factorize(moved)
    distinct = pd.Series(distinct, dtype=_ARROW)
    read = np.zeros(len(distinct), dtype=bool)
    for f in formats:
        left = np.flatnonzero(~read)
        if not len(left):
            break
        read[left] = ~np.isnat(_parse_dates_with(distinct.iloc[left], f, None))
    out = np.zeros(len(t), dtype=bool)
    out[far] = read[codes]
    return out


def _parse_dates_with(text: pd.Series, fmt: str, timezone: str | None) -> np.ndarray:
    """Parse with one format; naive and zone-aware strings separately (pandas' ISO 8601 parser
    would otherwise carry an offset over to the naive strings after it). Zone-aware strings are
    read as instants, then shown in ``timezone``, or at their own offset when it is None."""
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    if not len(text):
        return out
    text = text.str.replace(r"\s*(?:UTC|GMT)$", "+00:00", regex=True)
    aware = text.str.contains(_TIME_TZ_RE, regex=True).to_numpy(dtype=bool)
    if (~aware).any():
        out[~aware] = pd.to_datetime(text[~aware], format=fmt, errors="coerce").to_numpy(dtype="datetime64[ns]")
    if aware.any():
        stamps = pd.to_datetime(text[aware], format=fmt, errors="coerce", utc=True)
        if timezone is None:
            local = stamps.dt.tz_localize(None) + _utc_offsets(text[aware])
        else:
            local = naive_time(stamps, timezone)
        out[aware] = local.to_numpy(dtype="datetime64[ns]")
    return out


def _utc_offsets(text: pd.Series) -> pd.Series:
    """The UTC offset written at the end of each string (``Z``, ``+08:00``, ``-0500``, ``+08``)."""
    parts = text.str.extract(r"(?:Z|([+-])(\d{2}):?(\d{2})?)$")
    sign = parts[0].map({"+": 1, "-": -1}).fillna(0).astype("int64")
    minutes = parts[1].fillna("0").astype("int64") * 60 + parts[2].fillna("0").astype("int64")
    return pd.to_timedelta((sign * minutes).to_numpy(), unit="min").to_series(index=text.index)


@dataclass
class _DateReading:
    """Text dates as read: values per row, the format chosen, rows only another format reads,
    a note, the zone-aware count, and a rival format with the rows it reads differently."""

    values: np.ndarray
    chosen: str | None
    mixed: dict[str, np.ndarray] = field(default_factory=dict)
    note: str = ""
    n_aware: int = 0
    rival: str | None = None
    differ: np.ndarray | None = None


def _parse_date_text(text: pd.Series, fmt: str | None, dayfirst: bool | None, timezone: str | None) -> _DateReading:
    """Read text dates with ``fmt``, else with the candidate format reading the most values.

    Formats are tried on the distinct values: a sample of them ranks the candidates, and ties
    (day-first against month-first) are decided on all of them, so one value with a day > 12
    anywhere settles the order. A tie that remains is noted when ``dayfirst`` was given and
    returned as ``rival`` when not."""
    if not len(text):
        return _DateReading(np.array([], dtype="datetime64[ns]"), fmt)
    codes, distinct = pd.factorize(text)
    uniques = pd.Series(distinct, dtype=_ARROW)
    n_aware = int(uniques.str.contains(_TIME_TZ_RE, regex=True).to_numpy(dtype=bool)[codes].sum())
    if fmt is not None:
        return _DateReading(_parse_dates_with(uniques, fmt, timezone)[codes], fmt, n_aware=n_aware)
    candidates = date_candidates(dayfirst)
    first = _parse_dates_with(uniques, candidates[0], timezone)
    if not np.isnat(first).any():
        return _DateReading(first[codes], candidates[0], n_aware=n_aware)
    sampled = len(uniques) > _INFER_SAMPLE
    sample = uniques.sample(_INFER_SAMPLE, random_state=0) if sampled else uniques
    scores = {c: _parse_dates_with(sample, c, timezone) for c in candidates}
    hits = {c: int((~np.isnat(v)).sum()) for c, v in scores.items()}
    best = max(candidates, key=lambda c: hits[c])  # the first of equals wins
    tied = [c for c in candidates if c != best and hits[c] == hits[best] and not np.array_equal(scores[c], scores[best])]
    if not hits[best]:
        tied = []
    full = {c: _parse_dates_with(uniques, c, timezone) if sampled else scores[c] for c in [best, *tied]}
    counts = {c: int((~np.isnat(v)).sum()) for c, v in full.items()}
    best = max(full, key=lambda c: counts[c])  # in candidate order: the first of equals wins
    tied = [c for c in full if c != best and counts[c] == counts[best] and not np.array_equal(full[c], full[best])]
    parsed_u = full[best]
    rival, differ, note = None, None, ""
    if tied and dayfirst is None:
        rival = tied[0]
        differ = (parsed_u != full[rival])[codes] & ~np.isnat(parsed_u[codes]) & ~np.isnat(full[rival][codes])
    elif tied:
        note = f"ambiguous: {tied[0]} also reads every value; {best} used (dayfirst={dayfirst})"
    mixed: dict[str, np.ndarray] = {}
    left = np.flatnonzero(np.isnat(parsed_u))
    for cand in candidates:
        if cand == best or not len(left):
            continue
        hit = ~np.isnat(_parse_dates_with(uniques.iloc[left], cand, timezone))
        if hit.any():
            mixed[cand] = np.isin(codes, left[hit])
            left = left[~hit]
    chosen = best if (~np.isnat(parsed_u)).any() else None
    return _DateReading(parsed_u[codes], chosen, mixed, note, n_aware, rival, differ)


# ----------------------------------------------------------------------------------------------
# parsing stage, pandas


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


def parse_frame(
    raw: pd.DataFrame, mapping: dict[str, Any], log: CleaningLog, opts: CleaningOptions, delimiter: str | None = None
) -> pd.DataFrame:
    """Contract columns from the user's frame (``raw`` has a ``_row`` column), screened and logged.
    ``delimiter`` is the text file's field delimiter: with ``";"`` and no ``decimal`` option,
    amounts such as ``12,250`` are ambiguous (see :func:`ambiguous_decimal_commas`)."""
    cols = {name: raw[label] for name, label in mapping.items()}
    parsed: dict[str, Parsed] = {}
    for name, s in cols.items():
        if name == "timestamp":
            parsed[name] = parse_timestamps(s, date_format=opts.date_format, dayfirst=opts.dayfirst, timezone=opts.timezone)
        elif name in ("amount", "quantity"):
            parsed[name] = parse_amounts(s, opts.decimal)
        else:
            parsed[name] = parse_text(s, is_id=name in ID_COLUMNS)
    rows = raw["_row"]
    keep = pd.Series(True, index=raw.index)

    blank = pd.concat([p.missing for p in parsed.values()], axis=1).all(axis=1)
    log.add("blank_rows", "", int(blank.sum()), "dropped", "rows with every used column empty", format_examples(rows[blank], [""] * int(blank.sum())))
    keep &= ~blank
    if not keep.any():
        raise log.error(None, f"no data rows: all {len(raw)} rows are empty in the used columns {list(mapping.values())}")
    ids_missing = parsed["customer_id"].missing & keep
    if ids_missing.sum() == keep.sum():
        raise log.error("customer_id", f"all {int(keep.sum())} rows have an empty customer id")

    def screen(mask: pd.Series, step: str, column: str, policy: str, what: str, hint: str) -> None:
        nonlocal keep
        mask = mask & keep
        n = int(mask.sum())
        examples = format_examples(rows[mask], cols[column][mask])
        if n and policy == "error":
            raise log.error(column, f"{n} row(s) {what}; examples: {examples} (data rows counted from 1 after the header). {hint}")
        log.add(step, column, n, "dropped", f"rows {what}", examples)
        keep &= ~mask

    drop_hint = "Fix the file, or pass {}='drop' to drop these rows (they are reported in the log)."
    screen(ids_missing, "missing_customer_id", "customer_id", opts.missing, "with an empty customer id", drop_hint.format("missing"))
    raw_ids = cols["customer_id"][keep]
    texts = raw_ids[raw_ids.map(lambda v: isinstance(v, str))].astype(str)
    padded = texts != texts.str.strip()
    merged = texts.nunique() - texts.str.strip().nunique()
    log_id_spaces(log, int(padded.sum()), int(merged), format_examples(rows[padded[padded].index], shown_ids(texts[padded])))
    ts = parsed["timestamp"]
    screen(ts.missing, "missing_timestamp", "timestamp", opts.missing, "with an empty date", drop_hint.format("missing"))
    if ts.ambiguous is not None and (ts.ambiguous & keep).any():
        raise ambiguous_dates_error(log, "timestamp", ts, rows[ts.ambiguous & keep], cols["timestamp"][ts.ambiguous & keep])
    screen(
        ts.out_of_range, "out_of_range_timestamp", "timestamp", opts.invalid, f"with a date out of range ({DATE_RANGE})",
        "pandas' datetime64[ns] holds no other dates: fix the values, or pass invalid='drop'.",
    )
    if ts.mixed and (ts.invalid & keep).any():
        raise _mixed_formats_error(log, ts, rows, cols["timestamp"], keep)
    screen(
        ts.invalid, "invalid_timestamp", "timestamp", opts.invalid, "with a date that cannot be read",
        f"Tried: {ts.detail or 'every known format'}. Pass date_format (e.g. date_format='%d/%m/%Y'), fix the values, "
        "or pass invalid='drop'.",
    )
    log.add("date_format", "timestamp", 0, "none", ts.detail)
    log.add("timezone", "timestamp", ts.converted, "converted" if opts.timezone else "zone dropped", zone_note(ts.converted, opts.timezone))
    if "amount" not in parsed:
        log.add("amount", "amount", 0, "skipped", NO_AMOUNTS)
    amt = parsed.get("amount")
    if amt is not None and opts.decimal is None and delimiter == ";":
        ambiguous = ambiguous_decimal_commas(cols["amount"], amt) & keep
        if ambiguous.any():
            raise _decimal_comma_error(log, rows[ambiguous], cols["amount"][ambiguous], amt.values[ambiguous])
    if amt is not None:
        screen(amt.missing, "missing_amount", "amount", opts.missing, "with an empty amount", drop_hint.format("missing"))
        screen(
            amt.invalid, "invalid_amount", "amount", opts.invalid, "with an amount that is not a number",
            "Fix the values" + ("" if opts.decimal == "," else ", pass decimal=',' if the comma is the decimal mark")
            + " (a comma groups thousands only as in 1,234.50), or pass invalid='drop'.",
        )
        log.add("amount_text", "amount", amt.converted, "parsed", "amounts written with currency signs, thousands separators or parentheses")
    if "quantity" in parsed:
        screen(parsed["quantity"].invalid, "invalid_quantity", "quantity", opts.invalid, "with a quantity that is not a number", "Fix the values, or pass invalid='drop'.")

    out = pd.DataFrame({"_row": rows.astype("int64")})
    for name in (*REQUIRED, *OPTIONAL):
        if name in parsed:
            out[name] = parsed[name].values
    out = out[keep.to_numpy()].reset_index(drop=True)
    if "quantity" in out:
        out["quantity"] = integer_if_whole(out["quantity"])
    return out


def integer_if_whole(q: pd.Series) -> pd.Series:
    """int64 (Int64 with gaps) when every value is a whole number, else unchanged."""
    whole = q.dropna()
    if len(whole) and (whole == np.floor(whole)).all() and whole.abs().max() < 2**53:
        return q.astype("Int64") if q.isna().any() else q.astype("int64")
    return q


def ambiguous_dates_error(log: CleaningLog, column: str, ts: Parsed, rows: pd.Series, raw: pd.Series) -> DataError:
    """Dates read two ways (day-first and month-first) with nothing to settle the order."""
    first = cell_texts(raw.iloc[:1])
    other = pd.Timestamp(_parse_dates_with(first, ts.rival, None)[0])
    mine = ts.values[raw.index[0]]
    return log.error(
        column,
        f"ambiguous dates: {len(rows)} row(s) such as {format_examples(rows, raw)} read both as {ts.format} "
        f"({_show(mine)}) and as {ts.rival} ({_show(other)}), and no value settles the order (none has a day "
        "above 12). Pass dayfirst=True (day first) or dayfirst=False (month first), or date_format= "
        "(e.g. date_format='%d/%m/%Y').",
    )


def _decimal_comma_error(log: CleaningLog, rows: pd.Series, raw: pd.Series, as_thousands: pd.Series) -> DataError:
    first = float(as_thousands.iloc[0])
    return log.error(
        "amount",
        f"ambiguous decimal mark: {len(rows)} amount(s) such as {format_examples(rows, raw)} read two ways "
        f"(the first: {first:g} with decimal='.', where the comma groups thousands, or {first / 1000:g} with "
        "decimal=','); no other value settles it, and the file has delimiter ';', usual where the comma is the "
        "decimal mark. Say which it is: pass decimal=',' or decimal='.'.",
    )


def _mixed_formats_error(log: CleaningLog, ts: Parsed, rows: pd.Series, raw: pd.Series, keep: pd.Series) -> DataError:
    main = keep & ts.values.notna()
    parts = [f"{int(main.sum())} rows read as {ts.format} (e.g. {format_examples(rows[main], raw[main]).split('; ')[0]})"]
    for other, mask in ts.mixed.items():
        mask = mask & keep
        parts.append(f"{int(mask.sum())} rows only as {other} (e.g. {format_examples(rows[mask], raw[mask])})")
    return log.error(
        "timestamp",
        "mixed date formats in one column: " + "; ".join(parts) + ". Make the column consistent or pass date_format "
        "(rows in another format are then reported as unreadable).",
    )


# ----------------------------------------------------------------------------------------------
# parsing stage, ibis (typed engine columns)


def parse_table(t: ibis.Table, mapping: dict[str, Any], log: CleaningLog, opts: CleaningOptions) -> ibis.Table:
    """Contract columns from an ibis table, with ibis expressions: ids cast to strings, dates from
    timestamp / date / YYYYMMDD integers / ISO text, amounts from numbers or plain numeric text
    (currency signs, thousands separators, parentheses). Rows are numbered in the engine's scan
    order. ``date_format`` and ``decimal=","`` apply to files and DataFrames only."""
    if opts.date_format not in (None, "%Y%m%d"):
        raise log.error("timestamp", "date_format is applied to files and DataFrames only; cast the column in the engine")
    raw = {name: _ibis_cell(t[label], is_id=name in ID_COLUMNS) for name, label in mapping.items()}
    typed = t.mutate(_row=(ibis.row_number() + 1).cast("int64"), **{f"_raw_{k}": v for k, v in raw.items()})
    parsed: dict[str, ibis.Value] = {}
    notes: dict[str, str] = {}
    for name, value in raw.items():
        if name == "timestamp":
            parsed[name], notes[name] = _ibis_timestamp(value, t[mapping[name]].type(), log)
            parsed[name], notes["timezone"] = local_time(parsed[name], opts.timezone, _engine_name(t))
        elif name in ("amount", "quantity"):
            parsed[name] = _ibis_number(value, log, name, _engine_name(t))
        else:
            parsed[name] = _ibis_text(value)
    typed = typed.mutate(**parsed)
    n_total = int(run(typed.count()))
    if n_total == 0:
        raise log.error(None, "the table has no rows")
    if int(run(typed.filter(typed.customer_id.isnull()).count())) == n_total:
        raise log.error("customer_id", f"all {n_total} rows have an empty customer id")
    source_id = t[mapping["customer_id"]]
    if source_id.type().is_string():
        spaced = run(t.aggregate(padded=(source_id != source_id.strip()).sum(),
                                 spellings=source_id.nunique(), ids=source_id.strip().nunique())).iloc[0]
        log_id_spaces(log, int(spaced["padded"] or 0), int(spaced["spellings"]) - int(spaced["ids"]))
    else:
        log_id_spaces(log, 0, 0)

    def screen(table: ibis.Table, column: str, kind: str, policy: str, what: str) -> ibis.Table:
        if kind == "missing":
            cond = table[f"_raw_{column}"].isnull()
        elif kind == "out_of_range":  # the engine holds dates pandas' datetime64[ns] does not
            cond = (table[column] < _dt.datetime(1677, 9, 22)) | (table[column] > _dt.datetime(2262, 4, 11))
        else:
            cond = table[f"_raw_{column}"].notnull() & table[column].isnull()
        hit = table.filter(cond)
        n = int(run(hit.count()))
        examples = ""
        if n:
            raw = hit[f"_raw_{column}"]
            shown = raw.cast("string") if raw.type().is_floating() else raw  # 'nan', 'inf' as stored
            sample = run(hit.order_by("_row").limit(N_EXAMPLES).select("_row", shown.name(f"_raw_{column}")))
            examples = format_examples(sample["_row"], sample[f"_raw_{column}"])
        if n and policy == "error":
            raise log.error(column, f"{n} row(s) {what}; examples: {examples}. Fix the table or pass {kind}='drop'.")
        log.add(f"{kind}_{column}", column, n, "dropped", f"rows {what}", examples)
        return table.filter(~cond) if n else table

    log.add("blank_rows", "", 0, "none", "not checked separately for tables")
    typed = screen(typed, "customer_id", "missing", opts.missing, "with an empty customer id")
    typed = screen(typed, "timestamp", "missing", opts.missing, "with an empty date")
    typed = screen(typed, "timestamp", "out_of_range", opts.invalid, f"with a date out of range ({DATE_RANGE})")
    typed = screen(typed, "timestamp", "invalid", opts.invalid, "with a date that cannot be read")
    log.add("date_format", "timestamp", 0, "none", notes["timestamp"])
    if notes["timezone"]:
        action = "zone dropped" if opts.timezone is None and _engine_name(t) == "duckdb" else "converted"
        log.add("timezone", "timestamp", int(run(typed.timestamp.count())), action, notes["timezone"])
    else:
        log.add("timezone", "timestamp", 0, "none", "no time zone in the engine type")
    if "amount" in mapping:
        typed = screen(typed, "amount", "missing", opts.missing, "with an empty amount")
        typed = screen(typed, "amount", "invalid", opts.invalid, "with an amount that is not a number")
        log.add("amount_text", "amount", 0, "none", "text amounts read by the engine")
    else:
        log.add("amount", "amount", 0, "skipped", NO_AMOUNTS)
    if "quantity" in mapping:
        typed = screen(typed, "quantity", "invalid", opts.invalid, "with a quantity that is not a number")
    return typed.select("_row", *[c for c in (*REQUIRED, *OPTIONAL) if c in mapping])


def _ibis_cell(col: ibis.Value, is_id: bool = False) -> ibis.Value:
    """A cell as the engine holds it; text stripped, with empty cells (and, except in ids, NA
    tokens) as null."""
    if not col.type().is_string():
        return col
    text = col.strip()
    missing = text == "" if is_id else text.lower().isin(sorted(NA_TOKENS))
    return ibis.ifelse(missing, ibis.null("string"), text)


def _ibis_text(col: ibis.Value) -> ibis.Value:
    """Ids and labels as strings; whole floating-point numbers without '.0' (``7``, not ``7.0``)."""
    typ = col.type()
    if typ.is_floating():
        return ibis.ifelse(col == col.round(), col.round().cast("int64").cast("string"), col.cast("string"))
    return col if typ.is_string() else col.cast("string")


def _engine_name(t: ibis.Table) -> str:
    try:
        return t.get_backend().name
    except Exception:  # an unbound memtable runs on the default backend
        return getattr(ibis.get_backend(), "name", "")


@ibis.udf.scalar.builtin(name="timezone")
def _duckdb_local_time(zone: str, stamp: dt.Timestamp(timezone="UTC")) -> dt.Timestamp():
    """DuckDB's ``timezone(zone, timestamptz)``: the wall-clock time in ``zone``, naive."""


def local_time(value: ibis.Value, zone: str | None, engine: str) -> tuple[ibis.Value, str]:
    """A zone-aware engine timestamp as naive: on DuckDB the wall-clock time in ``zone``, or in
    the zone of its type when None (UTC for columns read from files: DuckDB keeps instants);
    other engines cast it in their session time zone. Returns the value and a note for the log."""
    typ = value.type()
    if not (typ.is_timestamp() and typ.timezone):
        return value, ""
    if engine != "duckdb":
        return value.cast(dt.Timestamp()), "time-zone-aware values cast to naive by the engine, in its session time zone"
    if zone is None:
        note = f"time-zone-aware values kept at their wall-clock time in {typ.timezone}, the zone of the engine type (not converted)"
    else:
        note = f"time-zone-aware values converted to {zone}, then made naive"
    return _duckdb_local_time(zone or typ.timezone, value), note


def _ibis_timestamp(value: ibis.Value, source_type: dt.DataType, log: CleaningLog) -> tuple[ibis.Value, str]:
    """Timestamps from the engine's column; a zone-aware one stays aware (see :func:`local_time`)."""
    typ = value.type()
    if typ.is_timestamp():
        return (value if typ.timezone else value.cast(dt.Timestamp())), f"engine type {source_type}"
    if typ.is_date():
        return value.cast("timestamp"), f"engine type {source_type}"
    if typ.is_integer() or typ.is_string():
        text = value.cast("string")
        ymd = text.re_search(r"^\d{8}$")
        text = ibis.ifelse(ymd, text.substr(0, 4) + "-" + text.substr(4, 2) + "-" + text.substr(6, 2), text)
        return text.try_cast("timestamp"), f"engine type {source_type}, read as ISO 8601 or YYYYMMDD"
    raise log.error("timestamp", f"engine type {typ} cannot be read as a date; cast it to a timestamp")


@ibis.udf.scalar.builtin(name="isfinite")
def _duckdb_isfinite(value: dt.float64) -> dt.boolean:
    """DuckDB's ``isfinite`` (see :func:`finite`)."""


def finite(value: ibis.Value, engine: str) -> ibis.Value:
    """True for finite numbers (null for null). On DuckDB this is its ``isfinite``: DuckDB 2.0
    folds ``isnan(x)``/``isinf(x)`` of a Parquet column to false when the file's min/max
    statistics, which leave NaN out, rule them out, so a stored NaN would pass unseen."""
    if engine == "duckdb":
        return _duckdb_isfinite(value)
    return ~(value.isnan() | value.isinf())


def _ibis_number(value: ibis.Value, log: CleaningLog, name: str, engine: str) -> ibis.Value:
    """Numbers as float64; NaN and infinite values as null (then reported as not a number)."""
    typ = value.type()
    if typ.is_numeric():
        number = value.cast("float64")
        return number if typ.is_integer() else ibis.ifelse(finite(number, engine), number, ibis.null("float64"))
    if typ.is_string():
        text = value.re_replace(_CURRENCY_RE, "").re_replace(_SPACE_RE, "").re_replace(r"^\((.*)\)$", "-\\1")
        grouped = text.re_search(f"^{_COMMA_GROUPED_RE}$")
        return ibis.ifelse(grouped, text.re_replace(",", ""), text).try_cast("float64")
    raise log.error(name, f"engine type {typ} cannot be read as a number")


# ----------------------------------------------------------------------------------------------
# cleaning stage, ibis (all sources)


def _record_examples(table: ibis.Table, cond: ibis.Value, extra: tuple[str, ...] = ()) -> tuple[int, str]:
    hit = table.filter(cond)
    n = int(run(hit.count()))
    if not n:
        return 0, ""
    shown = ["_row", *[c for c in (*REQUIRED, "order_id") if c in table.columns], *extra]
    sample = run(hit.order_by("_row").limit(N_EXAMPLES).select(*shown))
    records = shown_records(sample.drop(columns="_row").to_dict("records"))
    return n, format_examples(sample["_row"], records)


class Workspace:
    """Where each cleaned stage is computed once, as a temporary table of a DuckDB connection,
    so that later checks do not recompute earlier steps. Only the latest stage is kept; tables
    are created and dropped by name with plain SQL. ``backend=None`` keeps everything lazy
    (engines other than DuckDB recompute each check)."""

    def __init__(self, backend: Any = None):
        self.backend = backend
        self._last: str | None = None

    def keep(self, t: ibis.Table) -> ibis.Table:
        if self.backend is None:
            return t
        name = ibis.util.gen_name("workbench_clean")
        with quiet_engine():
            out = self.backend.create_table(name, t, temp=True)
        self.drop()
        self._last = name
        return out

    def drop(self) -> None:
        if self.backend is not None and self._last is not None:
            self.backend.raw_sql(f'DROP TABLE IF EXISTS "{self._last}"')
            self._last = None


def clean_table(t: ibis.Table, log: CleaningLog, opts: CleaningOptions, workspace: Workspace | None = None) -> ibis.Table:
    """Reported cleaning with ibis expressions; ``t`` has ``_row`` and contract columns."""
    workspace = workspace or Workspace()
    t = workspace.keep(t)
    for step in (_after_observation_end, _exact_duplicates, _returns, _zero_amounts):
        before = t
        t = step(t, log, opts)
        if t is not before:
            t = workspace.keep(t)
        if step is _exact_duplicates:
            _order_conflicts(t, log)
    return _outliers(t, log, opts)


def _after_observation_end(t: ibis.Table, log: CleaningLog, opts: CleaningOptions) -> ibis.Table:
    end = opts.observation_end
    if end is None:
        log.add("after_observation_end", "timestamp", 0, "skipped", "no observation_end given")
        return t
    whole_day = end == end.normalize()
    cond = t.timestamp >= (end + pd.Timedelta(days=1)) if whole_day else t.timestamp > end
    n, examples = _record_examples(t, cond)
    shown = str(end.date()) + " (whole day included)" if whole_day else str(end)
    log.add("after_observation_end", "timestamp", n, "dropped", f"dates after observation_end {shown}", examples)
    return t.filter(~cond) if n else t


def _exact_duplicates(t: ibis.Table, log: CleaningLog, opts: CleaningOptions) -> ibis.Table:
    content = [c for c in t.columns if c != "_row"]
    w = ibis.window(group_by=content, order_by="_row")
    marked = t.mutate(_copy=ibis.row_number().over(w), first_row=t._row.min().over(w))
    cond = marked._copy > 0
    n, examples = _record_examples(marked, cond, ("first_row",))
    if opts.duplicates == "keep":
        log.add("exact_duplicates", "", n, "kept", f"rows identical in {content} to an earlier row", examples)
        return t
    log.add("exact_duplicates", "", n, "dropped", f"rows identical in {content} to an earlier row (first_row); first kept", examples)
    return marked.filter(~cond).drop("_copy", "first_row") if n else t


def _order_conflicts(t: ibis.Table, log: CleaningLog) -> None:
    """Rows sharing an order id: order lines (same customer and day) or conflicts (other customers
    or purchase days). Both are reported and kept."""
    if "order_id" not in t.columns:
        log.add("order_lines", "order_id", 0, "skipped", "no order_id column")
        log.add("order_conflicts", "order_id", 0, "skipped", "no order_id column")
        return
    w = ibis.window(group_by="order_id")
    day = t.timestamp.truncate("D")
    purchase_day = ibis.ifelse(t.amount >= 0, day, ibis.null("timestamp")) if "amount" in t.columns else day
    marked = t.mutate(
        _n_rows=t.count().over(w), _n_cust=t.customer_id.nunique().over(w), _n_days=purchase_day.nunique().over(w)
    )
    conflict = (marked._n_cust > 1) | (marked._n_days > 1)
    n, examples = _record_examples(marked, marked.order_id.notnull() & (marked._n_rows > 1) & ~conflict)
    log.add(
        "order_lines", "order_id", n, "kept",
        "rows sharing their order id with other rows of the same customer and day (order lines, e.g. "
        "different amounts); kept as rows", examples,
    )
    n, examples = _record_examples(marked, marked.order_id.notnull() & conflict)
    log.add(
        "order_conflicts", "order_id", n, "flagged",
        "rows whose order id also appears with another customer, or with purchases on another day; kept "
        "(returns net within customer + order)",
        examples,
    )


def _returns(t: ibis.Table, log: CleaningLog, opts: CleaningOptions) -> ibis.Table:
    if "amount" not in t.columns:
        log.add("returns", "amount", 0, "skipped", "no amount column")
        return t
    cond = t.amount < 0
    n, examples = _record_examples(t, cond)
    policy = opts.returns
    if n and policy == "error":
        raise log.error("amount", f"{n} row(s) with a negative amount (returns); examples: {examples}. Pass returns='net_order', 'drop' or 'keep'.")
    if not n:
        log.add("returns", "amount", 0, "none", f"negative amounts (returns); policy {policy!r}")
        return t
    if policy == "keep":
        log.add("returns", "amount", n, "kept", "negative amounts (returns) kept as rows", examples)
        return t
    if policy == "drop":
        log.add("returns", "amount", n, "dropped", "negative amounts (returns) dropped; purchases unchanged", examples)
        return t.filter(~cond)
    by_order = policy == "net_order" and "order_id" in t.columns
    day_key = t.timestamp.truncate("D").cast("string")
    key = ibis.coalesce(t.order_id, "day " + day_key) if by_order else day_key
    keyed = t.mutate(_key=key)
    w = ibis.window(group_by=["customer_id", "_key"])
    keyed = keyed.mutate(_has_return=(keyed.amount < 0).any().over(w))
    untouched = keyed.filter(~keyed._has_return).drop("_key", "_has_return")
    hit = keyed.filter(keyed._has_return)
    schema = t.schema()
    aggs: dict[str, ibis.Value] = {}
    for c in t.columns:
        if c == "customer_id":
            continue
        if c in ("_row", "timestamp"):
            aggs[c] = hit[c].min()
        elif c in ("amount", "quantity"):
            aggs[c] = hit[c].sum().cast(schema[c])
        else:
            aggs[c] = hit[c].first(order_by=hit._row)
    merged = hit.group_by(["customer_id", "_key"]).aggregate(**aggs).select(*t.columns)
    stats = run(merged.aggregate(groups=merged.count(), kept=(merged.amount > 0).sum(), rows=hit.count().as_scalar())).iloc[0]
    groups, kept_groups = int(stats["groups"]), int(stats["kept"] or 0)
    unit = "order (or customer-day when the order id is empty)" if by_order else "customer-day"
    log.add(
        "returns", "amount", n, "merged",
        f"{n} negative amounts netted within their {unit}: {int(stats['rows'])} rows became {groups}, "
        f"{kept_groups} with a positive net amount kept (earliest timestamp), {groups - kept_groups} with net <= 0 dropped",
        examples,
        removed=int(stats["rows"]) - kept_groups,
    )
    return untouched.union(merged.filter(merged.amount > 0))


def _zero_amounts(t: ibis.Table, log: CleaningLog, opts: CleaningOptions) -> ibis.Table:
    if "amount" not in t.columns:
        log.add("zero_amounts", "amount", 0, "skipped", "no amount column")
        return t
    cond = t.amount == 0
    n, examples = _record_examples(t, cond)
    if opts.zero_amounts == "drop":
        log.add("zero_amounts", "amount", n, "dropped", "amount exactly 0", examples)
        return t.filter(~cond) if n else t
    log.add("zero_amounts", "amount", n, "kept", "amount exactly 0 (kept as purchases)", examples)
    return t


def outlier_fence(q1: float, q3: float, k: float) -> float:
    """Upper fence on the money scale: 10 ** (Q3 + k * max(IQR, 0.1)) of log10 positive amounts."""
    return float(10 ** (q3 + k * max(q3 - q1, MIN_LOG_IQR)))


def _outliers(t: ibis.Table, log: CleaningLog, opts: CleaningOptions) -> ibis.Table:
    if "amount" not in t.columns:
        log.add("outliers", "amount", 0, "skipped", "no amount column")
        return t
    pos = t.filter(t.amount > 0)
    logs = pos.amount.log10()
    q = run(pos.aggregate(q1=logs.quantile(0.25), q3=logs.quantile(0.75))).iloc[0]
    huge = t.amount.abs() >= HUGE_AMOUNT
    if pd.isna(q["q1"]):
        cond, rule = huge, f"|amount| >= {HUGE_AMOUNT:.0e} (no positive amounts for a fence)"
    else:
        fence = outlier_fence(float(q["q1"]), float(q["q3"]), opts.outlier_k)
        cond = (t.amount > fence) | huge
        rule = (
            f"amount > {fence:,.2f} (log10 Q3 + {opts.outlier_k:g} x IQR of positive amounts, IQR at least "
            f"{MIN_LOG_IQR}) or |amount| >= {HUGE_AMOUNT:.0e}"
        )
    n, examples = _record_examples(t, cond)
    if opts.outliers == "drop":
        log.add("outliers", "amount", n, "dropped", rule, examples)
        return t.filter(~cond) if n else t
    if opts.outliers == "keep":
        log.add("outliers", "amount", n, "kept", rule, examples)
        return t
    log.add("outliers", "amount", n, "flagged", rule + "; column is_outlier", examples)
    return t.mutate(is_outlier=cond)
