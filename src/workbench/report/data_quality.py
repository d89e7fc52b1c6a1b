"""Sections of the data-quality report: one call per notebook cell."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from workbench.data import quality
from workbench.i18n import labelled, text
from workbench.plots import data as dq_plots
from workbench.report.display import say, table
from workbench.report.metrics import record


def show_overview(sc) -> pd.Series:
    """Rows read and kept, customers, dates (and revenue): recorded as metrics and shown."""
    facts = quality.overview(sc.data.transactions, sc.data.rows_read)
    for name, value in facts.items():
        record(name, value)
    table(labelled(facts, sc.language).to_frame(text("value", sc.language)))
    return facts


def show_issues(sc) -> dict[str, int]:
    """Every check of the loading and what it found (counts recorded as ``issues``)."""
    counts = record("issues", quality.issue_counts(sc.data.issues))
    table(quality.issues_table(sc.data.issues, sc.language), index=False, language=sc.language)
    return counts


def show_purchase_counts(sc) -> None:
    """Customers by number of purchases (an engine aggregate)."""
    dq_plots.plot_purchase_counts(quality.purchases_per_customer(sc.data.transactions), language=sc.language)
    plt.show()


def show_attributes(sc) -> None:
    """How the customer attributes matched the transactions, or that the scenario has none."""
    sc.summary()
    if sc.attribute_report is None:
        say(text("no_attributes", sc.language))
    else:
        table(quality.issues_table(sc.attribute_report, sc.language), index=False, language=sc.language)


def show_activity(sc) -> None:
    """Revenue (when there are amounts) and transactions per month."""
    by_month = quality.monthly(sc.data.transactions)
    shown = [column for column in ("revenue", "transactions") if column in by_month]
    fig, axes = plt.subplots(1, len(shown), figsize=(6 * len(shown), 4), squeeze=False)
    for ax, column in zip(axes[0], shown):
        dq_plots.plot_monthly(by_month, column, language=sc.language, ax=ax)
    plt.show()


def show_concentration(sc) -> tuple[float | None, float | None]:
    """Top-share and Gini of revenue with the Lorenz curve; (None, None) and a note without amounts."""
    if not sc.has_amounts:
        say(text("no_amounts", sc.language))
        return None, None
    revenue = sc.summary()["revenue"]  # per customer, computed once by the engine
    top = record("top_share_revenue", quality.top_share(revenue, sc.params.top_share))
    gini = record("gini_revenue", quality.gini(revenue))
    say("<b>{sentence}</b>", sentence=text("top_share_revenue", sc.language, top=sc.params.top_share, share=top, gini=gini))
    dq_plots.plot_lorenz(revenue, language=sc.language)
    plt.show()
    return top, gini
