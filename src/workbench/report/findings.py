"""Plain-language key findings for each report's executive summary, in the report's language."""

from __future__ import annotations

import pandas as pd

from workbench.i18n import text


def data_quality_findings(facts: pd.Series, issues: dict[str, int], top: float | None, top_share: float,
                          gini: float | None, language: str = "en") -> list[str]:
    """Size and span of the data, what the checks found, revenue concentration (``top`` None:
    a log without amounts, said instead)."""
    from workbench.data.quality import check_name

    found = ", ".join(f"{rows:,} {check_name(step, language)}" for step, rows in issues.items())
    return [
        text("finding_span", language, rows_read=int(facts["rows_read"]), transactions=int(facts["transactions"]),
             customers=int(facts["customers"]), first=facts["first_date"], last=facts["last_date"]),
        text("finding_issues", language, found=found) if found else text("finding_no_issues", language),
        text("top_share_revenue", language, top=top_share, share=top, gini=gini) if top is not None
        else text("no_amounts", language),
    ]


def tier_findings(overview: pd.DataFrame, customers: int, language: str = "en") -> list[str]:
    """How many schemes, and the top tier of the most and least concentrated schemes."""
    fitted = overview[overview["tiers"] > 0]
    ranked = fitted.sort_values("top_revenue_share", ascending=False)
    lines = [text("finding_schemes", language, n=len(fitted), customers=customers)]
    if fitted["top_revenue_share"].isna().all():  # counts only: sizes, no revenue
        for _, row in fitted.head(2).iterrows():
            lines.append(text("finding_top_tier_counts", language, scheme=row["scheme"], tier=row["top_tier"],
                              customers=row["top_customer_share"]))
        ranked = ranked.iloc[0:0]
    for _, row in pd.concat([ranked.head(1), ranked.tail(1)]).drop_duplicates("scheme").iterrows():
        lines.append(text("finding_top_tier", language, scheme=row["scheme"], tier=row["top_tier"],
                          customers=row["top_customer_share"], revenue=row["top_revenue_share"]))
    unfitted = overview.loc[overview["tiers"] == 0, "scheme"]
    if len(unfitted):
        lines.append(text("finding_not_fitted", language, schemes=", ".join(unfitted)))
    return lines


def clv_findings(best: str, comparison: pd.DataFrame, ranking: pd.DataFrame | None, total: float | None,
                 months: int, language: str = "en") -> list[str]:
    """The best model against the naive forecast, how CLV ranks holdout revenue, total CLV
    (``ranking`` None: no amounts, so no CLV, said instead)."""
    lines = [text("finding_best_model", language, model=best, mae=comparison.loc[best, "MAE"],
                  naive=comparison.loc["individual rate", "MAE"])]
    if ranking is None:
        return [*lines, text("no_amounts_clv", language)]
    return [
        *lines,
        text("finding_ranking", language, share=ranking.loc[best, "top_share"], gini=ranking.loc[best, "gini"]),
        text("finding_clv_total", language, months=months, total=total),
    ]
