"""CDNOW summaries shared by the CLV tests, and checks that they are the papers' data.

The helpers build summaries with ``workbench.summary.rfm_summary`` (day resolution, time in
weeks = days / 7, same-day purchases merged); if it cannot be imported they fall back to
lifetimes' ``calibration_and_holdout_data(..., freq="D", freq_multiplier=7)``, which gives the
same columns.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from workbench.data.datasets import load_cdnow

OBSERVATION_END = "1998-06-30"
CALIBRATION_END = "1997-09-30"


@cache
def _transactions(kind: str) -> pd.DataFrame:
    return load_cdnow(kind)


def cdnow_transactions(kind: str = "sample") -> pd.DataFrame:
    """The bundled CDNOW transactions (a fresh copy)."""
    return _transactions(kind).copy()


@cache
def _summary(kind: str, calibration_end: str | None) -> pd.DataFrame:
    tx = _transactions(kind)
    try:
        from workbench.summary import rfm_summary
    except ImportError:  # pragma: no cover - fallback while the summary module is absent
        return _lifetimes_summary(tx, calibration_end)
    return rfm_summary(tx, observation_end=OBSERVATION_END, calibration_end=calibration_end, time_unit="W")


def _lifetimes_summary(tx: pd.DataFrame, calibration_end: str | None) -> pd.DataFrame:  # pragma: no cover
    from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

    opts = dict(freq="D", freq_multiplier=7, monetary_value_col="amount", observation_period_end=OBSERVATION_END)
    if calibration_end is None:
        s = summary_data_from_transaction_data(tx, "customer_id", "timestamp", **opts)
    else:
        s = calibration_and_holdout_data(tx, "customer_id", "timestamp", calibration_period_end=calibration_end, **opts)
        s = s.rename(columns=lambda c: c.removesuffix("_cal"))
    s.index.name = "customer_id"
    s.attrs.update(time_unit="W", observation_end=pd.Timestamp(OBSERVATION_END), calibration_end=calibration_end)
    return s


def cdnow_summary(kind: str = "sample", calibration_end: str | None = CALIBRATION_END) -> pd.DataFrame:
    """Summary of CDNOW in weeks; by default split at the papers' calibration end 1997-09-30."""
    out = _summary(kind, calibration_end).copy()
    out.attrs = dict(_summary(kind, calibration_end).attrs)
    return out


def test_sample_summary_is_the_papers_calibration_data():
    """NOTES.md: 2,357 customers, T = 38.86 weeks for a 1997-01-01 customer, 1,882 holdout repeats."""
    s = cdnow_summary("sample")
    assert len(s) == 2357
    first_day = s["first_purchase"] == pd.Timestamp("1997-01-01")
    np.testing.assert_allclose(s.loc[first_day, "T"], (pd.Timestamp("1997-09-30") - pd.Timestamp("1997-01-01")).days / 7)
    assert s["T"].max() == (272 / 7)
    assert s["frequency_holdout"].sum() == 1882
    # FHL (2005): 946 of the 2,357 customers made a repeat purchase in the calibration period
    assert (s["frequency"] > 0).sum() == 946
    assert s.attrs["time_unit"] == "W"


def test_master_summary_size():
    s = cdnow_summary("master", calibration_end=None)
    assert len(s) == 23570
    assert s.loc["14048", "frequency"] == 170 and s.loc["14048", "recency"] == s.loc["14048", "T"]
