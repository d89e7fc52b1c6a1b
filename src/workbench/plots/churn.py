"""Plots of churn: the inactivity-threshold curve, Kaplan-Meier curves per tier and the
calibration of predicted churn. Free functions ``plot_x(..., ax=None) -> Axes``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from workbench.i18n import text


def plot_inactivity_curve(curve: pd.DataFrame, best: int, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """False churns, missed churns and their sum against the threshold (days); the chosen one marked."""
    ax = ax or plt.subplots(figsize=(7, 3.6))[1]
    for column, colour in (("false_churn", "#e67e22"), ("missed_churn", "#2980b9"), ("errors", "#2c3e50")):
        ax.plot(curve.index, curve[column], color=colour, lw=2 if column == "errors" else 1.2, label=text(column, language))
    ax.axvline(best, color="#c0392b", ls="--", lw=1)
    ax.set_xlabel(text("threshold_days", language))
    ax.set_ylabel(text("customers", language))
    ax.set_title(text("inactivity_curve_title", language, days=best))
    ax.legend(fontsize=8)
    return ax


def plot_tier_survival(curves: pd.DataFrame, ax: Axes | None = None, *, title: str = "", language: str = "en") -> Axes:
    """Kaplan-Meier lifetime curves per tier with their confidence bands (``curves`` of
    :func:`~workbench.churn.kaplan_meier.tier_survival`)."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    colours = plt.get_cmap("tab10")
    for i, (tier, rows) in enumerate(curves.groupby("tier", sort=False)):
        ax.step(rows["time"], rows["survival"], where="post", color=colours(i % 10), label=str(tier))
        ax.fill_between(rows["time"], rows["lower"], rows["upper"], step="post", color=colours(i % 10), alpha=0.15)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(text("lifetime_days", language))
    ax.set_ylabel(text("still_active", language))
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_calibration(curves: dict[str, pd.DataFrame], horizon: float, ax: Axes | None = None, *, language: str = "en") -> Axes:
    """Smoothed observed against predicted P(churn within the horizon), one line per predictor."""
    ax = ax or plt.subplots(figsize=(6, 5))[1]
    ax.plot([0, 1], [0, 1], color="#7f8c8d", ls=":", lw=1)
    colours = plt.get_cmap("tab10")
    for i, (label, curve) in enumerate(curves.items()):
        ax.plot(curve["predicted"], curve["observed"], color=colours(i % 10), label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(text("predicted_churn", language, days=horizon))
    ax.set_ylabel(text("observed_churn", language))
    ax.set_title(text("calibration_title", language))
    ax.legend(fontsize=7, loc="upper left")
    return ax
