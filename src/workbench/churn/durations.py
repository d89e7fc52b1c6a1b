"""Churn inferred from inactivity: a customer churns at the last purchase before a gap longer than
the threshold.

Non-contractual data never show churn, so it is defined from the purchase days (same-day purchases
are one day): with purchase days d1 < ... < dm up to ``observation_end`` E and a threshold θ, the
customer churns at the first d_i whose gap to the next purchase (to E after the last one) is
longer than θ (a gap of exactly θ is not churn). The lifetime is d_i - d1, and the churn shows θ
later, at d_i + θ (``until_known`` = lifetime + θ, the time scale of the churn models).

A customer whose churn has not shown by E is right-censored at E: their churn can only show
after E, so ``until_known`` > E - d1 (their ``age``) and the lifetime > age - θ. Censoring at the
last purchase instead (the lifetime is at least dm - d1) would use more of what is known, but it
is informative: the moment a customer's inactivity could run out is the moment they are most
likely to churn, and removing them from the risk set exactly then biases the hazard down (on
CDNOW it fell to a tenth of its level near the end of the window). That bound is kept as
``earliest_known`` (dm - d1 + θ) for predictions, which may condition on it. Purchases after a
churn gap (a won-back customer) are counted in ``days_after_churn``; the lifetime is the first
spell.

The queries run on the log's engine (DuckDB by default), so they scale as the summary does.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from workbench.errors import DataError, ParamsError
from workbench.summary import as_day, conformed_transactions
from workbench.units import days_per_unit

_EPOCH = _dt.date(1970, 1, 1)


def churn_durations(transactions: Any, *, observation_end: Any, inactivity_days: float, time_unit: str = "D",
                    columns: Mapping[str, str] | None = None, con: Any = None) -> pd.DataFrame:
    """One row per customer (index ``customer_id``), times in units of ``time_unit``:
    ``duration`` (the lifetime; censored at age - threshold, not below 0), ``churned`` (True: the
    churn showed by ``observation_end``), ``until_known`` (when the churn shows: lifetime +
    threshold; censored at the age), ``earliest_known`` (the earliest it can show given the
    purchases so far), ``age`` (time from the first purchase to ``observation_end``),
    ``first_purchase``, ``last_purchase``,
    ``churn_day`` (the last purchase before the first long gap, NaT when censored),
    ``purchase_days`` and ``days_after_churn`` (purchase days after that gap: won back).

    ``transactions`` and ``columns`` are read as by :func:`workbench.summary.rfm_summary`.
    """
    end = as_day(observation_end, "observation_end")
    threshold = _threshold(inactivity_days)
    unit = days_per_unit(time_unit, "churn_durations")
    with conformed_transactions(transactions, columns, con) as (engine, table, n_rows, source_name):
        result = engine.to_pyarrow(_durations_expr(table, end, threshold), n_rows)
    if result.num_rows == 0:
        raise DataError(f"{source_name}: no purchase on or before {end} (observation_end)")
    frame = result.to_pandas().set_index("customer_id")
    churn = frame["churn_day"]
    churned = churn.notna().to_numpy()
    first = frame["first_day"].to_numpy(dtype=float)
    age = (end - _EPOCH).days - first
    lifetime = np.where(churned, churn.to_numpy(dtype=float) - first, np.maximum(age - threshold, 0.0))
    earliest = np.where(churned, lifetime, frame["last_day"].to_numpy(dtype=float) - first) + threshold
    out = pd.DataFrame({
        "duration": lifetime / unit,
        "churned": churned,
        "until_known": np.where(churned, lifetime + threshold, age) / unit,
        "earliest_known": earliest / unit,
        "age": age / unit,
        "first_purchase": _days(frame["first_day"]),
        "last_purchase": _days(frame["last_day"]),
        "churn_day": _days(churn),
        "purchase_days": frame["purchase_days"].to_numpy(dtype=np.int64),
        "days_after_churn": frame["days_after_churn"].fillna(0).to_numpy(dtype=np.int64),
    }, index=frame.index.astype(str).rename("customer_id"))
    out.attrs.update(observation_end=end.isoformat(), inactivity_days=threshold, time_unit=time_unit)
    return out


def gap_quantile(transactions: Any, *, observation_end: Any, quantile: float = 0.9,
                 columns: Mapping[str, str] | None = None, con: Any = None) -> float:
    """The ``quantile`` of the gaps (days) between a customer's consecutive purchase days, over
    every customer: a percentile rule for the inactivity threshold. DataError when nobody bought
    on two days."""
    if not (isinstance(quantile, (int, float)) and 0 < quantile < 1):
        raise ParamsError(f"quantile must be a fraction between 0 and 1 (exclusive), got {quantile!r}")
    end = as_day(observation_end, "observation_end")
    with conformed_transactions(transactions, columns, con) as (engine, table, n_rows, source_name):
        days = _purchase_days(table, end)
        gaps = days.filter(days.next_day.notnull())
        gaps = gaps.mutate(gap=(gaps.next_day - gaps.day).cast("float64"))
        result = engine.to_pyarrow(gaps.aggregate(n=gaps.count(), q=gaps.gap.quantile(quantile)), n_rows)
    n, value = result.column("n")[0].as_py(), result.column("q")[0].as_py()
    if not n:
        raise DataError(f"{source_name}: no customer bought on two days up to {end}, so there is no gap to take a quantile of")
    return float(value)


def _threshold(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
        raise ParamsError(f"inactivity_days must be a positive number of days, got {value!r}")
    return float(value)


def _purchase_days(table: ir.Table, end: _dt.date) -> ir.Table:
    """Distinct (customer, day) up to ``end`` with the next purchase day (null after the last)."""
    stop = _dt.datetime.combine(end + _dt.timedelta(days=1), _dt.time())
    rows = table.filter(table.timestamp < stop)
    days = rows.select(customer_id=rows.customer_id, day=rows.timestamp.date().epoch_days().cast("int32")).distinct()
    window = ibis.window(group_by=days.customer_id, order_by=days.day)
    return days.mutate(next_day=days.day.lead().over(window))


def _durations_expr(table: ir.Table, end: _dt.date, threshold: float) -> ir.Table:
    days = _purchase_days(table, end)
    end_day = (end - _EPOCH).days
    gap = ibis.coalesce(days.next_day, ibis.literal(end_day)) - days.day
    days = days.mutate(long_gap=gap > threshold)
    churn_day = ibis.ifelse(days.long_gap, days.day, ibis.null("int32")).min().over(ibis.window(group_by=days.customer_id))
    days = days.mutate(churn_day=churn_day)
    return days.group_by("customer_id").aggregate(
        first_day=days.day.min(),
        last_day=days.day.max(),
        churn_day=days.churn_day.max(),
        purchase_days=days.count(),
        days_after_churn=days.count(where=days.day > days.churn_day),
    ).order_by("customer_id")


def _days(values: pd.Series) -> np.ndarray:
    """Epoch days (nullable) as datetime64[ns] at midnight (NaT for missing)."""
    numbers = values.to_numpy(dtype=float)
    out = np.full(len(numbers), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.isfinite(numbers)
    out[ok] = (numbers[ok].astype(np.int64) * 86_400_000_000_000).astype("datetime64[ns]")
    return out
