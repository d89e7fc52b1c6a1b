"""Reported cleaning of parsed transactions (the parsing stage is :mod:`workbench.data.parse`).

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

import ibis
import pandas as pd

from workbench.data.cleaning_log import CleaningLog, CleaningOptions, format_examples
from workbench.data.columns import HUGE_AMOUNT, MIN_LOG_IQR, N_EXAMPLES, REQUIRED
from workbench.engine import Workspace, run
from workbench.privacy import shown_records

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
    # "more than one distinct value" as min != max: distinct window counts are not SQL every
    # engine runs (Spark refuses them), and this is cheaper
    marked = t.mutate(
        _n_rows=t.count().over(w),
        _many_cust=(t.customer_id.min().over(w) != t.customer_id.max().over(w)).fill_null(False),
        _many_days=(purchase_day.min().over(w) != purchase_day.max().over(w)).fill_null(False),
    )
    conflict = marked._many_cust | marked._many_days
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
        else:  # the first non-empty value in row order (arg_min runs on every engine; first(order_by) not on Spark)
            aggs[c] = hit[c].argmin(ibis.ifelse(hit[c].isnull(), ibis.null("int64"), hit._row.cast("int64")))
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
