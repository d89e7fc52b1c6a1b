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

The threshold may differ per customer (a percentile of the gaps within their tier:
:func:`tier_thresholds`), and known churn or contract-end dates replace the rule for the customers
who have one: they churned on that date, and it is known at once (their threshold is 0).

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

from workbench.data.columns import N_EXAMPLES
from workbench.errors import DataError, ParamsError
from workbench.privacy import shown_ids
from workbench.summary import as_day, conformed_transactions
from workbench.units import days_per_unit

_EPOCH = _dt.date(1970, 1, 1)


def churn_durations(transactions: Any, *, observation_end: Any, inactivity_days: float | pd.Series, time_unit: str = "D",
                    churn_dates: pd.Series | None = None, columns: Mapping[str, str] | None = None,
                    con: Any = None) -> pd.DataFrame:
    """One row per customer (index ``customer_id``), times in units of ``time_unit``:
    ``duration`` (the lifetime; censored at age - threshold, not below 0), ``churned`` (True: the
    churn showed by ``observation_end``), ``until_known`` (when the churn shows: lifetime +
    threshold; censored at the age), ``earliest_known`` (the earliest it can show given the
    purchases so far), ``age`` (time from the first purchase to ``observation_end``),
    ``first_purchase``, ``last_purchase``,
    ``churn_day`` (the last purchase before the first long gap, NaT when censored),
    ``purchase_days``, ``days_after_churn`` (purchase days after that gap: won back),
    ``threshold_days`` (each customer's threshold; 0 for a known churn date) and ``dated`` (the
    churn comes from ``churn_dates``).

    ``inactivity_days`` is one threshold for everyone or a Series customer_id -> days (e.g. a
    percentile of the gaps within each tier, :func:`tier_thresholds`) covering every customer.
    ``churn_dates`` (customer_id -> date) gives known churn or contract-end dates: a customer with
    a date on or before ``observation_end`` churned that day (known at once: threshold 0);
    a later date means known active at ``observation_end`` (censored at the age); customers
    without a date (absent or NaT) follow the inactivity rule.

    ``transactions`` and ``columns`` are read as by :func:`workbench.summary.rfm_summary`.
    """
    end = as_day(observation_end, "observation_end")
    unit = days_per_unit(time_unit, "churn_durations")
    per_customer = isinstance(inactivity_days, pd.Series)
    threshold = None if per_customer else _threshold(inactivity_days)
    spec = _customer_spec(inactivity_days if per_customer else None, churn_dates)
    with conformed_transactions(transactions, columns, con) as (engine, table, n_rows, source_name):
        result = engine.to_pyarrow(_durations_expr(table, end, threshold, spec), n_rows)
    if result.num_rows == 0:
        raise DataError(f"{source_name}: no purchase on or before {end} (observation_end)")
    frame = result.to_pandas().set_index("customer_id")
    frame.index = frame.index.astype(str)
    _check_spec(frame, source_name)
    churn = frame["churn_day"]
    churned = churn.notna().to_numpy()
    first = frame["first_day"].to_numpy(dtype=float)
    theta = frame["threshold"].to_numpy(dtype=float)
    age = (end - _EPOCH).days - first
    lifetime = np.where(churned, churn.to_numpy(dtype=float) - first, np.maximum(age - theta, 0.0))
    seen = frame["last_day"].to_numpy(dtype=float) - first + theta
    out = pd.DataFrame({
        "duration": lifetime / unit,
        "churned": churned,
        "until_known": np.where(churned, lifetime + theta, age) / unit,
        "earliest_known": np.where(churned, lifetime + theta, np.maximum(seen, age)) / unit,
        "age": age / unit,
        "first_purchase": _days(frame["first_day"]),
        "last_purchase": _days(frame["last_day"]),
        "churn_day": _days(churn),
        "purchase_days": frame["purchase_days"].to_numpy(dtype=np.int64),
        "days_after_churn": frame["days_after_churn"].fillna(0).to_numpy(dtype=np.int64),
        "threshold_days": theta,
        "dated": frame["dated"].to_numpy(dtype=bool),
    }, index=frame.index.rename("customer_id"))
    out.attrs.update(observation_end=end.isoformat(), time_unit=time_unit,
                     inactivity_days=threshold if threshold is not None else "per customer")
    return out


def tier_thresholds(transactions: Any, tiers: pd.Series, *, observation_end: Any, quantile: float = 0.9,
                    min_gaps: int = 30, columns: Mapping[str, str] | None = None, con: Any = None) -> pd.DataFrame:
    """The ``quantile`` of the gaps between purchase days within each tier (``tiers``:
    customer_id -> label): one table row per tier with ``customers``, ``gaps``,
    ``threshold_days`` and ``pooled`` (True: fewer than ``min_gaps`` gaps, so the tier takes the
    quantile over every customer). Customers absent from ``tiers`` count in the pooled quantile
    only. Map it to customers with ``tiers.map(table["threshold_days"])``."""
    _quantile(quantile)
    if not isinstance(tiers, pd.Series) or tiers.index.has_duplicates:
        raise ParamsError("tier_thresholds: tiers must be a Series customer_id -> tier with one row per customer")
    end = as_day(observation_end, "observation_end")
    labels = pd.DataFrame({"customer_id": tiers.index.astype(str), "tier": tiers.astype(str).to_numpy()})
    with conformed_transactions(transactions, columns, con) as (engine, table, n_rows, source_name):
        gaps = _gaps(table, end)
        pooled = engine.to_pyarrow(gaps.aggregate(n=gaps.count(), q=gaps.gap.quantile(quantile)), n_rows)
        joined = gaps.join(ibis.memtable(labels), "customer_id")
        per_tier = engine.to_pyarrow(joined.group_by("tier").aggregate(
            gaps=joined.count(), threshold_days=joined.gap.quantile(quantile)), n_rows).to_pandas()
    if not pooled.column("n")[0].as_py():
        raise DataError(f"{source_name}: no customer bought on two days up to {end}, so there is no gap to take a quantile of")
    overall = float(pooled.column("q")[0].as_py())
    order = tiers.cat.categories.astype(str) if isinstance(tiers.dtype, pd.CategoricalDtype) else pd.unique(labels["tier"])
    out = per_tier.set_index("tier").reindex(pd.Index(order, name="tier"))
    out.insert(0, "customers", labels["tier"].value_counts().reindex(out.index).fillna(0).astype(int))
    out["gaps"] = out["gaps"].fillna(0).astype(int)
    out["pooled"] = out["gaps"] < min_gaps
    out["threshold_days"] = out["threshold_days"].where(~out["pooled"], overall).astype(float)
    out.attrs.update(quantile=quantile, overall_days=overall)
    return out


def gap_quantile(transactions: Any, *, observation_end: Any, quantile: float = 0.9,
                 columns: Mapping[str, str] | None = None, con: Any = None) -> float:
    """The ``quantile`` of the gaps (days) between a customer's consecutive purchase days, over
    every customer: a percentile rule for the inactivity threshold. DataError when nobody bought
    on two days."""
    _quantile(quantile)
    end = as_day(observation_end, "observation_end")
    with conformed_transactions(transactions, columns, con) as (engine, table, n_rows, source_name):
        gaps = _gaps(table, end)
        result = engine.to_pyarrow(gaps.aggregate(n=gaps.count(), q=gaps.gap.quantile(quantile)), n_rows)
    n, value = result.column("n")[0].as_py(), result.column("q")[0].as_py()
    if not n:
        raise DataError(f"{source_name}: no customer bought on two days up to {end}, so there is no gap to take a quantile of")
    return float(value)


def _quantile(value: Any) -> None:
    if isinstance(value, bool) or not (isinstance(value, (int, float)) and 0 < value < 1):
        raise ParamsError(f"quantile must be a fraction between 0 and 1 (exclusive), got {value!r}")


def _gaps(table: ir.Table, end: _dt.date) -> ir.Table:
    """(customer, day, gap): the days from each purchase day to the customer's next one."""
    days = _purchase_days(table, end)
    gaps = days.filter(days.next_day.notnull())
    return gaps.mutate(gap=(gaps.next_day - gaps.day).cast("float64"))


def _customer_spec(thresholds: pd.Series | None, churn_dates: pd.Series | None) -> pd.DataFrame | None:
    """customer_id, threshold (float, NaN = the common one), churn_date (epoch day, NaN = none)
    and dated, for the customers with their own threshold or a churn date; None when nobody has."""
    if thresholds is None and churn_dates is None:
        return None
    parts = {}
    if thresholds is not None:
        values = pd.to_numeric(thresholds, errors="coerce").astype(float)
        bad = ~(np.isfinite(values.to_numpy()) & (values.to_numpy() > 0))
        if bad.any():
            shown = ", ".join(shown_ids(values.index[bad][:N_EXAMPLES]))
            raise ParamsError(f"inactivity_days: {int(bad.sum())} customers have no positive number of days as their "
                              f"threshold (e.g. {shown})")
        parts["threshold"] = _unique_ids(values, "inactivity_days")
    if churn_dates is not None:
        try:
            dates = pd.to_datetime(churn_dates, errors="raise")
        except (ValueError, TypeError) as exc:
            raise ParamsError(f"churn_dates: not dates ({exc})") from None
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_localize(None)
        epoch = (dates.dt.normalize() - pd.Timestamp(_EPOCH)).dt.days.astype(float)
        parts["churn_date"] = _unique_ids(epoch, "churn_dates")
    spec = pd.DataFrame(parts)
    spec["dated"] = spec["churn_date"].notna() if "churn_date" in spec else False
    return spec.reindex(columns=["threshold", "churn_date", "dated"]).rename_axis("customer_id").reset_index()


def _unique_ids(values: pd.Series, who: str) -> pd.Series:
    values = values.copy()
    values.index = values.index.astype(str)
    if values.index.has_duplicates:
        shown = ", ".join(shown_ids(values.index[values.index.duplicated()].unique()[:N_EXAMPLES]))
        raise ParamsError(f"{who}: customers listed twice (e.g. {shown})")
    return values


def _check_spec(frame: pd.DataFrame, source_name: str) -> None:
    """Every customer has a threshold, and no churn date precedes the first purchase."""
    missing = frame.index[frame["threshold"].isna().to_numpy()]
    if len(missing):
        raise ParamsError(f"inactivity_days: {len(missing)} customers of {source_name} have no threshold "
                          f"(e.g. {', '.join(shown_ids(missing[:N_EXAMPLES]))}); give one per customer")
    early = frame.index[(frame["dated"] & (frame["churn_day"] < frame["first_day"])).to_numpy()]
    if len(early):
        raise DataError(f"churn_dates: {len(early)} customers of {source_name} churned before their first purchase "
                        f"(e.g. {', '.join(shown_ids(early[:N_EXAMPLES]))}); check the dates")


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


def _durations_expr(table: ir.Table, end: _dt.date, threshold: float | None, spec: pd.DataFrame | None) -> ir.Table:
    days = _purchase_days(table, end)
    end_day = (end - _EPOCH).days
    common = ibis.literal(threshold if threshold is not None else None, type="float64")
    if spec is None:
        theta, dated, date = common, ibis.literal(False), ibis.null("float64")
    else:
        known = ibis.memtable(spec.astype({"threshold": "float64", "churn_date": "float64", "dated": "bool"}))
        days = days.left_join(known, days.customer_id == known.customer_id).select(
            days.customer_id, days.day, days.next_day, known.threshold, known.churn_date, known.dated)
        theta, dated, date = ibis.coalesce(days.threshold, common), days.dated.fill_null(False), days.churn_date
    gap = ibis.coalesce(days.next_day, ibis.literal(end_day)) - days.day
    rule_churn = ibis.ifelse(gap > theta, days.day, ibis.null("int32")).min().over(ibis.window(group_by=days.customer_id))
    dated_churn = ibis.ifelse(date <= end_day, date.cast("int32"), ibis.null("int32"))
    days = days.mutate(churn_day=ibis.ifelse(dated, dated_churn, rule_churn), theta=ibis.ifelse(dated, 0.0, theta),
                       is_dated=dated)
    return days.group_by("customer_id").aggregate(
        first_day=days.day.min(),
        last_day=days.day.max(),
        churn_day=days.churn_day.max(),
        purchase_days=days.count(),
        days_after_churn=days.count(where=days.day > days.churn_day),
        threshold=days.theta.max(),
        dated=days.is_dated.any(),
    ).order_by("customer_id")


def _days(values: pd.Series) -> np.ndarray:
    """Epoch days (nullable) as datetime64[ns] at midnight (NaT for missing)."""
    numbers = values.to_numpy(dtype=float)
    out = np.full(len(numbers), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.isfinite(numbers)
    out[ok] = (numbers[ok].astype(np.int64) * 86_400_000_000_000).astype("datetime64[ns]")
    return out
