"""CLV tiers on the CDNOW 1/10 sample, checked against the published BG/NBD fit and its P(alive)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data.datasets import load_cdnow
from workbench.segment import build_segmenters
from workbench.segment.clv import CLVTiers
from workbench.summary import rfm_summary

#: Fader, Hardie & Lee (2005), "Counting your customers the easy way", Table/figures on CDNOW.
PUBLISHED_BGNBD = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}


@pytest.fixture(scope="module")
def calibration() -> pd.DataFrame:
    return rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30", time_unit="W")


def _p_alive_bgnbd(x, t_x, T, r, alpha, a, b):
    """P(alive) of the BG/NBD model, eq. (12) of Fader, Hardie & Lee (2005), written out here."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    odds = (a / (b + np.maximum(x, 1) - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return np.where(x > 0, 1 / (1 + odds), 1.0)


def test_fits_the_published_model_and_puts_low_p_alive_last(calibration):
    seg = CLVTiers(p_alive_min=0.3).fit(calibration)
    for name, value in PUBLISHED_BGNBD.items():
        assert seg.transaction_model_.params_[name] == pytest.approx(value, abs=5e-4)
    labels = seg.assign(calibration)
    p = _p_alive_bgnbd(calibration["frequency"], calibration["recency"], calibration["T"], **PUBLISHED_BGNBD)
    lost = (labels == "Likely lost").to_numpy()
    assert lost.sum() > 0
    assert (p[lost] < 0.3 + 1e-3).all() and (p[~lost] >= 0.3 - 1e-3).all()


def test_clv_tiers_split_alive_customers_by_share_and_rank_holdout_value(calibration):
    seg = CLVTiers(shares=[0.2, 0.3, 0.5]).fit(calibration)
    labels = seg.assign(calibration)
    alive = labels != "Likely lost"
    shares = labels[alive].value_counts(normalize=True, sort=False)
    assert shares.iloc[0] == pytest.approx(0.2, abs=0.02) and shares.iloc[1] == pytest.approx(0.3, abs=0.02)
    value, _ = seg.predict(calibration)
    assert value[labels == labels.cat.categories[0]].min() >= value[labels == labels.cat.categories[1]].max()
    holdout = calibration["revenue_holdout"].groupby(labels, observed=False).mean()
    assert holdout.iloc[0] > holdout.iloc[1] > holdout.iloc[2]  # the tiers separate future value


def test_a_fitted_segmenter_assigns_new_data_with_its_own_cut_points(calibration):
    seg = CLVTiers().fit(calibration)
    later = rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", time_unit="W")
    labels = seg.assign(later)
    assert len(labels) == len(later) and labels.notna().all()
    np.testing.assert_array_equal(seg.cut_points_, CLVTiers().fit(calibration).cut_points_)


def test_clv_scheme_is_one_yaml_entry():
    config = {"schemes": [{"name": "value_by_clv", "kind": "clv", "model": "paretonbd", "p_alive_min": 0,
                           "tiers": [{"label": {"en": "High", "zh": "高"}, "share": 0.4},
                                     {"label": {"en": "Low", "zh": "低"}, "share": 0.6}]}]}
    (seg,) = build_segmenters(config, language="zh")
    assert isinstance(seg, CLVTiers) and seg.model == "paretonbd" and seg.shares == [0.4, 0.6]


def test_value_grid_takes_potential_from_a_model_column_when_present(calibration):
    from workbench.segment import ValueGrid

    rng = np.random.default_rng(0)
    with_model = calibration.assign(clv=rng.random(len(calibration)))
    grid = ValueGrid(potential_column="clv").fit(with_model)
    assert grid.potential_source_ == "clv"
    top_potential = grid.assign(with_model).astype(str).str.contains("High potential")
    # the potential dimension follows the model column: its top 20 % by clv are the high-potential ones
    assert with_model.loc[top_potential, "clv"].min() >= with_model["clv"].quantile(0.79)
    assert ValueGrid(potential_column="clv").fit(calibration).potential_source_ == "proxy"
