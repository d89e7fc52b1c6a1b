"""Holdout validation of CLV models: tracking, conditional expectations, errors and ranking.

The figures follow Fader, Hardie & Lee (2005): cumulative and weekly repeat transactions of the
cohort, expected against actual over calibration and holdout; mean holdout purchases by
calibration frequency; plus per-customer errors against naive baselines and how well predicted
CLV ranks customers by holdout revenue.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284 (figures 2-4).
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "A Note on Implementing the Pareto/NBD Model
in MATLAB". http://brucehardie.com/notes/008/ (cumulative tracking).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
from scipy import stats

from workbench.engine import as_table, run
from workbench.errors import DataError, ParamsError
from workbench.privacy import shown_ids
from workbench.units import days_per_unit

__all__ = ["tracking", "predict_holdout", "conditional_expectations", "holdout_errors", "clv_ranking"]



def _purchase_days(transactions: pd.DataFrame | ibis.Table, observation_end) -> tuple[pd.Series, pd.Series]:
    """Customers per first-purchase day and repeat purchase days per day (a customer's purchase
    days after their first, same-day purchases merged), up to ``observation_end``: two small
    engine aggregates, so a lazy source is never brought into pandas."""
    t = as_table(transactions)
    for col in ("customer_id", "timestamp"):
        if col not in t.columns:
            raise DataError(f"tracking: required column {col!r} missing from the transactions")
    end = None if observation_end is None else pd.Timestamp(observation_end).date()
    days = t.select(customer_id=t.customer_id.cast("string"), day=t.timestamp.date(), missing=t.timestamp.isnull())
    kept = days.filter(~days.missing if end is None else days.day <= end).drop("missing").distinct()
    first = kept.group_by("customer_id").aggregate(first=kept.day.min())
    both = kept.join(first, "customer_id")
    per_day = both.group_by("day").aggregate(firsts=(both.day == both.first).sum(), repeats=(both.day > both.first).sum())
    counts = run(per_day.union(  # one query: the per-day counts and, as a row without a day, the missing dates
        days.aggregate(day=ibis.null("date"), firsts=days.missing.sum(), repeats=ibis.literal(0, "int64"))
    ))
    bad = int(counts.loc[counts["day"].isna(), "firsts"].sum())
    if bad:
        raise DataError(f"tracking: column 'timestamp' is missing in {bad} rows; clean the log first (load_transactions)")
    counts = counts[counts["day"].notna()]
    index = pd.DatetimeIndex(pd.to_datetime(counts["day"]), name="day")

    def by_day(column: str) -> pd.Series:
        values = pd.Series(counts[column].to_numpy(dtype=float), index=index).sort_index()
        return values[values > 0]

    return by_day("firsts"), by_day("repeats")


def tracking(
    model,
    transactions: pd.DataFrame,
    *,
    time_unit: str = "W",
    observation_end=None,
    calibration_end=None,
) -> pd.DataFrame:
    """Expected against actual repeat transactions of the whole cohort, per time unit.

    ``transactions`` is a pandas frame or an ibis table (a lazy source: the counts run on its
    engine). The cohort is every customer in ``transactions``; customer i, first seen on day t0_i, is
    expected to make E[X(t - t0_i)] repeat purchases by time t (the model's unconditional
    expectation for a new customer), and the expected cumulative total is their sum. Actual
    repeat transactions are the purchase days after each customer's first (same-day purchases
    merged), counted before each boundary. Boundaries are every ``time_unit`` (``"W"``: 7 days,
    ``"D"``: 1 day) after the first purchase day of the cohort, as long as the period before
    them ends by ``observation_end`` (included); a last partial period is left out.

    Returns a DataFrame indexed by ``t`` (time units since the cohort's first day) with the
    boundary ``date`` and columns ``actual``, ``expected`` (per period) and
    ``actual_cumulative``, ``expected_cumulative``; ``attrs`` keeps ``calibration_end`` and
    ``time_unit`` for plotting. Equal to lifetimes' ``expected_cumulative_transactions`` with
    ``freq="D", freq_multiplier=7``.
    """
    step = days_per_unit(time_unit, "tracking")
    cohorts, repeats = _purchase_days(transactions, observation_end)  # customers per first day
    if cohorts.empty:
        raise DataError("tracking: no transactions up to observation_end")
    start = cohorts.index.min()
    last_day = max(cohorts.index.max(), repeats.index.max()) if len(repeats) else cohorts.index.max()
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else last_day
    n_steps = int(((end - start).days + 1) // step)  # whole periods; the end day is included
    boundaries = start + pd.to_timedelta(np.arange(1, n_steps + 1) * step, unit="D")

    age_days = (boundaries.to_numpy()[:, None] - cohorts.index.to_numpy()[None, :]) / np.timedelta64(1, "D")
    ages = np.clip(age_days, 0, None) / step
    expected_each = model.expected_purchases(ages.ravel()).reshape(ages.shape)
    expected_cum = (np.where(age_days > 0, expected_each, 0.0) * cohorts.to_numpy()[None, :]).sum(axis=1)
    repeats_before = np.concatenate([[0.0], np.cumsum(repeats.to_numpy())])
    actual_cum = repeats_before[np.searchsorted(repeats.index.to_numpy(), boundaries.to_numpy(), side="left")]

    out = pd.DataFrame(
        {
            "date": boundaries,
            "actual": np.diff(actual_cum, prepend=0.0),
            "expected": np.diff(expected_cum, prepend=0.0),
            "actual_cumulative": actual_cum,
            "expected_cumulative": expected_cum,
        },
        index=pd.Index(np.arange(1, n_steps + 1) * 1.0, name="t"),
    )
    cal = None if calibration_end is None else pd.Timestamp(calibration_end)
    out.attrs.update(time_unit=time_unit, calibration_end=cal)
    return out


def _holdout_columns(summary: pd.DataFrame, source: str) -> None:
    for col in ("frequency", "frequency_holdout", "duration_holdout"):
        if col not in summary.columns:
            raise DataError(
                f"{source}: required column {col!r} missing from the summary (build it with a calibration_end)"
            )


def predict_holdout(model, summary: pd.DataFrame) -> pd.Series:
    """Each customer's conditional expected purchases over their own ``duration_holdout``."""
    _holdout_columns(summary, "predict_holdout")
    out = pd.Series(np.nan, index=summary.index, name="predicted")
    for duration, rows in summary.groupby("duration_holdout").groups.items():
        out.loc[rows] = model.conditional_expected_purchases(float(duration), summary.loc[rows]).to_numpy()
    return out


def conditional_expectations(model, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by calibration frequency 0, 1, ..., ``max_frequency``+.

    Columns ``customers``, ``actual``, ``predicted``; the last row groups every frequency of at
    least ``max_frequency`` (label ``"7+"``).
    """
    _holdout_columns(summary, "conditional_expectations")
    predicted = predict_holdout(model, summary)
    freq = summary["frequency"].clip(upper=max_frequency).astype(int)
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    group = pd.Categorical.from_codes(freq.to_numpy(), categories=labels, ordered=True)
    table = pd.DataFrame(
        {"group": group, "actual": summary["frequency_holdout"].to_numpy(), "predicted": predicted.to_numpy()}
    )
    out = table.groupby("group", observed=False).agg(
        customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    out.index.name = "frequency"
    return out


def holdout_errors(model, summary: pd.DataFrame) -> pd.DataFrame:
    """Per-customer errors of predicted holdout purchases, for the model and two naive baselines.

    Rows: ``model`` (conditional expectation over ``duration_holdout``), ``individual rate``
    (the customer's calibration repeat rate frequency / T times the holdout duration; 0 when
    T = 0) and ``population rate`` (everyone gets the calibration mean rate sum(frequency) /
    sum(T) times the duration). Columns: ``MAE``, ``RMSE``, ``bias`` (mean predicted - actual),
    ``predicted`` and ``actual`` totals, and the ``correlation`` of predicted with actual.
    """
    _holdout_columns(summary, "holdout_errors")
    actual = summary["frequency_holdout"].to_numpy(float)
    duration = summary["duration_holdout"].to_numpy(float)
    x, T = summary["frequency"].to_numpy(float), summary["T"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        own_rate = np.where(T > 0, x / T, 0.0)
    predictions = {
        "model": predict_holdout(model, summary).to_numpy(),
        "individual rate": own_rate * duration,
        "population rate": x.sum() / T.sum() * duration,
    }
    rows = {}
    for name, pred in predictions.items():
        err = pred - actual
        # np.ptp, not np.std: the std of equal floats can come out as 1e-17 and give a
        # meaningless correlation for a constant prediction (the population rate)
        corr = np.corrcoef(pred, actual)[0, 1] if np.ptp(pred) > 0 and np.ptp(actual) > 0 else np.nan
        rows[name] = {
            "MAE": np.mean(np.abs(err)),
            "RMSE": np.sqrt(np.mean(err**2)),
            "bias": np.mean(err),
            "predicted": pred.sum(),
            "actual": actual.sum(),
            "correlation": corr,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _tie_averaged(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``values`` sorted by ``keys`` descending, each tie group replaced by its mean.

    The cumulative sums are then the expectation over random orders within ties.
    """
    order = np.argsort(-keys, kind="stable")
    v, k = values[order], keys[order]
    _, start, counts = np.unique(-k, return_index=True, return_counts=True)
    group = np.repeat(np.arange(len(start)), counts)
    means = np.bincount(group, weights=v) / counts
    return means[group]


def _ordered_gini(sorted_values: np.ndarray) -> float:
    """2 x area under the cumulative-share curve (customers taken in the given order) - 1."""
    total = sorted_values.sum()
    if total == 0:
        return 0.0
    share = np.concatenate([[0.0], np.cumsum(sorted_values) / total])
    area = np.sum((share[1:] + share[:-1]) / 2) / len(sorted_values)
    return float(2 * area - 1)


def clv_ranking(predicted: pd.Series, holdout_revenue: pd.Series, top: float = 0.1) -> pd.Series:
    """How well predicted CLV ranks customers by holdout revenue.

    ``gini``: 2 x the area under the curve of cumulative holdout revenue share, customers taken
    from the highest predicted CLV down, minus 1 (0 for a random ranking); ``gini_perfect`` the
    same with customers taken by their actual revenue (the revenue Gini coefficient);
    ``normalized_gini`` their ratio (1 = perfect ranking). ``top_share``: the share of holdout
    revenue from the ``top`` fraction of customers by predicted CLV (rounded up to whole
    customers); ``top_lift`` = top_share / top; ``spearman`` rank correlation. Ties in the
    prediction count as the average over their possible orders.
    """
    if not 0 < top <= 1:
        raise ParamsError(f"clv_ranking: top must be in (0, 1], got {top!r}")
    pred, rev = predicted.align(holdout_revenue, join="inner")
    if len(pred) == 0:
        raise DataError("clv_ranking: predicted and holdout_revenue share no customer ids")
    bad = ~np.isfinite(pred.to_numpy(float)) | ~np.isfinite(rev.to_numpy(float))
    if bad.any():
        raise DataError(f"clv_ranking: {bad.sum()} customers have non-finite values, e.g. {shown_ids(pred.index[bad][:3])}")
    p, r = pred.to_numpy(float), rev.to_numpy(float)
    by_model = _tie_averaged(r, p)
    by_actual = np.sort(r)[::-1]
    gini, perfect = _ordered_gini(by_model), _ordered_gini(by_actual)
    k = int(np.ceil(top * len(r)))
    total = r.sum()
    top_share = by_model[:k].sum() / total if total != 0 else np.nan
    return pd.Series(
        {
            "customers": len(r),
            "gini": gini,
            "gini_perfect": perfect,
            "normalized_gini": gini / perfect if perfect != 0 else np.nan,
            "top_share": top_share,
            "top_lift": top_share / top,
            "spearman": stats.spearmanr(p, r).statistic if np.ptp(p) > 0 and np.ptp(r) > 0 else np.nan,
        },
        name="clv_ranking",
    )
