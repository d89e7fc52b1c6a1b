"""What differentiated service is worth under a tiering: the playbooks' monthly service cost per
customer of each tier against the revenue the tier's customers bring in the holdout period.

Only ratios between the tiers' costs matter, so the costs may be in any unit:

- ``targeting_lift``: holdout revenue per unit of service cost over holdout revenue per customer
  (the same service for everyone gives 1; above 1 the budget goes where the revenue comes from);
- ``idle_cost_share``: the share of the service budget spent on customers who bought nothing in
  the holdout period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.compare.value import _aligned


def cost_scores(labels: pd.Series, tier_costs: pd.Series, values: pd.Series) -> dict[str, float]:
    """``targeting_lift`` and ``idle_cost_share`` (NaN when a tier has no cost, or all costs are 0)."""
    codes, v = _aligned(labels, values, "cost_scores")
    costs = tier_costs.reindex(labels.cat.categories).to_numpy(dtype=float)
    c = costs[codes]
    if not np.isfinite(c).all() or c.sum() <= 0 or v.sum() <= 0:
        return {"targeting_lift": float("nan"), "idle_cost_share": float("nan")}
    return {"targeting_lift": float((c * v).sum() / c.sum() / v.mean()),
            "idle_cost_share": float(c[v <= 0].sum() / c.sum())}


def tier_cost(labels: pd.Series, tier_costs: pd.Series, values: pd.Series) -> pd.DataFrame:
    """Per tier: ``cost`` per customer and month, ``budget_share`` (of the total service cost)
    and ``value_share`` (of the holdout revenue)."""
    codes, v = _aligned(labels, values, "tier_cost")
    k = len(labels.cat.categories)
    n = np.bincount(codes, minlength=k)
    costs = tier_costs.reindex(labels.cat.categories).to_numpy(dtype=float)
    budget = costs * n
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({"cost": costs, "budget_share": budget / np.nansum(budget),
                             "value_share": np.bincount(codes, weights=v, minlength=k) / v.sum()},
                            index=pd.CategoricalIndex(labels.cat.categories, ordered=True, name="tier"))
