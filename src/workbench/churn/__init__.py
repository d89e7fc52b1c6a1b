"""Survival-based churn: churn inferred from inactivity gaps in the transactions, durations with
right-censoring, and (to come) Kaplan-Meier per tier, Cox / AFT models and early-warning tiers.

- :mod:`~workbench.churn.durations`: per-customer lifetime until the first long inactivity gap,
  and inactivity thresholds from the gap distribution.
"""

from workbench.churn.durations import churn_durations, gap_quantile

__all__ = ["churn_durations", "gap_quantile"]
