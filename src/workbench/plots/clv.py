"""Figures of CLV models: holdout tracking, conditional expectations, P(alive) and CLV.

Each function draws on ``ax`` (a new figure if None) and returns it. Inputs are the tables of
``workbench.models.validation`` or a fitted model from ``workbench.models.clv``.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284 (figures 2-4).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from workbench.i18n import text

__all__ = [
    "plot_tracking",
    "plot_conditional_expectations",
    "plot_p_alive_matrix",
    "plot_expected_purchases_matrix",
    "plot_clv_distribution",
    "plot_bands",
]


def _calibration_line(ax: Axes, tracking: pd.DataFrame, language: str) -> None:
    cal = tracking.attrs.get("calibration_end")
    if cal is None:
        return
    # period t covers the days before tracking["date"]; it is a holdout period if it ends after cal
    after = tracking.index[tracking["date"] > pd.Timestamp(cal) + pd.Timedelta(days=1)]
    if len(after):
        ax.axvline(after[0] - 0.5, color="grey", ls="--", lw=1, label=text("end_of_calibration", language))


def plot_tracking(
    tracking: pd.DataFrame, cumulative: bool = True, ax: Axes | None = None, *, language: str = "en"
) -> Axes:
    """Actual and expected repeat transactions per period (or cumulative) from ``validation.tracking``."""
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    suffix = "_cumulative" if cumulative else ""
    ax.plot(tracking.index, tracking["actual" + suffix], color="black", lw=1.5, label=text("actual", language))
    ax.plot(tracking.index, tracking["expected" + suffix], color="#2e86c1", lw=1.5, ls="--", label=text("model", language))
    _calibration_line(ax, tracking, language)
    unit = {"W": "week", "D": "day"}.get(tracking.attrs.get("time_unit"), "period")
    ax.set_xlabel(text(unit, language))
    ax.set_ylabel(text("cumulative_repeat_transactions" if cumulative else "repeat_transactions", language))
    ax.set_title(text("tracking_cumulative" if cumulative else "tracking_per_period", language))
    ax.legend(loc="upper left" if cumulative else "upper right")
    return ax


def plot_conditional_expectations(table: pd.DataFrame, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """Mean holdout purchases by calibration frequency, from ``validation.conditional_expectations``."""
    ax = ax or plt.subplots(figsize=(6, 4))[1]
    x = np.arange(len(table))
    ax.plot(x, table["actual"], marker="o", color="black", label=text("actual", language))
    ax.plot(x, table["predicted"], marker="s", ls="--", color="#2e86c1", label=text("model", language))
    ax.set_xticks(x, [str(i) for i in table.index])
    ax.set_xlabel(text("calibration_repeats", language))
    ax.set_ylabel(text("mean_holdout_repeats", language))
    ax.set_title(text("conditional_expectations", language))
    ax.legend(loc="upper left")
    return ax


def _heatmap(matrix: pd.DataFrame, ax: Axes, title: str, label: str, language: str, vmax=None) -> Axes:
    image = ax.imshow(
        matrix.to_numpy(),
        origin="lower",
        aspect="auto",
        cmap="viridis",
        vmin=0,
        vmax=vmax,
        extent=(-0.5, matrix.columns.max() + 0.5, matrix.index.min(), matrix.index.max()),
        interpolation="nearest",
    )
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xlabel(text("frequency_axis", language))
    ax.set_ylabel(text("recency_axis", language))
    ax.set_title(title)
    return ax


def plot_p_alive_matrix(
    model, T: float | None = None, max_frequency: int | None = None, ax: Axes | None = None, *, language: str = "en"
) -> Axes:
    """Heatmap of P(alive) by frequency and recency for customers of age ``T`` (default: the oldest)."""
    ax = ax or plt.subplots(figsize=(6, 5))[1]
    matrix = model.p_alive_matrix(T=T, max_frequency=max_frequency)
    title = text("p_alive_at_age", language, age=matrix.index.max())
    return _heatmap(matrix, ax, title, "P(alive)", language, vmax=1)


def plot_expected_purchases_matrix(
    model,
    t: float,
    T: float | None = None,
    max_frequency: int | None = None,
    ax: Axes | None = None,
    *,
    language: str = "en",
    time_unit: str | None = None,
) -> Axes:
    """Heatmap of expected purchases in the next ``t`` by frequency and recency (age ``T``);
    ``time_unit`` (``"D"``/``"W"``) names the span in the title ("next 207 weeks")."""
    ax = ax or plt.subplots(figsize=(6, 5))[1]
    matrix = model.expected_purchases_matrix(t, T=T, max_frequency=max_frequency)
    title = text("expected_purchases_next", language, span=time_span(t, time_unit, language))
    return _heatmap(matrix, ax, title, text("expected_purchases", language), language)


def time_span(t: float, time_unit: str | None, language: str = "en") -> str:
    """``207 weeks`` / ``207 周``: a length of time as people say it (whole units from 10 up)."""
    amount = f"{t:.0f}" if abs(t) >= 10 or float(t).is_integer() else f"{t:.1f}"
    unit = {"W": "weeks", "D": "days"}.get(time_unit or "", "time_units")
    return f"{amount} {text(unit, language)}"


def plot_clv_distribution(
    clv, bins: int = 50, clip_quantile: float = 0.99, ax: Axes | None = None, *, language: str = "en"
) -> Axes:
    """Histogram of predicted CLV, cut at ``clip_quantile`` (the long tail), with mean and median."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    values = np.asarray(clv, dtype=float)
    values = values[np.isfinite(values)]
    cap = np.quantile(values, clip_quantile) if len(values) else 1.0
    ax.hist(np.clip(values, None, cap), bins=bins, color="#1f4e79", alpha=0.85)
    for stat, style, name in ((np.mean(values), "-", "mean"), (np.median(values), "--", "median")):
        ax.axvline(stat, color="#e67e22", ls=style, label=f"{text(name, language)} {stat:,.2f}")
    ax.set_xlabel(text("clv_axis", language, q=clip_quantile, cap=cap))
    ax.set_ylabel(text("customers", language))
    ax.set_title(text("clv_distribution", language))
    ax.legend(loc="upper right")
    return ax


def plot_bands(bands: pd.DataFrame, column: str, ax: Axes | None = None, *, points: int = 200, language: str = "en") -> Axes:
    """Customers ranked by the estimate of ``column`` (percentiles on the x axis) and the band of
    ``column_low`` .. ``column_high`` divided by the estimate (``bands`` from
    :func:`workbench.models.uncertainty.clv_intervals`), at ``points`` evenly spaced ranks: how many
    per cent either way the parameters' uncertainty leaves, customer by customer."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    estimate = bands[column].to_numpy(dtype=float)
    keep = np.flatnonzero(estimate > 0)
    order = keep[np.argsort(estimate[keep], kind="stable")]
    picks = order[np.linspace(0, len(order) - 1, min(points, len(order))).round().astype(int)] if len(order) else order
    rank = 100 * np.searchsorted(np.sort(estimate), estimate[picks], side="right") / max(len(estimate), 1)
    level = bands.attrs.get("level", 0.9)
    low, high = (bands[f"{column}_{side}"].to_numpy(dtype=float)[picks] / estimate[picks] for side in ("low", "high"))
    ax.fill_between(rank, low, high, color="#1f4e79", alpha=0.3, label=text("band_label", language, level=level))
    ax.axhline(1.0, color="#1f4e79", lw=1.2, label=text("estimate", language))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(text("customer_percentile", language, column=text(column, language)))
    ax.set_ylabel(text("relative_to_estimate", language))
    ax.set_title(text("band_title", language, column=text(column, language), level=level))
    ax.legend(loc="upper right")
    return ax
