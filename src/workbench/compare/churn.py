"""Does a tier order separate churn? Each scheme's calibration-period tiers against what
customers did in the holdout period.

- the share of each tier that bought nothing in the holdout period (every customer counts);
- for the customers still active at the calibration end, the time until their churn shows
  (:func:`workbench.churn.evaluation.landmark_outcomes`): the log-rank test across tiers and
  Harrell's concordance of the tier order with it (worse tier = churns sooner; 0.5 = no better
  than chance; ties in tier count one half).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.churn.metrics import harrell_c
from workbench.compare.value import _codes
from workbench.errors import DataError


def tier_churn(labels: pd.Series, summary: pd.DataFrame, outcomes: pd.DataFrame | None = None,
               horizon: float | None = None) -> pd.DataFrame:
    """Per tier: ``customers``, ``inactive_share`` (no purchase in the holdout:
    ``frequency_holdout`` is 0) and, with ``outcomes``, ``at_risk`` (customers active at the
    calibration end) and ``churn_share`` (their churn showed by ``horizon``, default by the end
    of the holdout)."""
    codes = _codes(labels, "tier_churn")
    if "frequency_holdout" not in summary.columns:
        raise DataError("tier_churn: the summary has no frequency_holdout column; pass the split summary")
    k = len(labels.cat.categories)
    bought = summary["frequency_holdout"].reindex(labels.index).fillna(0).to_numpy() > 0
    n = np.bincount(codes, minlength=k)
    out = pd.DataFrame({"customers": n}, index=pd.CategoricalIndex(labels.cat.categories, ordered=True, name="tier"))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["inactive_share"] = np.bincount(codes, weights=~bought, minlength=k) / n
        if outcomes is not None:
            rows = outcomes.index.intersection(labels.index)
            c = labels.reindex(rows).cat.codes.to_numpy()
            shown = outcomes.loc[rows, "churned"].to_numpy(dtype=bool)
            if horizon is not None:
                shown &= outcomes.loc[rows, "residual"].to_numpy() <= horizon
            at_risk = np.bincount(c, minlength=k)
            out["at_risk"] = at_risk
            out["churn_share"] = np.bincount(c, weights=shown, minlength=k) / at_risk
    return out


def churn_scores(labels: pd.Series, summary: pd.DataFrame, outcomes: pd.DataFrame | None = None) -> dict[str, float]:
    """``inactive_spread`` (highest minus lowest tier share without a holdout purchase, tiers of
    at least 1 % of customers), ``inactive_spearman`` (rank correlation of the tier order, worst
    = highest, with having bought nothing), and with ``outcomes``: ``churn_c`` (Harrell's C of
    the tier order against the time until churn shows), ``logrank`` (chi-square across tiers),
    ``logrank_df`` and ``logrank_p``."""
    table = tier_churn(labels, summary)
    big = table[table["customers"] >= max(1, 0.01 * table["customers"].sum())]
    codes = _codes(labels, "churn_scores")
    idle = summary["frequency_holdout"].reindex(labels.index).fillna(0).to_numpy() == 0
    out = {"inactive_spread": float(big["inactive_share"].max() - big["inactive_share"].min()),
           "inactive_spearman": float(pd.Series(codes).rank().corr(pd.Series(idle.astype(float)).rank()))
           if np.ptp(codes) and idle.any() and not idle.all() else float("nan")}
    if outcomes is not None:
        rows = outcomes.index.intersection(labels.index)
        t = outcomes.loc[rows, "residual"].to_numpy(dtype=float)
        e = outcomes.loc[rows, "churned"].to_numpy(dtype=bool)
        c = labels.reindex(rows).cat.codes.to_numpy()
        out["churn_c"] = harrell_c(t, e, c.astype(float)) if e.any() and np.ptp(c) else float("nan")
        out.update(_logrank(t, e, c))
    return out


def _logrank(t: np.ndarray, e: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """The multivariate log-rank test across the groups present."""
    present = np.unique(groups)
    if len(present) < 2 or not e.any():
        return {"logrank": float("nan"), "logrank_df": float(max(len(present) - 1, 0)), "logrank_p": float("nan")}
    from lifelines.statistics import multivariate_logrank_test

    result = multivariate_logrank_test(t, groups, e)
    return {"logrank": float(result.test_statistic), "logrank_df": float(len(present) - 1), "logrank_p": float(result.p_value)}
