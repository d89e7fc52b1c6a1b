"""CLV tiers on the CDNOW 1/10 sample, checked against the published BG/NBD fit and its P(alive)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.config import parse_params
from workbench.data.datasets import load_cdnow
from workbench.models.clv import BetaGeo, GammaGamma, ParetoNBD
from workbench.models.value import with_predictions
from workbench.scenario import Scenario
from workbench.segment import build_segmenters
from workbench.segment.clv import CLVTiers
from workbench.summary import rfm_summary

#: Fader, Hardie & Lee (2005), "Counting your customers the easy way", Table/figures on CDNOW.
PUBLISHED_BGNBD = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}


@pytest.fixture(scope="module")
def calibration() -> pd.DataFrame:
    return rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30", time_unit="W")


@pytest.fixture(scope="module")
def models(calibration) -> tuple[BetaGeo, GammaGamma]:
    spenders = calibration[(calibration["frequency"] > 0) & (calibration["monetary_value"] > 0)]
    return BetaGeo().fit(calibration), GammaGamma().fit(spenders)


@pytest.fixture(scope="module")
def predicted(calibration, models) -> pd.DataFrame:
    return with_predictions(calibration, *models, 12, 0.01)


def _p_alive_bgnbd(x, t_x, T, r, alpha, a, b):
    """P(alive) of the BG/NBD model, eq. (12) of Fader, Hardie & Lee (2005), written out here."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    odds = (a / (b + np.maximum(x, 1) - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return np.where(x > 0, 1 / (1 + odds), 1.0)


def test_tiers_the_published_models_predictions_and_puts_low_p_alive_last(calibration, models, predicted):
    for name, value in PUBLISHED_BGNBD.items():
        assert models[0].params_[name] == pytest.approx(value, abs=5e-4)
    labels = CLVTiers(p_alive_min=0.3).fit_assign(predicted)
    p = _p_alive_bgnbd(calibration["frequency"], calibration["recency"], calibration["T"], **PUBLISHED_BGNBD)
    np.testing.assert_allclose(predicted["p_alive"], p, atol=1e-3)
    lost = (labels == "Likely lost").to_numpy()
    assert lost.sum() > 0
    assert (p[lost] < 0.3 + 1e-3).all() and (p[~lost] >= 0.3 - 1e-3).all()


def test_clv_tiers_split_alive_customers_by_share_and_rank_holdout_value(predicted):
    seg = CLVTiers(shares=[0.2, 0.3, 0.5]).fit(predicted)
    labels = seg.assign(predicted)
    alive = labels != "Likely lost"
    shares = labels[alive].value_counts(normalize=True, sort=False)
    assert shares.iloc[0] == pytest.approx(0.2, abs=0.02) and shares.iloc[1] == pytest.approx(0.3, abs=0.02)
    value = predicted["clv"]
    assert value[labels == labels.cat.categories[0]].min() >= value[labels == labels.cat.categories[1]].max()
    holdout = predicted["revenue_holdout"].groupby(labels, observed=False).mean()
    assert holdout.iloc[0] > holdout.iloc[1] > holdout.iloc[2]  # the tiers separate future value


def test_a_fitted_segmenter_assigns_new_data_with_its_own_cut_points(models, predicted):
    seg = CLVTiers().fit(predicted)
    later = rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", time_unit="W")
    labels = seg.assign(with_predictions(later, *models, 12, 0.01))
    assert len(labels) == len(later) and labels.notna().all()
    np.testing.assert_array_equal(seg.cut_points_, CLVTiers().fit(predicted).cut_points_)
    # the cut points are quantiles of the alive customers' predicted CLV, not of the later data
    alive = predicted["clv"][predicted["p_alive"] >= 0.3]
    np.testing.assert_allclose(seg.cut_points_, np.quantile(alive, [0.8, 0.5]))


def test_clv_scheme_is_one_yaml_entry_that_names_its_prediction_columns():
    config = {"schemes": [{"name": "value_by_clv", "kind": "clv", "model": "paretonbd", "p_alive_min": 0,
                           "tiers": [{"label": {"en": "High", "zh": "高"}, "share": 0.4},
                                     {"label": {"en": "Low", "zh": "低"}, "share": 0.6}]}]}
    (seg,) = build_segmenters(config, language="zh")
    assert isinstance(seg, CLVTiers) and seg.shares == [0.4, 0.6]
    assert (seg.column, seg.alive_column) == ("clv_paretonbd_12m_1pct", "p_alive_paretonbd")
    # the prediction the params name as default (clv: models[0], horizon, rate) is the plain columns
    params = parse_params({"clv": {"models": ["paretonbd"]}, "tiers": config})
    (seg,) = build_segmenters(params.tiers)
    assert (seg.column, seg.alive_column) == ("clv", "p_alive")


def test_the_scenario_fits_each_model_once_for_every_consumer(monkeypatch, tmp_path):
    fits = []
    for cls in (BetaGeo, ParetoNBD, GammaGamma):
        original = cls.fit
        monkeypatch.setattr(cls, "fit", lambda self, *a, _f=original, _c=cls, **k: (fits.append(_c.__name__), _f(self, *a, **k))[1])
    params = parse_params({
        "data": {"transactions": "cdnow:sample"}, "calibration_end": "1997-09-30", "observation_end": "1998-06-30",
        "tiers": {"schemes": [
            {"name": "clv", "kind": "clv", "tiers": [{"label": "Top", "share": 0.5}, {"label": "Rest", "share": 0.5}]},
            {"name": "clv_pnbd", "kind": "clv", "model": "paretonbd", "discount_rate": 0.008,
             "tiers": [{"label": "Top", "share": 0.5}, {"label": "Rest", "share": 0.5}]}]}})
    sc = Scenario(params, output_dir=tmp_path)
    calibration = sc.summary(split=True)
    with_clv = sc.with_clv(calibration)
    assert {"clv", "p_alive", "clv_paretonbd_12m_0.8pct", "p_alive_paretonbd"} <= set(with_clv.columns)
    models = sc.transaction_models(calibration)  # the report's models: the same fitted objects
    assert sc.spend_model(calibration) is sc.spend_model(calibration)
    assert sorted(fits) == ["BetaGeo", "GammaGamma", "ParetoNBD"], fits
    expected = with_predictions(calibration, models["Pareto/NBD"], sc.spend_model(calibration), 12, 0.008)
    np.testing.assert_allclose(with_clv["clv_paretonbd_12m_0.8pct"], expected["clv"])
    labels = {s.name: s.fit_assign(with_clv) for s in sc.segmenters()}
    assert set(labels) == {"clv", "clv_pnbd"} and sorted(fits) == ["BetaGeo", "GammaGamma", "ParetoNBD"]


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
