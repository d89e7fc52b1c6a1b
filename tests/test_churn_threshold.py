"""The error-minimising inactivity threshold: hand-made customers and a brute-force count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.churn import inactivity_curve
from workbench.errors import DataError
from workbench.summary import rfm_summary


def split(idle_days: list[int], back: list[bool], end: str = "2020-06-30") -> pd.DataFrame:
    last = pd.Timestamp(end) - pd.to_timedelta(idle_days, unit="D")
    frame = pd.DataFrame({"last_purchase": last, "frequency_holdout": [2 if b else 0 for b in back]},
                         index=pd.Index([f"c{i}" for i in range(len(idle_days))], name="customer_id"))
    frame.attrs["calibration_end"] = end
    return frame


def test_hand_made_customers():
    # idle 5, 10 came back; idle 40, 60 did not; idle 20 came back, idle 25 did not
    table, best = inactivity_curve(split([5, 10, 20, 25, 40, 60], [True, True, True, False, False, False]))
    assert list(table.index) == list(range(61))
    assert table.loc[0, "false_churn"] == 3 and table.loc[0, "missed_churn"] == 0
    assert table.loc[20, "errors"] == 0 + 0 and best == 20  # 20 <= θ < 25 separates them exactly
    assert table.loc[24, "errors"] == 0 and table.loc[25, "missed_churn"] == 1
    assert table.loc[60, "false_churn"] == 0 and table.loc[60, "missed_churn"] == 3
    assert table["error_rate"].max() == pytest.approx(3 / 6)


def test_counts_match_a_brute_force_loop():
    rng = np.random.default_rng(8)
    idle = rng.integers(0, 200, 500)
    back = rng.random(500) < np.exp(-idle / 60)
    table, best = inactivity_curve(split(list(idle), list(back)))
    for theta in (0, 17, 60, 150, int(idle.max())):
        called = idle > theta
        assert table.loc[theta, "false_churn"] == int((called & back).sum())
        assert table.loc[theta, "missed_churn"] == int((~called & ~back).sum())
    assert best == int(table["errors"].idxmin()) and table.loc[best, "errors"] == table["errors"].min()


def test_works_on_the_split_summary_and_refuses_a_plain_one():
    log = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
                        "timestamp": pd.to_datetime(["2020-01-01", "2020-05-01", "2020-02-01", "2020-06-20", "2020-07-10"]),
                        "amount": 1.0})
    summary = rfm_summary(log, observation_end="2020-09-30", calibration_end="2020-06-30")
    table, best = inactivity_curve(summary)
    assert best == 10  # c (idle 10) came back; a (idle 60) and b (idle 150) did not
    assert table.loc[best, "errors"] == 0
    with pytest.raises(DataError, match="pass the split summary"):
        inactivity_curve(rfm_summary(log, observation_end="2020-09-30"))
