"""Dates and timestamps written as text: format inference, day/month order, time zones, pandas' range."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.columns import _ARROW, Parsed, cell_texts

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
