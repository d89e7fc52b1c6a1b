"""Figures of the data-quality report."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from workbench.data.quality import lorenz_curve
from workbench.i18n import text


def plot_monthly(monthly: pd.DataFrame, column: str = "revenue", *, language: str = "en", ax: Axes | None = None) -> Axes:
    """Bars of a monthly series (``workbench.data.quality.monthly``)."""
    ax = ax or plt.subplots()[1]
    labels = [str(p) for p in monthly.index]
    ax.bar(labels, monthly[column].to_numpy())
    ax.set_title(text(f"{column}_by_month", language))
    ax.set_xlabel(text("month", language))
    ax.set_ylabel(text(column, language))
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    return ax


def plot_purchase_counts(counts: pd.Series, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """Bars: customers by number of purchases."""
    ax = ax or plt.subplots()[1]
    ax.bar(counts.index.astype(str), counts.to_numpy())
    ax.set_title(text("purchases_per_customer", language))
    ax.set_xlabel(text("number_of_purchases", language))
    ax.set_ylabel(text("customers", language))
    return ax


def plot_lorenz(values: pd.Series | np.ndarray, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """Lorenz curve of per-customer revenue against the line of equal shares."""
    ax = ax or plt.subplots(figsize=(5, 5))[1]
    x, y = lorenz_curve(values)
    ax.plot(x, y, lw=2, label=text("revenue", language))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label=text("equality", language))
    ax.fill_between(x, y, x, alpha=0.15)
    ax.set_title(text("lorenz_curve", language))
    ax.set_xlabel(text("share_of_customers", language))
    ax.set_ylabel(text("share_of_revenue", language))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="upper left")
    return ax
