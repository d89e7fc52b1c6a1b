"""Plots of RFM scores and tier profiles: free functions ``plot_x(data, ..., ax=None) -> Axes``.

Text goes through matplotlib, so Chinese tier labels render once a CJK font is active
(``workbench.plots.style``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from workbench.errors import ParamsError
from workbench.i18n import text
from workbench.segment.base import Segmenter


def plot_score_distribution(scores: pd.DataFrame, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """Customers per score level for R, F and M (grouped bars), from :func:`rfm_scores`; R and F
    only for scores of a log without amounts.

    Levels left empty by ties (e.g. F = 2, 3 when most customers have frequency 0) show as gaps.
    """
    missing = [c for c in ("R", "F") if c not in scores.columns]
    if missing:
        raise ParamsError(f"plot_score_distribution: scores lack columns {missing}; pass rfm_scores(summary)")
    dims = [d for d in ("R", "F", "M") if d in scores.columns]
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    n = int(scores[dims].to_numpy().max())
    levels = np.arange(1, n + 1)
    width = 0.8 / len(dims)
    for i, dim in enumerate(dims):
        counts = scores[dim].value_counts().reindex(levels, fill_value=0)
        ax.bar(levels + (i - (len(dims) - 1) / 2) * width, counts.to_numpy(), width=width, label=dim)
    ax.set_xticks(levels)
    ax.set_xlabel(text("score", language))
    ax.set_ylabel(text("customers", language))
    ax.set_title(text("score_distribution", language))
    ax.legend()
    return ax


def plot_segment_sizes(data: pd.DataFrame | Segmenter, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """Share of customers and share of revenue per tier (horizontal bars, best tier on top).

    ``data`` is a profile table (:func:`workbench.playbook.profile`) or a fitted segmenter (its
    ``segments_``).
    """
    table = _profile_table(data, "plot_segment_sizes", ("customer_share",))
    ax = ax or plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))[1]
    y = np.arange(len(table))[::-1]
    names = [str(t) for t in table.index]
    ax.barh(y + 0.2, table["customer_share"].to_numpy(), height=0.4, label=text("share_of_customers", language))
    if "revenue_share" in table.columns:
        ax.barh(y - 0.2, table["revenue_share"].fillna(0).to_numpy(), height=0.4, label=text("share_of_revenue", language))
    ax.set_yticks(y, names)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_xlabel(text("share", language))
    title = text("tier_sizes", language)
    ax.set_title(f"{title}: {table.index.name}" if table.index.name else title)
    ax.legend()
    return ax


def plot_rf_heatmap(
    scores: pd.DataFrame,
    summary: pd.DataFrame | None = None,
    value: str = "count",
    monetary: str = "revenue",
    ax: Axes | None = None,
    *,
    language: str = "en",
) -> Axes:
    """R x F grid of customer counts (``value="count"``) or mean ``monetary`` (``value="monetary"``,
    needs ``summary``); R on the vertical axis (best at the top), F on the horizontal, cells annotated.
    """
    if value not in ("count", "monetary"):
        raise ParamsError(f"plot_rf_heatmap: value must be 'count' or 'monetary', got {value!r}")
    n = int(scores[["R", "F"]].to_numpy().max())
    levels = list(range(1, n + 1))
    if value == "count":
        grid = pd.crosstab(scores["R"], scores["F"]).reindex(index=levels, columns=levels, fill_value=0)
        fmt, title = "{:,.0f}", text("rf_heatmap", language)
    else:
        if summary is None or monetary not in summary.columns:
            raise ParamsError(f"plot_rf_heatmap: value='monetary' needs a summary with column {monetary!r}")
        frame = scores[["R", "F"]].assign(m=summary.loc[scores.index, monetary].to_numpy())
        grid = frame.pivot_table(index="R", columns="F", values="m", aggfunc="mean").reindex(index=levels, columns=levels)
        fmt, title = "{:,.0f}", f"Mean {monetary} per R x F cell"
    ax = ax or plt.subplots(figsize=(5.5, 4.5))[1]
    shown = grid.iloc[::-1]  # R = n at the top
    image = ax.imshow(shown.to_numpy(dtype=float), cmap="Blues", aspect="auto")
    ax.figure.colorbar(image, ax=ax)
    ax.set_xticks(range(n), levels)
    ax.set_yticks(range(n), list(shown.index))
    ax.set_xlabel("F score")
    ax.set_ylabel("R score")
    ax.set_title(title)
    top = np.nanmax(shown.to_numpy(dtype=float)) if np.isfinite(shown.to_numpy(dtype=float)).any() else 0
    for (i, j), v in np.ndenumerate(shown.to_numpy(dtype=float)):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8, color="white" if v > 0.6 * top else "black")
    return ax


def plot_tier_treemap(
    data: pd.DataFrame | Segmenter, size: str = "customers", ax: Axes | None = None, *, language: str = "en"
) -> Axes:
    """Treemap of tiers, area proportional to ``size`` (``customers`` or ``revenue_total``).

    A plain binary-split layout drawn with matplotlib rectangles (no extra dependency): the
    tiers, best first, are split into two groups of near-equal total along the longer side of the
    rectangle, recursively. Empty tiers (and negative revenue) are left out.
    """
    table = _profile_table(data, "plot_tier_treemap", (size,))
    values = table[size].clip(lower=0).fillna(0)
    values = values[values > 0]
    ax = ax or plt.subplots(figsize=(8, 5))[1]
    total = float(values.sum())
    colours = plt.get_cmap("tab20").colors
    for k, (name, (x, y, w, h)) in enumerate(zip(values.index, _split(list(values.to_numpy(float)), 0, 0, 1, 1), strict=True)):
        ax.add_patch(Rectangle((x, y), w, h, facecolor=colours[k % len(colours)], edgecolor="white", linewidth=2))
        if w * h > 0.004:
            ax.text(x + w / 2, y + h / 2, f"{name}\n{values.loc[name] / total:.1%}", ha="center", va="center", fontsize=8, wrap=True)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    ax.set_title(f"{table.index.name or text('tiers', language)}: {text('customers' if size == 'customers' else 'revenue', language)}")
    return ax


def _split(values: list[float], x: float, y: float, w: float, h: float) -> list[tuple[float, float, float, float]]:
    """Rectangles for ``values`` (in order) filling (x, y, w, h) by recursive binary splits."""
    if len(values) == 1:
        return [(x, y, w, h)]
    total = sum(values)
    cum = np.cumsum(values)
    cut = int(np.argmin(np.abs(cum[:-1] - total / 2))) + 1
    share = cum[cut - 1] / total
    if w >= h:
        first = _split(values[:cut], x, y, w * share, h)
        return first + _split(values[cut:], x + w * share, y, w * (1 - share), h)
    first = _split(values[:cut], x, y + h * (1 - share), w, h * share)
    return first + _split(values[cut:], x, y, w, h * (1 - share))


def _profile_table(data: pd.DataFrame | Segmenter, who: str, needed: tuple[str, ...]) -> pd.DataFrame:
    if isinstance(data, Segmenter):
        data._check_fitted()
        data = data.segments_
    table = data
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ParamsError(f"{who}: the profile table has no columns {missing}; pass profile(summary, labels)")
    return table
