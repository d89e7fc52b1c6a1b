"""Data-quality facts checked by hand and against the published CDNOW figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from workbench.data import quality
from workbench.data.datasets import load_cdnow


def test_gini_and_top_share_by_hand():
    values = [0, 0, 0, 10]  # one customer holds everything
    assert quality.gini(values) == pytest.approx(0.75)  # (n-1)/n for n = 4
    assert quality.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert quality.top_share([1, 2, 3, 4, 10], 0.2) == pytest.approx(10 / 20)
    assert quality.top_share([1, 1, 1, 1], 0.5) == pytest.approx(0.5)


def test_lorenz_curve_area_matches_gini():
    rng = np.random.default_rng(1)
    v = rng.lognormal(size=1000)
    x, y = quality.lorenz_curve(v)
    assert x[0] == y[0] == 0 and x[-1] == pytest.approx(1) and y[-1] == pytest.approx(1)
    area = np.trapezoid(y, x)
    assert 1 - 2 * area == pytest.approx(quality.gini(v), abs=1e-3)


def test_monthly_fills_empty_months():
    df = pd.DataFrame(
        {"customer_id": ["a", "b"], "timestamp": pd.to_datetime(["2024-01-05", "2024-03-01"]), "amount": [1.0, 2.0]}
    )
    out = quality.monthly(df)
    assert list(out["transactions"]) == [1, 0, 1]
    assert list(out["revenue"]) == [1.0, 0.0, 2.0]


def test_cdnow_master_overview_matches_published_counts():
    facts = quality.overview(load_cdnow("master"))
    assert facts["transactions"] == 69_659
    assert facts["customers"] == 23_570
    assert facts["first_date"] == dt.date(1997, 1, 1) and facts["last_date"] == dt.date(1998, 6, 30)


def test_cdnow_sample_keeps_string_ids():
    sample = load_cdnow("sample")
    assert sample["customer_id"].nunique() == 2_357 and len(sample) == 6_919
    assert sample["customer_id"].str.len().eq(5).all() and sample["customer_id"].iloc[0] == "00004"
