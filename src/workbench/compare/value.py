"""Does a tier order separate future value? Each scheme's calibration-period tiers against the
revenue (or purchases) customers brought in the holdout period.

- :func:`tier_value`: per tier, customers, holdout value per customer, its share of the total and
  the lift (value share / customer share);
- :func:`normalized_gini`: the Gini coefficient of the gain chart of the tier order (customers in
  one tier are in random order, so the expected chart is straight within a tier) divided by the
  Gini of the best possible order, that by the holdout value itself (the metric the lifetime-value
  literature recommends for discrimination: Wang, Liu & Miao 2019);
- :func:`value_scores`: the above plus the rank correlation of tier order with holdout value,
  whether tier means fall from best to worst, and the top tier's capture;
- :func:`value_calibration`: where a method predicts holdout value (CLV tiers), mean predicted
  against mean actual per decile of the prediction and per tier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import DataError


def _codes(labels: pd.Series, who: str) -> np.ndarray:
    if not isinstance(labels, pd.Series) or not isinstance(labels.dtype, pd.CategoricalDtype):
        raise DataError(f"{who}: labels must be a segmenter's assign() output (an ordered categorical Series)")
    codes = labels.cat.codes.to_numpy().astype(np.int64)
    if (codes < 0).any():
        raise DataError(f"{who}: {int((codes < 0).sum())} customers have no tier")
    return codes


def _aligned(labels: pd.Series, values: pd.Series, who: str) -> tuple[np.ndarray, np.ndarray]:
    codes = _codes(labels, who)
    missing = labels.index.difference(values.index)
    if len(missing):
        raise DataError(f"{who}: {len(missing)} labelled customers have no holdout value")
    v = values.reindex(labels.index).to_numpy(dtype=float)
    if not np.isfinite(v).all():
        raise DataError(f"{who}: {int((~np.isfinite(v)).sum())} holdout values are missing or not finite")
    return codes, v


def tier_value(labels: pd.Series, values: pd.Series) -> pd.DataFrame:
    """One row per tier (best first): ``customers``, ``customer_share``, ``value_per_customer``,
    ``value_share`` and ``lift`` (value share over customer share)."""
    codes, v = _aligned(labels, values, "tier_value")
    k = len(labels.cat.categories)
    n = np.bincount(codes, minlength=k).astype(float)
    total = np.bincount(codes, weights=v, minlength=k)
    share = n / n.sum()
    value_share = total / v.sum() if v.sum() != 0 else np.full(k, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({"customers": n.astype(int), "customer_share": share, "value_per_customer": total / n,
                            "value_share": value_share, "lift": value_share / share},
                           index=pd.CategoricalIndex(labels.cat.categories, ordered=True, name="tier"))
    return out


def gain_curve(order_codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative customer and value shares at the group boundaries, groups taken code 0 first
    (straight in between: customers of one group are in random order)."""
    k = int(order_codes.max()) + 1
    n = np.bincount(order_codes, minlength=k).astype(float)
    v = np.bincount(order_codes, weights=values, minlength=k)
    return np.r_[0.0, np.cumsum(n)] / n.sum(), np.r_[0.0, np.cumsum(v)] / values.sum()


def gain_gini(order_codes: np.ndarray, values: np.ndarray) -> float:
    """Gini of the gain chart when customers are taken group by group (code 0 first), in random
    order within a group: 2 x the area under the expected cumulative value share - 1."""
    if values.sum() <= 0:
        return float("nan")
    x, y = gain_curve(order_codes, values)
    return float(2 * np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2) - 1)


def normalized_gini(labels: pd.Series, values: pd.Series) -> float:
    """Gini of the tier order's gain chart over the Gini of the perfect order (1 = as good as
    sorting customers by their actual holdout value, 0 = random, < 0 = upside down); NaN when the
    holdout value is not positive in total."""
    codes, v = _aligned(labels, values, "normalized_gini")
    best = best_gini(v)
    return gain_gini(codes, v) / best if best and np.isfinite(best) else float("nan")


def best_gini(values: np.ndarray) -> float:
    """Gini of the perfect order: customers by their own value, highest first."""
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    total = v.sum()
    if total <= 0:
        return float("nan")
    y = np.r_[0.0, np.cumsum(v)] / total
    return float(2 * np.sum((y[1:] + y[:-1]) / 2) / len(v) - 1)


def value_scores(labels: pd.Series, values: pd.Series) -> dict[str, float]:
    """``normalized_gini``; ``spearman`` (rank correlation of the tier order, best = highest, with
    each customer's holdout value); ``monotone`` (share of adjacent tier pairs whose value per
    customer falls from the better to the worse tier; empty tiers skipped); ``top_value_share``,
    ``top_customer_share`` and ``top_lift`` of the best tier."""
    codes, v = _aligned(labels, values, "value_scores")
    table = tier_value(labels, values)
    used = table[table["customers"] > 0]
    means = used["value_per_customer"].to_numpy()
    monotone = float(np.mean(np.diff(means) <= 0)) if len(means) > 1 else float("nan")
    spearman = float(pd.Series(-codes).rank().corr(pd.Series(v).rank())) if np.ptp(codes) and np.ptp(v) else float("nan")
    top = used.iloc[0]
    return {"normalized_gini": normalized_gini(labels, values), "spearman": spearman, "monotone": monotone,
            "top_value_share": float(top["value_share"]), "top_customer_share": float(top["customer_share"]),
            "top_lift": float(top["lift"])}


def value_calibration(predicted: pd.Series, actual: pd.Series, labels: pd.Series | None = None,
                      bins: int = 10) -> tuple[pd.DataFrame, dict[str, float]]:
    """Mean predicted and mean actual holdout value per decile of the prediction (``bins``
    equal-count groups, best first) and, with ``labels``, per tier. Errors are weighted absolute
    percentage errors: sum |mean predicted - mean actual| x customers / total actual
    (``decile_error``, ``tier_error``), and ``total_error`` = predicted total / actual total - 1."""
    common = predicted.index.intersection(actual.index)
    p = predicted.reindex(common).to_numpy(dtype=float)
    a = actual.reindex(common).to_numpy(dtype=float)
    if len(common) < bins or not np.isfinite(p).all():
        raise DataError(f"value_calibration: {len(common)} customers with a finite prediction; need at least {bins}")
    order = np.argsort(-p, kind="stable")
    group = np.empty(len(p), dtype=int)
    group[order] = np.arange(len(p)) * bins // len(p)
    table = pd.DataFrame({"customers": np.bincount(group, minlength=bins),
                          "predicted": np.bincount(group, weights=p, minlength=bins),
                          "actual": np.bincount(group, weights=a, minlength=bins)},
                         index=pd.RangeIndex(1, bins + 1, name="decile"))
    table[["predicted", "actual"]] = table[["predicted", "actual"]].div(table["customers"], axis=0)
    total = a.sum()
    scores = {"decile_error": float(np.abs(table["predicted"] - table["actual"]).mul(table["customers"]).sum() / total),
              "total_error": float(p.sum() / total - 1)}
    if labels is not None:
        codes = _codes(labels.reindex(common), "value_calibration")
        k = len(labels.cat.categories)
        n = np.bincount(codes, minlength=k)
        diff = np.abs(np.bincount(codes, weights=p, minlength=k) - np.bincount(codes, weights=a, minlength=k))
        scores["tier_error"] = float(diff[n > 0].sum() / total)
    return table, scores
