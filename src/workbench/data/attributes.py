"""Customer attributes (nature, industry, size, region, signup date, account manager, ...).

:func:`load_customers` reads the optional attributes table (one row per customer) from the same
kinds of source as the transactions; :func:`join_attributes` adds it to a per-customer summary
and reports who is missing on either side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import pandas as pd

from workbench.data.cleaning_log import CleaningLog, format_examples
from workbench.data.columns import parse_text
from workbench.data.dates import DATE_RANGE, parse_timestamps
from workbench.engine import run
from workbench.data.parse import ambiguous_dates_error
from workbench.data.read import read_source, resolve_columns
from workbench.errors import ParamsError
from workbench.privacy import shown_ids

#: Attribute names with a conventional meaning; any other column of the source is kept as well.
ATTRIBUTES = ("nature", "industry", "size", "region", "signup_date", "account_manager")
REPORT_COLUMNS = list(CleaningLog.COLUMNS)


def load_customers(
    source: Any,
    columns: Mapping[str, Any] | None = None,
    *,
    order: Mapping[str, Sequence[str]] | None = None,
    missing: str = "drop",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    source_name: str | None = None,
) -> pd.DataFrame:
    """Customer attributes indexed by ``customer_id`` (str), one row per customer.

    Parameters
    ----------
    source
        A CSV/TSV/TXT, Parquet or Excel path, a DataFrame or an ibis Table (materialised: one row
        per customer is small), read as :func:`workbench.data.load.load_transactions` does.
    columns
        Name -> the source's column, e.g. ``{"customer_id": "客户编号", "nature": "客户性质"}``.
        Mapped columns take the given name; unmapped columns keep theirs. All columns are kept.
    order
        Ordered categories, e.g. ``{"size": ["small", "medium", "large"]}``; a value outside the
        list is an error naming the rows.
    missing
        Rows with an empty customer id: ``"drop"`` (default; reported) or ``"error"``.
    date_format, dayfirst, timezone
        For ``signup_date``, columns ending in ``_date`` and datetime columns (see
        :func:`workbench.data.dates.parse_timestamps`); an unreadable or out-of-range date is an
        error, and so are dates read both day-first and month-first unless ``dayfirst`` is given.
        Zone-aware dates keep their local wall-clock time unless ``timezone`` names a zone to
        convert them to first.

    Returns
    -------
    pandas.DataFrame
        Text attributes as ``pandas.Categorical`` (ordered for ``order``), dates as
        datetime64[ns], numbers unchanged; ``attrs["log"]`` holds the checks (same columns as the
        transactions log) and ``attrs["source"]`` the display name.

    Raises
    ------
    DataError
        Missing ``customer_id`` column, a column name repeated in the header, one source column
        mapped to two names, all ids empty, a customer id on several rows (the message
        names the rows), unreadable dates, values outside ``order``.
    """
    if missing not in ("drop", "error"):
        raise ParamsError(f"missing must be 'drop' or 'error', got {missing!r}")
    raw = read_source(source, columns=columns, sheet=sheet, encoding=encoding, delimiter=delimiter, source_name=source_name)
    frame = run(raw.data) if isinstance(raw.data, ibis.Table) else raw.data
    mapping = resolve_columns(raw, columns, ("customer_id",), ATTRIBUTES, extra=True)
    if raw.repeated:  # every column is kept: a repeated name is an error even when not mapped
        raise raw.repeated_error(next(iter(raw.repeated)))
    log = CleaningLog(raw.name, mapping)
    log.add("read", "", len(frame), "none", raw.detail)
    names = {label: name for name, label in mapping.items()}
    rows = pd.Series(range(1, len(frame) + 1), index=frame.index)

    ids = parse_text(frame[mapping["customer_id"]], is_id=True).values
    empty = ids.isna()
    if empty.all():
        raise log.error("customer_id", f"all {len(frame)} rows have an empty customer id")
    examples = format_examples(rows[empty], [""] * int(empty.sum()))
    if empty.any() and missing == "error":
        raise log.error("customer_id", f"{int(empty.sum())} row(s) with an empty customer id; examples: {examples}")
    log.add("missing_customer_id", "customer_id", int(empty.sum()), "dropped", "rows with an empty customer id", examples)
    frame, ids, rows = frame[~empty], ids[~empty], rows[~empty]
    _check_unique(ids, rows, log)
    log.add("duplicate_customer_id", "customer_id", 0, "none", "customer ids on more than one row (an error when found)")

    out = pd.DataFrame(index=pd.Index(ids.to_numpy(), name="customer_id", dtype=object))
    order = dict(order or {})
    for label in frame.columns:
        if label == mapping["customer_id"]:
            continue
        name = str(names.get(label, label))
        values = frame[label].reset_index(drop=True)
        attribute = _attribute(name, values, rows.reset_index(drop=True), log, order.get(name), date_format, dayfirst, timezone)
        out[name] = attribute.to_numpy() if not isinstance(attribute.dtype, pd.CategoricalDtype) else attribute.array
    unknown = [k for k in order if k not in out.columns]
    if unknown:
        raise ParamsError(f"order: unknown attribute(s) {unknown}; attributes are {list(out.columns)}")
    out.attrs["log"] = log.to_frame()
    out.attrs["source"] = raw.name
    return out


def _attribute(
    name: str, values: pd.Series, rows: pd.Series, log: CleaningLog, order: Sequence[str] | None,
    date_format: str | None, dayfirst: bool | None, timezone: str | None,
) -> pd.Series:
    """One attribute column: a date, a number as is, or text as (ordered) Categorical."""
    is_date = name == "signup_date" or name.endswith("_date") or pd.api.types.is_datetime64_any_dtype(values)
    if is_date:
        parsed = parse_timestamps(values, date_format=date_format, dayfirst=dayfirst, timezone=timezone)
        if parsed.ambiguous is not None:
            raise ambiguous_dates_error(log, name, parsed, rows[parsed.ambiguous], values[parsed.ambiguous])
        for bad, what in ((parsed.out_of_range, f"out of range ({DATE_RANGE})"), (parsed.invalid, "that cannot be read")):
            if bad.any():
                raise log.error(
                    name, f"{int(bad.sum())} row(s) with a date {what}; examples: "
                    f"{format_examples(rows[bad], values[bad])}. Pass date_format or fix the values."
                )
        log.add(f"{name}_format", name, 0, "none", parsed.detail)
        return parsed.values
    if order is None and isinstance(values.dtype, pd.CategoricalDtype):
        return values  # categories (and their order) as given
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) and order is None:
        return values
    text = parse_text(values).values
    if order is None:
        present = text.dropna().astype(str)
        numeric = present.str.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)") & ~present.str.match(r"[+-]?0\d")
        if len(present) and numeric.all():  # numbers written as text; codes with leading zeros stay text
            return pd.to_numeric(text)
        return pd.Series(pd.Categorical(text), index=values.index)
    outside = text.notna() & ~text.isin(list(order))
    if outside.any():
        raise log.error(
            name, f"{int(outside.sum())} row(s) with a value outside order {list(order)}; examples: "
            f"{format_examples(rows[outside], values[outside])}"
        )
    return pd.Series(pd.Categorical(text, categories=list(order), ordered=True), index=values.index)


def _check_unique(ids: pd.Series, rows: pd.Series, log: CleaningLog) -> None:
    dup = ids.duplicated(keep=False)
    if dup.any():
        n_ids = ids[dup].nunique()
        shown = shown_ids(ids[dup])
        raise log.error(
            "customer_id",
            f"{n_ids} customer id(s) appear on more than one row ({int(dup.sum())} rows); examples: "
            f"{format_examples(rows[dup], shown)}. Keep one row per customer.",
        )


def join_attributes(
    summary: pd.DataFrame, customers: pd.DataFrame, *, missing_label: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Left-join customer attributes onto a per-customer summary.

    ``summary`` is indexed by ``customer_id``; ``customers`` is indexed by ``customer_id`` (as from
    :func:`load_customers`) or has a ``customer_id`` column. Categorical attributes stay
    Categorical; with ``missing_label`` (e.g. ``"unknown"``) customers without attributes get that
    category instead of NaN in unordered categoricals (ordered ones stay NaN: an "unknown" has no
    rank). The summary's ``attrs`` are kept.

    Returns ``(summary_with_attributes, report)``; ``report`` has the transactions log's columns
    and rows ``matched``, ``customers_without_attributes`` and ``attributes_without_transactions``
    with counts and example ids.

    Raises ``DataError`` for a customer id on several attribute rows (naming the rows), attribute
    names that clash with summary columns, or no id in common (ids written differently, e.g.
    ``"00012"`` against ``12``).
    """
    name = customers.attrs.get("source", "customers")
    log = CleaningLog(name)
    attrs = customers.set_index("customer_id") if "customer_id" in customers.columns else customers
    attrs = attrs.copy()
    attrs.index = pd.Index(attrs.index, name="customer_id")
    positions = pd.Series(range(1, len(attrs) + 1), index=attrs.index)
    _check_unique(pd.Series(attrs.index, index=attrs.index), positions, log)
    clash = [c for c in attrs.columns if c in summary.columns]
    if clash:
        raise log.error(None, f"attribute column(s) {clash} also exist in the summary; rename them (columns=...)")
    have = summary.index.isin(attrs.index)
    extra = ~attrs.index.isin(summary.index)
    if len(summary) and len(attrs) and not have.any():
        raise log.error(
            "customer_id",
            f"no customer id in common with the summary (summary ids like {shown_ids(summary.index[:3])}, attribute ids "
            f"like {shown_ids(attrs.index[:3])}); check the id column and its format (leading zeros, numbers vs text)",
        )
    out = summary.join(attrs, how="left")
    if missing_label is not None:
        for col in attrs.columns:
            if isinstance(out[col].dtype, pd.CategoricalDtype) and not out[col].cat.ordered:
                if missing_label not in out[col].cat.categories:
                    out[col] = out[col].cat.add_categories([missing_label])
                out[col] = out[col].fillna(missing_label)
    out.attrs = dict(summary.attrs)
    log.add("matched", "customer_id", int(have.sum()), "none", f"summary customers with attributes, of {len(summary)}")
    log.add(
        "customers_without_attributes", "customer_id", int((~have).sum()),
        "flagged" if missing_label is None else "filled",
        "summary customers without an attribute row" + (f"; attributes set to {missing_label!r}" if missing_label else "; attributes NaN"),
        _ids(summary.index[~have]),
    )
    log.add(
        "attributes_without_transactions", "customer_id", int(extra.sum()), "dropped",
        "attribute rows whose customer has no transactions in the summary", _ids(attrs.index[extra]),
    )
    return out, log.to_frame()


def _ids(index: pd.Index, limit: int = 5) -> str:
    return ", ".join(repr(i) for i in shown_ids(index[:limit]))
