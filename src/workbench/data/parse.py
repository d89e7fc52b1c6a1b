"""The parsing stage: the user's columns into the contract types, rows with missing or unreadable
values screened and logged; in pandas for files and DataFrames (:func:`parse_frame`), with ibis
expressions for engine tables (:func:`parse_table`)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pandas as pd

from workbench.data.amounts import _COMMA_GROUPED_RE, _CURRENCY_RE, _SPACE_RE, ambiguous_decimal_commas, parse_amounts
from workbench.data.cleaning_log import CleaningLog, CleaningOptions, _show, format_examples, log_id_spaces
from workbench.data.columns import (
    ID_COLUMNS,
    N_EXAMPLES,
    NA_TOKENS,
    NO_AMOUNTS,
    OPTIONAL,
    REQUIRED,
    Parsed,
    cell_texts,
    parse_text,
)
from workbench.data.dates import DATE_RANGE, _parse_dates_with, parse_timestamps, zone_note
from workbench.engine import Engine, engine_for, run
from workbench.errors import DataError
from workbench.privacy import shown_ids


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
    engine = engine_for(t)
    for name, value in raw.items():
        if name == "timestamp":
            parsed[name], notes[name] = _ibis_timestamp(value, t[mapping[name]].type(), log)
            parsed[name], notes["timezone"] = engine.local_time(parsed[name], opts.timezone)
        elif name in ("amount", "quantity"):
            parsed[name] = _ibis_number(value, log, name, engine)
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
        action = "zone dropped" if opts.timezone is None and engine.name == "duckdb" else "converted"
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


def _ibis_timestamp(value: ibis.Value, source_type: dt.DataType, log: CleaningLog) -> tuple[ibis.Value, str]:
    """Timestamps from the engine's column; a zone-aware one stays aware (see :meth:`workbench.engine.Engine.local_time`)."""
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


def _ibis_number(value: ibis.Value, log: CleaningLog, name: str, engine: Engine) -> ibis.Value:
    """Numbers as float64; NaN and infinite values as null (then reported as not a number)."""
    typ = value.type()
    if typ.is_numeric():
        number = value.cast("float64")
        return number if typ.is_integer() else ibis.ifelse(engine.finite(number), number, ibis.null("float64"))
    if typ.is_string():
        text = value.re_replace(_CURRENCY_RE, "").re_replace(_SPACE_RE, "").re_replace(r"^\((.*)\)$", "-\\1")
        grouped = text.re_search(f"^{_COMMA_GROUPED_RE}$")
        return ibis.ifelse(grouped, text.re_replace(",", ""), text).try_cast("float64")
    raise log.error(name, f"engine type {typ} cannot be read as a number")
