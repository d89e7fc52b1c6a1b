"""Discounted CLV: the documented definitions, checked by hand and by numerical integration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from tests.test_clv_data import cdnow_summary
from workbench.errors import ParamsError
from workbench.models.clv import BetaGeo, GammaGamma, ParetoNBD, predict_clv

PARETO = {"r": 0.5533, "alpha": 10.5778, "s": 0.6061, "beta": 11.6655}
BG = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
GG = {"p": 6.25, "q": 3.74, "v": 15.44}


def fitted(cls, params):
    model = cls()
    model.params_ = pd.Series(params, dtype=float)
    return model


def customers(unit="W"):
    s = pd.DataFrame(
        {
            "frequency": [0.0, 1.0, 4.0, 12.0],
            "recency": [0.0, 5.0, 30.0, 38.0],
            "T": [38.0, 38.0, 38.0, 38.5],
            "monetary_value": [0.0, 20.0, 35.0, 50.0],
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    if unit == "D":
        s[["recency", "T"]] *= 7
    s.attrs["time_unit"] = unit
    return s


def test_discrete_clv_is_the_documented_sum():
    """12 months of 365.25/12 days = 4.3482 weeks, each discounted at the month's end."""
    model, spend = fitted(BetaGeo, BG), fitted(GammaGamma, GG)
    s = customers()
    month = 365.25 / 12 / 7
    by_hand = sum(
        (model.conditional_expected_purchases(k * month, s) - model.conditional_expected_purchases((k - 1) * month, s))
        / 1.01**k
        for k in range(1, 13)
    ) * spend.conditional_expected_spend(s)
    got = predict_clv(model, spend, s, horizon=12, discount_rate=0.01)
    np.testing.assert_allclose(got, by_hand, rtol=1e-12)
    assert got.name == "clv" and list(got.index) == list(s.index)


def test_continuous_clv_equals_the_integral_of_the_discounted_purchase_rate():
    """Pareto/NBD: the purchase rate u weeks after T is P(alive) (r+x)/(alpha+T) ((beta+T)/(beta+T+u))^s;
    CLV = E[spend] * integral_0^H exp(-delta u) rate(u) du with delta = ln(1.01) per month."""
    r, alpha, s_, beta = PARETO.values()
    model, spend = fitted(ParetoNBD, PARETO), fitted(GammaGamma, GG)
    s = customers()
    got = predict_clv(model, spend, s, horizon=12, discount_rate=0.01, discounting="continuous")
    month = 365.25 / 12 / 7
    delta = np.log(1.01) / month
    alive = model.p_alive(s).to_numpy()
    m = spend.conditional_expected_spend(s).to_numpy()
    for i, (x, tx, T) in enumerate(s[["frequency", "recency", "T"]].to_numpy()):
        rate = lambda u: alive[i] * (r + x) / (alpha + T) * ((beta + T) / (beta + T + u)) ** s_ * np.exp(-delta * u)
        want = m[i] * integrate.quad(rate, 0, 12 * month, epsabs=0, epsrel=1e-12)[0]
        assert got.iloc[i] == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("cls,params", [(BetaGeo, BG), (ParetoNBD, PARETO)])
def test_without_discounting_every_mode_is_spend_times_expected_purchases(cls, params):
    model, spend = fitted(cls, params), fitted(GammaGamma, GG)
    s = customers()
    undiscounted = spend.conditional_expected_spend(s) * model.conditional_expected_purchases(12 * 365.25 / 12 / 7, s)
    for mode in ("discrete", "continuous"):
        np.testing.assert_allclose(predict_clv(model, spend, s, 12, 0.0, discounting=mode), undiscounted, rtol=1e-10)
    lifetimes_like = spend.conditional_expected_spend(s) * model.conditional_expected_purchases(12 * 4.345, s)
    np.testing.assert_allclose(predict_clv(model, spend, s, 12, 0.0, discounting="lifetimes"), lifetimes_like, rtol=1e-10)


def test_discounting_orders_the_modes():
    """End-of-period discounting charges more than continuous discounting; both less than none."""
    model, spend = fitted(ParetoNBD, PARETO), fitted(GammaGamma, GG)
    s = customers()
    none = predict_clv(model, spend, s, 12, 0.0)
    end = predict_clv(model, spend, s, 12, 0.02)
    cont = predict_clv(model, spend, s, 12, 0.02, discounting="continuous")
    assert (end < cont).all() and (cont < none).all()


def test_clv_does_not_depend_on_the_time_unit():
    """A model fitted in days and the same summary in days give the weeks' CLV."""
    s_w = cdnow_summary("sample").assign()
    s_d = s_w.assign(recency=s_w["recency"] * 7, T=s_w["T"] * 7)
    s_d.attrs = dict(s_w.attrs, time_unit="D")
    spend = GammaGamma().fit(s_w)
    weeks = predict_clv(BetaGeo().fit(s_w), spend, s_w, 12, 0.01)
    days = predict_clv(BetaGeo().fit(s_d), spend, s_d, 12, 0.01)
    np.testing.assert_allclose(days, weeks, rtol=1e-5)


def test_period_in_days_and_time_unit_argument():
    model, spend = fitted(BetaGeo, BG), fitted(GammaGamma, GG)
    s = customers()
    s.attrs = {}
    a = predict_clv(model, spend, s, 4, 0.03, period="Q", time_unit="W")
    b = predict_clv(model, spend, s, 4, 0.03, period=365.25 / 4, time_unit="W")
    np.testing.assert_allclose(a, b)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"horizon": 0}, "horizon"),
        ({"horizon": 2.5}, "horizon"),
        ({"discount_rate": -1.5}, "discount_rate"),
        ({"discounting": "monthly"}, "discounting"),
        ({"period": "fortnight"}, "period"),
        ({"period": -3.0}, "period"),
        ({"time_unit": "H"}, "time_unit"),
    ],
)
def test_bad_clv_arguments_name_the_parameter(kwargs, match):
    model, spend = fitted(BetaGeo, BG), fitted(GammaGamma, GG)
    args = {"horizon": 12, "discount_rate": 0.01} | kwargs
    with pytest.raises(ParamsError, match=match):
        predict_clv(model, spend, customers(), **args)


def test_missing_time_unit_is_an_error():
    s = customers()
    s.attrs = {}
    with pytest.raises(ParamsError, match="time_unit"):
        predict_clv(fitted(BetaGeo, BG), fitted(GammaGamma, GG), s)
