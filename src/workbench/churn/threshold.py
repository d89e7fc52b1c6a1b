"""The inactivity threshold that best matches what customers did next (the "D-curve" rule).

On a calibration / holdout split, a threshold θ calls a customer churned at the end of calibration
when their last purchase is more than θ days old. What happened next is the truth: a customer who
bought in the holdout period was not churned, one who did not was. For every θ the curve counts
the false churns (called churned, bought again) and the missed churns (called active, never came
back); the rule picks the θ with the fewest errors in total (the smallest such θ on a tie).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import DataError


def inactivity_curve(split_summary: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Errors of every whole-day threshold 0 .. (oldest last purchase) on a split summary
    (:func:`workbench.summary.rfm_summary` with ``calibration_end``), and the best threshold.

    The table, indexed by ``threshold_days``, holds ``false_churn``, ``missed_churn``, ``errors``
    and ``error_rate`` (errors per customer).
    """
    for column in ("last_purchase", "frequency_holdout"):
        if column not in split_summary.columns:
            raise DataError(f"inactivity_curve: the summary has no {column!r} column; pass the split summary "
                            "(rfm_summary with calibration_end, or Scenario.summary(split=True))")
    end = split_summary.attrs.get("calibration_end")
    if end is None:
        raise DataError("inactivity_curve: the summary has no attrs['calibration_end']; pass the split summary")
    idle = (pd.Timestamp(end) - split_summary["last_purchase"]).dt.days.to_numpy(dtype=np.int64)
    back = split_summary["frequency_holdout"].to_numpy() > 0
    thresholds = np.arange(int(idle.max()) + 1)
    # called churned at θ: idle > θ. False churn: came back and idle > θ; missed: did not and idle <= θ
    came_back = np.sort(idle[back])
    stayed_away = np.sort(idle[~back])
    false_churn = len(came_back) - np.searchsorted(came_back, thresholds, side="right")
    missed = np.searchsorted(stayed_away, thresholds, side="right")
    errors = false_churn + missed
    table = pd.DataFrame({"false_churn": false_churn, "missed_churn": missed, "errors": errors,
                          "error_rate": errors / len(idle)}, index=pd.Index(thresholds, name="threshold_days"))
    return table, int(thresholds[np.argmin(errors)])
