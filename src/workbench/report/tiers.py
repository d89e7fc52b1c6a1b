"""Report sections for tier schemes: one call shows a scheme's profile, sizes and playbook."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from workbench.errors import ConvergenceError, NotApplicableError
from workbench.i18n import text
from workbench.playbook import playbook_table
from workbench.plots.rfm import plot_segment_sizes, plot_tier_treemap
from workbench.report.display import escape, say, table
from workbench.report.metrics import record
from workbench.segment import Segmenter, profile


class FittedSchemes(dict):
    """Tier labels per fitted scheme (name -> Series, in the schemes' order), and
    ``not_fitted``: name -> why a scheme could not be fitted on these data."""

    def __init__(self) -> None:
        super().__init__()
        self.not_fitted: dict[str, str] = {}


def fit_schemes(segmenters: list[Segmenter], summary: pd.DataFrame) -> FittedSchemes:
    """Fit every segmenter on ``summary``. A scheme the data cannot support (a CLV model when
    nobody bought twice, revenue tiers on a log without amounts) is kept in ``not_fitted`` with the reason, so one scheme never
    sinks a report; other errors (bad params, bad data) still stop it."""
    out = FittedSchemes()
    for seg in segmenters:
        try:
            out[seg.name] = seg.fit_assign(summary)
        except (ConvergenceError, NotApplicableError) as exc:
            out.not_fitted[seg.name] = str(exc)
    return out


def not_fitted_text(reason: str, language: str = "en") -> str:
    """The stakeholder's line for a scheme that could not be fitted."""
    return text("not_fitted", language, reason=reason)


def tier_overview(labels: dict[str, pd.Series], summary: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """One row per scheme: number of tiers, the top tier's share of customers and of revenue;
    a scheme in ``labels.not_fitted`` gets a row saying it was not fitted, and why."""
    rows = []
    for name, tiers in labels.items():
        prof = profile(summary, tiers, extra_columns=[])
        top = prof.iloc[0]
        rows.append(
            {
                "scheme": name,
                "tiers": len(prof),
                "top_tier": str(prof.index[0]),
                "top_customer_share": float(top["customer_share"]),
                "top_revenue_share": float(top["revenue_share"]) if "revenue_share" in prof else float("nan"),
            }
        )
    for name, reason in getattr(labels, "not_fitted", {}).items():
        rows.append({"scheme": name, "tiers": 0, "top_tier": not_fitted_text(reason, language),
                     "top_customer_share": float("nan"), "top_revenue_share": float("nan")})
    return pd.DataFrame(rows)


def show_schemes(labels: FittedSchemes, summary: pd.DataFrame, tiers_config=None, *, language: str = "en",
                 extra_columns=()) -> None:
    """Every scheme's section (see :func:`show_scheme`), then a note for each scheme not fitted."""
    from IPython.display import HTML, display

    for name in labels:
        show_scheme(labels[name], summary, tiers_config, language=language, extra_columns=extra_columns)
    for name, reason in labels.not_fitted.items():
        display(HTML(f"<h3>{escape(name)}</h3><p><i>{escape(not_fitted_text(reason, language))}</i></p>"))


def show_scheme(
    labels: pd.Series, summary: pd.DataFrame, tiers_config=None, *, language: str = "en", extra_columns=()
) -> None:
    """A scheme's section: heading, profile per tier (with means of ``extra_columns``), size and
    revenue bars, playbook per tier."""
    from IPython.display import HTML, display

    display(HTML(f"<h3>{escape(labels.name)}</h3>"))
    prof = profile(summary, labels, extra_columns=list(extra_columns))
    shown = prof.drop(columns=["label_en", "label_zh"], errors="ignore")
    table(shown, caption=text("tier_profile", language), language=language)
    ax = plot_segment_sizes(prof, language=language)
    plt.show()
    plt.close(ax.figure)
    book = playbook_table(labels, tiers_config, language=language)
    shown = book.drop(columns=["label_en", "label_zh", "source"], errors="ignore")
    table(shown, caption=text("playbook", language), language=language)


def top_customers(summary: pd.DataFrame, labels: dict[str, pd.Series], n: int = 10, by: str = "revenue") -> pd.DataFrame:
    """The ``n`` customers with the highest ``by``: key metrics and their tier in every scheme
    (ids as in the summary: pass the result through the scenario's privacy filter to show it)."""
    by = by if by in summary.columns else "frequency"  # counts only: the most frequent buyers
    top = summary.nlargest(n, by)
    columns = [c for c in ("revenue", "frequency", "recency", "T") if c in top.columns]
    tiers = pd.DataFrame({name: tier.reindex(top.index).astype(str) for name, tier in labels.items()})
    return top[columns].join(tiers)


def show_rfm_treemap(labels: dict[str, pd.Series], summary: pd.DataFrame, language: str = "en") -> None:
    """The named RFM segments as a treemap sized by revenue (by customers for counts only)."""
    if "rfm" not in labels:
        return
    size = "revenue_total" if "revenue" in summary.columns else "customers"
    plot_tier_treemap(profile(summary, labels["rfm"], extra_columns=[]), size, language=language)
    plt.show()


def export_schemes(sc, summary: pd.DataFrame, labels: dict[str, pd.Series]) -> pd.DataFrame:
    """One CRM file per fitted scheme (recorded as the run's exports): scheme and file name."""
    files = {name: sc.export_crm(summary, labels[name]).name for name in labels}
    record("exports", list(files.values()))
    return pd.DataFrame({"scheme": list(files), "file": list(files.values())})


def note_counts_only(sc) -> None:
    """Say what a log without amounts leaves out (nothing for a log with amounts)."""
    if not sc.has_amounts:
        say(text("no_amounts", sc.language))

def rfm_inputs(sc) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary with the models' CLV and P(alive) (for schemes that read them) and its RFM
    scores; the customer count recorded and, for a log without amounts, what that leaves out."""
    summary = sc.with_clv(sc.summary())
    record("customers", len(summary))
    note_counts_only(sc)
    return summary, sc.params.tiers.rfm.scores(summary)


def show_rfm_scores(scores: pd.DataFrame, language: str = "en") -> None:
    """The score distribution and the R x F heat map, side by side."""
    from workbench.plots import rfm as rfm_plots

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    rfm_plots.plot_score_distribution(scores, ax=axes[0], language=language)
    rfm_plots.plot_rf_heatmap(scores, ax=axes[1], language=language)
    plt.show()


def show_tier_overview(sc, summary: pd.DataFrame) -> tuple[FittedSchemes, pd.DataFrame]:
    """Every scheme of the scenario fitted on ``summary`` (the unfittable ones noted), and the
    overview table of their tiers, shown and recorded."""
    labels = fit_schemes(sc.segmenters(), summary)
    overview = tier_overview(labels, summary, sc.language)
    record("schemes", list(labels))
    record("not_fitted", labels.not_fitted)
    table(overview, index=False, language=sc.language)
    return labels, overview
