"""Survival-based churn: churn inferred from inactivity gaps in the transactions, durations with
right-censoring, Kaplan-Meier per tier, Cox / AFT / cure models, their holdout evaluation and the
early-warning tiers.

- :mod:`~workbench.churn.durations`: per-customer lifetime until the first long inactivity gap,
  and inactivity thresholds from the gap distribution (per tier too) or known churn dates;
- :mod:`~workbench.churn.threshold`: the threshold with the fewest false and missed churns on a
  calibration / holdout split;
- :mod:`~workbench.churn.kaplan_meier`: lifetimes per tier and log-rank tests;
- :mod:`~workbench.churn.models` (with :mod:`~workbench.data.design`): the registered churn models;
- :mod:`~workbench.churn.metrics` and :mod:`~workbench.churn.evaluation`: censoring-aware scores
  of every predictor, BTYD included, on the holdout;
- :mod:`~workbench.churn.risk`: early warning and the churn-risk tiers (kind ``churn_risk``).
"""

from workbench.churn.durations import churn_durations, gap_quantile, tier_thresholds
from workbench.churn.risk import ChurnRiskTiers, early_warning
from workbench.churn.threshold import inactivity_curve

__all__ = ["ChurnRiskTiers", "churn_durations", "early_warning", "gap_quantile", "inactivity_curve", "tier_thresholds"]
