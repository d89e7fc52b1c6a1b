"""Data-quality facts of a transaction log: size, time span, activity, revenue concentration."""

from __future__ import annotations

import numpy as np
import pandas as pd


def overview(transactions: pd.DataFrame, rows_read: int | None = None) -> pd.Series:
    """Rows read and kept, customers, first and last date, total revenue."""
    ts = transactions["timestamp"]
    return pd.Series(
        {
            "rows_read": len(transactions) if rows_read is None else rows_read,
            "transactions": len(transactions),
            "customers": transactions["customer_id"].nunique(),
            "first_date": ts.min().date() if len(ts) else None,
            "last_date": ts.max().date() if len(ts) else None,
            "revenue": float(transactions["amount"].sum()),
        }
    )


def monthly(transactions: pd.DataFrame) -> pd.DataFrame:
    """Transactions, active customers and revenue per calendar month (months without any: zeros)."""
    month = transactions["timestamp"].dt.to_period("M").rename("month")
    out = transactions.groupby(month).agg(
        transactions=("amount", "size"), customers=("customer_id", "nunique"), revenue=("amount", "sum")
    )
    if len(out):
        out = out.reindex(pd.period_range(out.index.min(), out.index.max(), freq="M", name="month"), fill_value=0)
    return out


def purchases_per_customer(transactions: pd.DataFrame, cap: int = 10) -> pd.Series:
    """Number of customers by number of purchase rows, the last bin holding ``cap`` or more."""
    counts = transactions.groupby("customer_id").size().clip(upper=cap)
    out = counts.value_counts().sort_index()
    out.index = [f"{i}+" if i == cap else str(i) for i in out.index]
    return out.rename("customers")


def lorenz_curve(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of customers (ascending by value) and of the value total, both from 0 to 1."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    total = v.sum()
    x = np.arange(len(v) + 1) / max(len(v), 1)
    y = np.concatenate([[0.0], np.cumsum(v) / total]) if total > 0 else x.copy()
    return x, y


def gini(values: pd.Series | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n = len(v)
    if n == 0 or v.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * v).sum()) / (n * v.sum()) - (n + 1) / n)


def top_share(values: pd.Series | np.ndarray, share: float = 0.2) -> float:
    """Fraction of the total held by the top ``share`` of customers (rounded up to whole customers)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))[::-1]
    if len(v) == 0 or v.sum() == 0:
        return 0.0
    k = int(np.ceil(share * len(v)))
    return float(v[:k].sum() / v.sum())


def issue_counts(issues: pd.DataFrame) -> dict[str, int]:
    """Rows concerned per data check that found something (``{"exact_duplicates": 255, ...}``)."""
    found = issues[(issues["rows"] > 0) & ~issues["step"].isin(["read", "result", "columns"])]
    return {str(step): int(rows) for step, rows in zip(found["step"], found["rows"])}
