"""Plots of the method comparison: gain curves against the holdout value, a per-tier metric of
every method, the agreement heat map and a tier-transition heat map. Free functions
``plot_x(..., ax=None) -> Axes``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from workbench.i18n import text


def plot_gain_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]], oracle: tuple[np.ndarray, np.ndarray],
                     ax: Axes | None = None, *, language: str = "en", value_kind: str = "revenue") -> Axes:
    """Cumulative share of the holdout value against the share of customers, tiers taken best
    first (straight within a tier), with the perfect order and random order for reference."""
    ax = ax or plt.subplots(figsize=(7, 5))[1]
    ax.plot(*oracle, color="#2c3e50", lw=1.5, ls="--", label=text("perfect_order", language))
    ax.plot([0, 1], [0, 1], color="#7f8c8d", ls=":", lw=1, label=text("random_order", language))
    colours = plt.get_cmap("tab10")
    for i, (name, (x, y)) in enumerate(curves.items()):
        ax.plot(x, y, marker="o", ms=3, color=colours(i % 10), label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(text("customer_share_best_first", language))
    ax.set_ylabel(text(f"holdout_{value_kind}_share", language))
    ax.set_title(text("gain_title", language))
    ax.legend(fontsize=7, loc="lower right")
    return ax


def plot_tier_metric(values: dict[str, pd.DataFrame], label: str, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """One line per method: a metric of each tier (``value``) at the middle of the tier's band
    of customers (``customer_share``), tiers best first, so schemes with different tier counts
    share one axis; empty tiers are left out."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    colours = plt.get_cmap("tab10")
    for i, (name, frame) in enumerate(values.items()):
        share = frame["customer_share"].to_numpy(dtype=float)
        middle = np.cumsum(share) - share / 2
        kept = share > 0
        ax.plot(middle[kept], frame["value"].to_numpy(dtype=float)[kept], marker="o", ms=3, color=colours(i % 10), label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(text("customer_share_best_first", language))
    ax.set_ylabel(label)
    ax.legend(fontsize=7, loc="best")
    return ax


def plot_agreement(ari: pd.DataFrame, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """The adjusted Rand index between every pair of methods."""
    n = len(ari)
    ax = ax or plt.subplots(figsize=(1.0 + 0.6 * n, 0.6 + 0.5 * n))[1]
    image = ax.imshow(ari.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), ari.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), ari.index, fontsize=8)
    for i in range(n):
        for j in range(n):
            value = ari.iat[i, j]
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color="white" if value > 0.6 else "black")
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(text("agreement_title", language))
    return ax


def plot_transitions(matrix: pd.DataFrame, ax: Axes | None = None, *, title: str = "", language: str = "en") -> Axes:
    """Row shares of a transition matrix (tier before -> tier after)."""
    counts = matrix.to_numpy(dtype=float)
    shares = counts / np.where(counts.sum(axis=1, keepdims=True) > 0, counts.sum(axis=1, keepdims=True), 1)
    n, m = shares.shape
    ax = ax or plt.subplots(figsize=(1.5 + 0.7 * m, 1.0 + 0.5 * n))[1]
    ax.imshow(shares, cmap="Greens", vmin=0, vmax=1)
    ax.set_xticks(range(m), [str(c) for c in matrix.columns], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), [str(c) for c in matrix.index], fontsize=8)
    for i in range(n):
        for j in range(m):
            ax.text(j, i, f"{shares[i, j]:.0%}", ha="center", va="center", fontsize=7,
                    color="white" if shares[i, j] > 0.6 else "black")
    ax.set_xlabel(text("tier_after", language))
    ax.set_ylabel(text("tier_before", language))
    ax.set_title(title)
    return ax
