"""One table ranking the methods on every criterion, and the recommendation read from it.

Each criterion has a group (value, churn, stability, cost) and a direction; a method's rank on a
criterion is 1 for the best (ties share the better rank, a missing score ranks last), a group's
rank is the mean of its criteria's ranks, and the overall score is the mean of the group ranks
the method has (a group none of the methods has a score for is left out). Shape (tier count,
evenness) is shown but not ranked: an uneven Pareto split is a choice, not a flaw.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: criterion -> group; every criterion is "higher is better".
CRITERIA: dict[str, str] = {
    "normalized_gini": "value",
    "spearman": "value",
    "churn_c": "churn",
    "inactive_spearman": "churn",
    "bootstrap_ari": "stability",
    "shift_ari": "stability",
    "targeting_lift": "cost",
}
GROUPS = ("value", "churn", "stability", "cost")


def rank_methods(scores: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """``scores``: method -> its metrics. Returns one row per method, best overall first: the
    criteria, their ranks (``rank_<criterion>``), group ranks (``rank_<group>``) and ``overall``
    (mean group rank; lower is better). Ties in ``overall`` keep the input order."""
    table = pd.DataFrame({name: dict(values) for name, values in scores.items()}).T
    for criterion in CRITERIA:
        if criterion not in table.columns:
            table[criterion] = np.nan
    ranks = pd.DataFrame(index=table.index)
    for criterion in CRITERIA:
        values = table[criterion].astype(float)
        if values.notna().any():
            ranks[f"rank_{criterion}"] = values.rank(ascending=False, method="min", na_option="bottom")
    groups = pd.DataFrame(index=table.index)
    for group in GROUPS:
        columns = [f"rank_{c}" for c, g in CRITERIA.items() if g == group and f"rank_{c}" in ranks.columns]
        if columns:
            groups[f"rank_{group}"] = ranks[columns].mean(axis=1)
    out = pd.concat([table, ranks, groups], axis=1)
    out["overall"] = groups.mean(axis=1)
    order = np.lexsort((np.arange(len(out)), out["overall"].to_numpy()))
    return out.iloc[order].rename_axis("method")


def recommendation(card: pd.DataFrame) -> dict[str, str]:
    """The best method overall and per group (the first in the card's order on a tie)."""
    out = {"overall": str(card.index[0])}
    for group in GROUPS:
        column = f"rank_{group}"
        if column in card.columns:
            out[group] = str(card[column].idxmin())
    return out
