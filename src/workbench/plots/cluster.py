"""Plots of a clustering: the k-selection indices, a 2-D projection, the profile heat map and the
per-cluster stability. Free functions ``plot_x(..., ax=None) -> Axes`` (the selection plot draws
one panel per index and returns the figure)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from workbench.cluster.selection import CRITERIA, KSelection
from workbench.cluster.stability import BANDS
from workbench.i18n import text


def plot_k_selection(selection: KSelection, *, language: str = "en") -> Figure:
    """Each index against k (one small panel each; the chosen k marked, each index's own pick dotted)."""
    shown = [c for c in CRITERIA if selection.table[c].notna().any()]
    fig, axes = plt.subplots(1, len(shown), figsize=(3.1 * len(shown), 2.8), squeeze=False)
    for ax, criterion in zip(axes[0], shown):
        col = selection.table[criterion]
        ax.plot(col.index, col.to_numpy(), marker="o", color="#1f4e79")
        if criterion == "gap":
            ax.errorbar(col.index, col.to_numpy(), yerr=selection.table["gap_se"].to_numpy(), fmt="none", color="#1f4e79", alpha=0.5)
        ax.axvline(selection.k, color="#c0392b", lw=1.5)
        ax.axvline(selection.picks[criterion], color="#7f8c8d", lw=1, ls=":")
        better = text("higher_better" if CRITERIA[criterion] else "lower_better", language)
        ax.set_title(f"{text(criterion, language)} ({better})", fontsize=9)
        ax.set_xlabel("k")
        ax.set_xticks(list(col.index))
    fig.tight_layout()
    return fig


def plot_projection(points: np.ndarray, tiers: pd.Series, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """Customers on the first two principal components of the clustering features, one colour
    per tier (``points``: n x 2, ``tiers``: their tiers, categorical)."""
    ax = ax or plt.subplots(figsize=(7, 5))[1]
    colours = plt.get_cmap("tab10")
    for i, tier in enumerate(tiers.cat.categories):
        rows = (tiers == tier).to_numpy()
        if rows.any():
            ax.scatter(points[rows, 0], points[rows, 1], s=6, alpha=0.45, color=colours(i % 10), label=str(tier))
    ax.set_xlabel(text("component", language) + " 1")
    ax.set_ylabel(text("component", language) + " 2")
    ax.set_title(text("cluster_projection", language))
    ax.legend(markerscale=3, fontsize=8, loc="best")
    return ax


def plot_profile_heatmap(profile: pd.DataFrame, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """Tiers (rows) x features (columns): the tier's mean percentile rank in each numeric feature
    (0.5 = like everyone; an attribute column shows the share of its most common value)."""
    ax = ax or plt.subplots(figsize=(1.2 * profile.shape[1] + 3, 0.5 * len(profile) + 1.5))[1]
    image = ax.imshow(profile.to_numpy(dtype=float), cmap="RdBu_r", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(profile.shape[1]), [str(c) for c in profile.columns], rotation=30, ha="right")
    ax.set_yticks(range(len(profile)), [str(i) for i in profile.index])
    for (i, j), value in np.ndenumerate(profile.to_numpy(dtype=float)):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8)
    ax.figure.colorbar(image, ax=ax, fraction=0.04)
    ax.set_title(text("cluster_profile", language))
    return ax


def plot_stability(table: pd.DataFrame, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """Mean bootstrap Jaccard per tier (bars, with the worst round as a tick), Hennig's band
    bounds as lines (0.5 dissolved, 0.6, 0.75 stable, 0.85 highly stable)."""
    ax = ax or plt.subplots(figsize=(7, 0.45 * len(table) + 1.5))[1]
    y = np.arange(len(table))[::-1]
    colours = np.where(table["flagged"], "#c0392b", "#1f4e79")
    ax.barh(y, table["jaccard"].to_numpy(), color=colours)
    ax.plot(table["jaccard_min"].to_numpy(), y, "|", color="black", markersize=12)
    for bound, _ in BANDS[:-1]:
        ax.axvline(min(bound, 1.0), color="#7f8c8d", lw=0.8, ls="--")
    ax.set_yticks(y, [str(t) for t in table["tier"]])
    ax.set_xlim(0, 1)
    ax.set_xlabel(text("bootstrap_jaccard", language))
    ax.set_title(text("cluster_stability", language))
    return ax
