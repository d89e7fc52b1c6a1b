"""Per-customer RFM summary of a transaction log, with an optional calibration/holdout split.

The summary is built as ibis expressions and runs where the data lives: on an embedded, in-memory
DuckDB by default (Parquet and CSV files are scanned by DuckDB itself, so they never pass through
pandas and may be larger than memory), or on any ibis backend passed as ``con``. Only the
one-row-per-customer result comes back to pandas.

Definitions follow the "buy till you die" literature and ``lifetimes``
(``summary_data_from_transaction_data`` with ``freq="D"``, and ``freq_multiplier=7`` for weeks):
purchases on the same calendar day merge into one transaction, ages are whole days (or days / 7),
``frequency`` counts repeat transactions and ``monetary_value`` averages them.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis". Journal of Marketing Research 42(4), 415-430.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from typing import Any, Iterator, Mapping

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.data.conform import check_values, column_mapping, conformed_columns, describe, source_table, unwrap
from workbench.engine import Engine, engine_for, private_engine
from workbench.errors import DataError, ParamsError
from workbench.units import DAYS_PER_UNIT, days_per_unit

__all__ = ["rfm_summary", "TIME_UNITS"]

TIME_UNITS = DAYS_PER_UNIT  # one table for every layer (workbench.units)
"""Days per time unit: ``"D"`` days, ``"W"`` days / 7 (the BTYD papers' weeks, not calendar weeks)."""

#: Amounts are summed in this type (exact to 1e-9 of the currency unit, up to 1e29 per customer),
#: so sums do not depend on the order a multi-threaded engine adds them in.
MONEY_SUM_TYPE = "decimal(38, 9)"

#: Summary columns made from amounts: absent when the log has no ``amount`` (counts only).
MONEY_COLUMNS = ("monetary_value", "revenue", "revenue_holdout", "monetary_value_holdout")
_EPOCH = _dt.date(1970, 1, 1)


def rfm_summary(
    transactions: Any,
    *,
    observation_end: Any,
    time_unit: str = "D",
    calibration_end: Any = None,
    merge_same_day: bool = True,
    regularity: bool = False,
    columns: Mapping[str, str] | None = None,
    con: Any = None,
) -> pd.DataFrame:
    """One row per customer: frequency, recency, T, monetary value and revenue.

    Parameters
    ----------
    transactions
        The transaction log: a pandas DataFrame, an ibis Table, a path (``str`` or ``Path``) to a
        Parquet or CSV file, a glob of them, or a directory of Parquet files (scanned by the
        backend, never loaded into pandas), or an object whose ``.data`` holds one of these.
    observation_end
        Last day of observation, inclusive (a purchase on that day counts). Required: the summary
        never depends on "today". A time of day, if given, is ignored.
    time_unit
        ``"D"`` (days) or ``"W"`` (days / 7, the convention of the BTYD papers).
    calibration_end
        Optional last day of the calibration period, inclusive, before ``observation_end``. The
        calibration columns then use purchases up to it (with ``T`` measured to it), the holdout
        columns describe (calibration_end, observation_end], and customers whose first purchase
        falls after it are left out.
    merge_same_day
        Merge purchases of one customer on the same calendar day into one transaction (amounts
        summed), as in the BTYD literature. With ``False`` every row is a transaction: ``frequency``
        is the number of rows minus one and the first transaction is the earliest row (ties broken
        by the smaller amount); ages (``recency``, ``T``) stay in whole days in both modes.
    regularity
        Add ``sum_log_interpurchase``: the sum over each customer's repeat transactions (of the
        calibration period) of the log of the time since the previous transaction, in
        ``time_unit`` (0 without repeat transactions; BTYDplus' ``litt``). The (M)BG/CNBD-k models
        need it for the regularity of inter-purchase times. A customer with two transactions at
        the same time (possible only with ``merge_same_day=False``) has NaN: a gap of zero has no
        logarithm. Off by default: it costs one window over the transactions.
    columns
        Map from contract names to the source's names, e.g. ``{"customer_id": "cust",
        "timestamp": "date", "amount": "value"}``.
    con
        An ibis backend to run on; default: a fresh in-memory DuckDB, closed afterwards, whose
        memory is capped near 40 bytes per input row (at least 256 MiB; it spills to a private
        temporary folder beyond that, and runs again uncapped if it still runs out of memory).
        A backend you pass keeps its own settings, e.g.
        ``con=ibis.duckdb.connect(memory_limit="1GB")`` spills to its ``temp_directory`` above 1 GB.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (str, sorted), with ``frequency`` (repeat transactions),
        ``recency`` (last minus first purchase day), ``T`` (end of the period minus first purchase
        day), ``monetary_value`` (mean amount of the repeat transactions, 0 without any),
        ``revenue`` (all amounts), ``n_transactions``, ``first_purchase`` and ``last_purchase``
        (purchase days, datetime64[ns] at midnight). With ``calibration_end`` these describe the
        calibration period, and ``frequency_holdout`` (transactions in the holdout period),
        ``revenue_holdout``, ``monetary_value_holdout`` (mean holdout transaction, 0 without any)
        and ``duration_holdout`` are added. ``attrs`` holds ``observation_end`` and
        ``calibration_end`` (ISO dates such as ``"1998-06-30"``, or None), ``time_unit``,
        ``merge_same_day`` and ``amounts``: JSON values, so ``to_parquet`` keeps them. A log
        without an ``amount`` column (none mapped either: counts only) gives the same frame
        without the money columns (:data:`MONEY_COLUMNS`) and ``attrs["amounts"] = False``.

    Raises
    ------
    ParamsError
        A bad ``time_unit``, date, ``merge_same_day`` or ``columns`` (not a mapping, unknown keys).
    DataError
        A missing column, one source column for two contract names, a used column name repeated
        in a DataFrame, wrong column types, no rows, missing or unparsable values, infinite or NaN
        amounts (also a NaN stored as a value in Parquet), or no purchase in the period; the
        message names the column, the count and example rows.

    Notes
    -----
    The columns equal lifetimes' ``summary_data_from_transaction_data`` and
    ``calibration_and_holdout_data`` (``freq="D"``; ``freq_multiplier=7`` for ``"W"``) with one
    deliberate difference: lifetimes averages the *unmerged* holdout rows for
    ``monetary_value_holdout`` while counting merged days in ``frequency_holdout``; here both use
    the same transactions, so ``revenue_holdout == frequency_holdout * monetary_value_holdout``.

    Timestamps with a time zone are cut into days at their local wall-clock time, as
    :func:`workbench.data.load_transactions` reads them by default: on DuckDB (the default engine)
    in the zone of the column's type, which is the column's own zone for a pandas DataFrame but
    UTC for a zone-aware column of a Parquet or CSV file (DuckDB keeps instants, not their zone);
    other backends cut them in their session time zone. To cut days in another zone, convert
    first, e.g. ``load_transactions(..., timezone="Asia/Shanghai")``.

    Examples
    --------
    >>> summary = rfm_summary("orders.parquet", observation_end="1998-06-30", time_unit="W",
    ...                       calibration_end="1997-09-30")  # doctest: +SKIP
    """
    days_per_unit = _days_per_unit(time_unit)
    obs_end = as_day(observation_end, "observation_end")
    cal_end = None if calibration_end is None else as_day(calibration_end, "calibration_end")
    if cal_end is not None and cal_end >= obs_end:
        raise ParamsError(
            f"calibration_end ({cal_end}) must be before observation_end ({obs_end}); "
            "the holdout period is (calibration_end, observation_end]"
        )
    for name, flag in (("merge_same_day", merge_same_day), ("regularity", regularity)):
        if not isinstance(flag, (bool, np.bool_)):
            raise ParamsError(f"{name} must be True or False, got {flag!r}")

    with conformed_transactions(transactions, columns, con) as (engine, typed, n_rows, source_name):
        expr = _summary_expr(
            typed,
            obs_end=obs_end,
            cal_day=None if cal_end is None else (cal_end - _EPOCH).days,
            merge_same_day=merge_same_day,
            regularity=regularity,
            arg_min=engine.arg_min,
        )
        result = engine.to_pyarrow(expr, n_rows)

    if result.num_rows == 0:
        period_end = cal_end if cal_end is not None else obs_end
        raise DataError(
            f"{source_name}: no purchase on or before {period_end} "
            f"({'calibration_end' if cal_end is not None else 'observation_end'}); "
            "check the dates and the timestamp column"
        )
    columns = dict(zip(result.column_names, result.columns))
    del result  # _finish releases each column once converted
    frame = _finish(columns, days_per_unit, obs_end, cal_end)
    if "amount" not in typed.columns:
        frame = frame.drop(columns=[c for c in MONEY_COLUMNS if c in frame.columns])
    frame.attrs.update(  # plain JSON values, so to_parquet / to_json keep them
        observation_end=obs_end.isoformat(),
        calibration_end=None if cal_end is None else cal_end.isoformat(),
        time_unit=time_unit,
        merge_same_day=merge_same_day,
        amounts="amount" in typed.columns,
    )
    return frame


# ---------------------------------------------------------------------------------------------
# arguments


def _days_per_unit(time_unit: str) -> int:
    return days_per_unit(time_unit, "rfm_summary")


def as_day(value: Any, name: str) -> _dt.date:
    """A date parameter as a day (a time of day is ignored); ParamsError when missing or unreadable."""
    if value is None:
        raise ParamsError(f"{name} is required (a date such as '1998-06-30'); the summary never uses today")
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParamsError(f"{name} must be a date such as '1998-06-30', got {value!r}") from exc
    if stamp is pd.NaT:
        raise ParamsError(f"{name} must be a date such as '1998-06-30', got {value!r}")
    return stamp.date()


@contextlib.contextmanager
def conformed_transactions(transactions: Any, columns: Mapping[str, str] | None = None,
                           con: Any = None) -> Iterator[tuple[Engine, ir.Table, int, str]]:
    """The log on its engine as a table of the contract columns (checked: types, missing values),
    with its row count and its name for messages: what every per-customer query starts from."""
    mapping = column_mapping(columns)
    source_name = describe(transactions)
    inner = unwrap(transactions)
    own = con is None and not isinstance(inner, ir.Table)
    with _engine(con, inner, own=own) as engine:
        table = source_table(inner, mapping, engine, source_name, set(columns or {}))
        typed = conformed_columns(table, source_name, engine)
        n_rows = check_values(table, typed, source_name, engine)
        yield engine, table.select(**typed), n_rows, source_name


@contextlib.contextmanager
def _engine(con: Any, inner: Any, *, own: bool) -> Iterator[Engine]:
    """The engine of the given backend, a private one (DuckDB, memory-capped, closed afterwards,
    which frees its memory before the pandas conversion) for files and frames, or the engine of
    an ibis table's own backend."""
    if own:
        with private_engine() as engine:
            yield engine
    else:
        yield engine_for(con if con is not None else inner)


# ---------------------------------------------------------------------------------------------
# the summary


def _summary_expr(
    table: ir.Table, *, obs_end: _dt.date, cal_day: int | None, merge_same_day: bool, regularity: bool = False,
    arg_min=None,
) -> ir.Table:
    """Per-customer aggregates in whole days since the epoch (derived columns come later)."""
    arg_min = arg_min or (lambda value, key: value.argmin(key))
    end = _dt.datetime.combine(obs_end + _dt.timedelta(days=1), _dt.time())
    rows = table.filter(table.timestamp < end)  # on the raw column, so files can skip row groups
    rows = rows.mutate(day=rows.timestamp.date().epoch_days().cast("int32"))  # a narrow group key
    if "amount" not in rows.columns:  # a count-only log: the same transactions, no money
        rows = rows.mutate(amount=ibis.literal(0.0))
    if merge_same_day:
        tx = rows.group_by(["customer_id", "day"]).aggregate(amount=_money_sum(rows.amount))
    else:
        order = [rows.timestamp, rows.amount]
        tx = rows.mutate(position=ibis.row_number().over(group_by=rows.customer_id, order_by=order))
    if regularity:  # each transaction's gap in days to the customer's previous one (NULL for the first)
        previous = tx.day.lag().over(group_by=tx.customer_id, order_by=tx.day if merge_same_day else tx.position)
        tx = tx.mutate(gap=tx.day - previous)
    # merged: days are unique within a customer; unmerged: the first row by (time, amount)
    first_amount = arg_min(tx.amount, tx.day) if merge_same_day else _money_sum(tx.amount, where=tx.position == 0)
    cal = None if cal_day is None else tx.day <= cal_day
    aggregates = {
        "n_transactions": tx.count(where=cal),
        "first_day": tx.day.min(where=cal),
        "last_day": tx.day.max(where=cal),
        "revenue": _money_sum(tx.amount, where=cal),
        "first_amount": first_amount,
    }
    if regularity:
        repeat = tx.gap.notnull() if cal is None else tx.gap.notnull() & cal
        aggregates["log_gap_days"] = ibis.greatest(tx.gap, 1).cast("float64").ln().sum(where=repeat)
        aggregates["zero_gaps"] = (tx.gap == 0).sum(where=repeat)
    if cal is not None:
        aggregates["frequency_holdout"] = tx.count(where=~cal)
        aggregates["revenue_holdout"] = _money_sum(tx.amount, where=~cal)
    per_customer = tx.group_by("customer_id").aggregate(**aggregates)
    return per_customer.filter(per_customer.n_transactions > 0).order_by("customer_id")


def _money_sum(amount: ir.NumericColumn, where: ir.BooleanValue | None = None) -> ir.FloatingScalar:
    """A sum of amounts, exact in :data:`MONEY_SUM_TYPE`, as float64: the same bits in any order."""
    return amount.cast(MONEY_SUM_TYPE).sum(where=where).cast("float64")


def _finish(columns: dict[str, pa.ChunkedArray], days_per_unit: int, obs_end: _dt.date,
            cal_end: _dt.date | None) -> pd.DataFrame:
    """Derive the contract columns from the per-customer aggregates (numpy on one row per customer).

    Consumes ``columns``: each Arrow column is released once converted, and the frame keeps the
    numpy arrays as they are (no consolidating copy), so the peak stays near the result's size.
    """

    def take(name: str, dtype: Any) -> np.ndarray:  # writable: Arrow's zero-copy views are not
        values = columns.pop(name).to_numpy(zero_copy_only=False)
        return values.astype(dtype, copy=not values.flags.writeable)

    index = pd.Index(take("customer_id", object), dtype=object, name="customer_id", copy=False)
    first, last = take("first_day", np.int64), take("last_day", np.int64)
    n = take("n_transactions", np.int64)
    revenue = take("revenue", np.float64)
    frequency = n - 1
    end_day = ((cal_end if cal_end is not None else obs_end) - _EPOCH).days
    data = {
        "frequency": frequency,
        "recency": (last - first) / days_per_unit,
        "T": (end_day - first) / days_per_unit,
        "monetary_value": _mean_or_zero(revenue - take("first_amount", np.float64), frequency),
        "revenue": revenue,
        "n_transactions": n,
        "first_purchase": _days_to_timestamps(first),
        "last_purchase": _days_to_timestamps(last),
    }
    del first, last
    if "log_gap_days" in columns:  # log(gap / days_per_unit) summed: subtract log(days_per_unit) per gap
        log_days = np.nan_to_num(take("log_gap_days", np.float64), nan=0.0, copy=False)
        regular = log_days - frequency * np.log(days_per_unit)
        data["sum_log_interpurchase"] = np.where(take("zero_gaps", np.float64) > 0, np.nan, regular)  # NULL: no repeats
    if cal_end is not None:
        holdout_n = take("frequency_holdout", np.int64)
        holdout_revenue = np.nan_to_num(take("revenue_holdout", np.float64), nan=0.0, copy=False)
        data["frequency_holdout"] = holdout_n
        data["revenue_holdout"] = holdout_revenue
        data["monetary_value_holdout"] = _mean_or_zero(holdout_revenue, holdout_n)
        data["duration_holdout"] = np.full(len(n), (obs_end - cal_end).days / days_per_unit)
    return pd.DataFrame(data, index=index, copy=False)


def _mean_or_zero(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    out = np.zeros(len(count), dtype=np.float64)
    np.divide(total, count, out=out, where=count > 0)
    return out


def _days_to_timestamps(days: np.ndarray) -> np.ndarray:
    return (days * 86_400_000_000_000).view("datetime64[ns]")  # one array, no datetime64[D] step
