"""Per-tier profile tables: how many customers, how much revenue, and their mean R/F/M."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.errors import DataError, ParamsError
from workbench.privacy import shown_ids

#: Summary columns averaged per tier when present (in this order).
PROFILE_MEANS = ("since_last", "recency", "frequency", "monetary_value", "revenue", "T")
#: Summary columns never averaged automatically (identifiers, dates, bookkeeping).
_NOT_EXTRA = {"customer_id", "first_purchase", "last_purchase", "since_last"}


def profile(
    summary: pd.DataFrame, labels: pd.Series, extra_columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per tier (best first, empty tiers included) describing its customers.

    Columns: ``customers`` (count), ``customer_share``, ``revenue_total``, ``revenue_share``
    (share of the summed ``revenue``), then means: ``mean_since_last`` (time since the last
    purchase, ``T - recency``, in the summary's time unit), ``mean_recency``, ``mean_frequency``,
    ``mean_monetary_value``, ``mean_revenue``, ``mean_T`` for the columns present, then
    ``mean_<c>`` for every extra column. ``extra_columns=None`` takes every other numeric column
    of the summary (a CLV or churn-risk column, holdout columns); pass ``[]`` for none. When
    ``labels`` come from a segmenter the tier labels in English and Chinese lead the table
    (``label_en``, ``label_zh``).
    """
    if not isinstance(labels, pd.Series) or not isinstance(labels.dtype, pd.CategoricalDtype):
        raise ParamsError("profile: labels must be the categorical Series returned by a segmenter's assign")
    data = summary.set_index("customer_id") if "customer_id" in summary.columns else summary
    missing = labels.index.difference(data.index)
    if len(missing):
        raise DataError(
            f"profile: {len(missing)} labelled customers are not in the summary index; e.g. {shown_ids(missing[:5])}"
        )
    data = data.loc[labels.index]
    tiers = labels.cat.categories
    table = pd.DataFrame(index=pd.CategoricalIndex(tiers, categories=tiers, ordered=True, name=labels.name))
    attrs = labels.attrs.get("tier_labels")
    if attrs:
        for lang, names in attrs.items():
            table[f"label_{lang}"] = list(names)

    codes = labels.cat.codes.to_numpy()
    counts = np.bincount(codes, minlength=len(tiers))
    table["customers"] = counts
    table["customer_share"] = counts / max(len(codes), 1)
    means = _mean_frame(data, extra_columns)
    if "revenue" in data.columns:
        revenue = np.bincount(codes, weights=data["revenue"].to_numpy(float), minlength=len(tiers))
        total = revenue.sum()
        table["revenue_total"] = revenue
        table["revenue_share"] = revenue / total if total != 0 else np.nan
    grouped = means.groupby(codes).mean()
    for col in means.columns:
        table[f"mean_{col}"] = grouped[col].reindex(range(len(tiers))).to_numpy()
    return table


def _mean_frame(data: pd.DataFrame, extra_columns: Sequence[str] | None) -> pd.DataFrame:
    cols: dict[str, pd.Series] = {}
    if "T" in data.columns and "recency" in data.columns:
        cols["since_last"] = data["T"] - data["recency"]
    cols.update({c: data[c] for c in PROFILE_MEANS if c in data.columns and c != "since_last"})
    if extra_columns is None:
        extra = [
            c
            for c in data.columns
            if c not in cols and c not in _NOT_EXTRA and pd.api.types.is_numeric_dtype(data[c])
            and not pd.api.types.is_bool_dtype(data[c])
        ]
    else:
        unknown = [c for c in extra_columns if c not in data.columns]
        if unknown:
            raise ParamsError(
                f"profile: extra_columns {unknown} are not summary columns; available: "
                + ", ".join(map(str, data.columns))
            )
        extra = [c for c in extra_columns if c not in cols]
    for c in extra:
        if not pd.api.types.is_numeric_dtype(data[c]):
            raise ParamsError(f"profile: extra column {c!r} is not numeric (dtype {data[c].dtype})")
        cols[c] = data[c]
    return pd.DataFrame(cols, index=data.index).astype(float)
