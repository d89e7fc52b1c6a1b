"""The method comparison: every tier scheme on the same customers, scored on one holdout period.

- :mod:`~workbench.compare.value`: holdout value per tier, normalised Gini, monotonicity, lift,
  value calibration of predicting methods;
- :mod:`~workbench.compare.churn`: holdout inactivity per tier, log-rank and concordance with the
  time until churn;
- :mod:`~workbench.compare.shape`, :mod:`~workbench.compare.stability` (bootstrap and time shift),
  :mod:`~workbench.compare.agreement` (ARI / NMI, crosstabs), :mod:`~workbench.compare.cost`
  (service cost against revenue), :mod:`~workbench.compare.migration` (tier transitions);
- :mod:`~workbench.compare.scorecard`: the ranking and the recommendation.
"""

from workbench.compare.agreement import agreement_matrix, crosstab
from workbench.compare.churn import churn_scores, tier_churn
from workbench.compare.cost import cost_scores, tier_cost
from workbench.compare.migration import migration_table, migration_rates, stationary_distribution, transition_matrix
from workbench.compare.scorecard import recommendation, rank_methods
from workbench.compare.shape import shape_scores
from workbench.compare.stability import bootstrap_scores, shift_scores
from workbench.compare.value import normalized_gini, tier_value, value_calibration, value_scores

__all__ = ["agreement_matrix", "bootstrap_scores", "churn_scores", "cost_scores", "crosstab", "migration_table",
           "migration_rates", "normalized_gini", "recommendation", "rank_methods", "shape_scores", "shift_scores",
           "stationary_distribution", "tier_churn", "tier_cost", "tier_value", "transition_matrix",
           "value_calibration", "value_scores"]
