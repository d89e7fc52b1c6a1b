"""Survival-based churn: churn inferred from inactivity gaps in the transactions, durations with
right-censoring, and (to come) Kaplan-Meier per tier, Cox / AFT models and early-warning tiers.

- :mod:`~workbench.churn.durations`: per-customer lifetime until the first long inactivity gap,
  and inactivity thresholds from the gap distribution;
- :mod:`~workbench.churn.threshold`: the threshold with the fewest false and missed churns on a
  calibration / holdout split.
"""

from workbench.churn.durations import churn_durations, gap_quantile
from workbench.churn.threshold import inactivity_curve

__all__ = ["churn_durations", "gap_quantile", "inactivity_curve"]
