"""Early warning and the churn-risk tiers: durations from the summary agree with the ones from
the log on single-spell customers, the tier rules, the survival CLV against direct integration,
and parameter errors that name the key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.churn import churn_durations, early_warning
from workbench.churn.models import WeibullAFT
from workbench.churn.risk import ChurnRiskTiers, summary_covariates, summary_durations
from workbench.errors import ParamsError
from workbench.summary import rfm_summary

END = "2021-06-30"


@pytest.fixture(scope="module")
def shop():
    """Customers buying at Poisson rates until an exponential death (the BG/NBD-like story), so
    nobody is won back after a long gap when the threshold is generous."""
    rng = np.random.default_rng(12)
    rows = []
    for i in range(1500):
        start = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
        life = rng.exponential(200)
        t, day = 0.0, start
        while True:
            rows.append((f"c{i:04d}", day, float(rng.gamma(2, 20))))
            t += rng.exponential(30)
            if t > life:
                break
            day = start + pd.Timedelta(days=int(t))
    log = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    summary = rfm_summary(log, observation_end=END, time_unit="D")
    return log, summary


def test_summary_durations_equal_the_logs_for_single_spells(shop):
    log, summary = shop
    from_log = churn_durations(log, observation_end=END, inactivity_days=150)
    single = from_log["days_after_churn"] == 0
    from_summary = summary_durations(summary, 150, "test")
    for column in ("duration", "churned", "until_known", "earliest_known", "age"):
        np.testing.assert_allclose(from_summary.loc[single[single].index, column].to_numpy(dtype=float),
                                   from_log.loc[single, column].to_numpy(dtype=float), err_msg=column)


def test_tier_rules_follow_idle_time_and_risk(shop):
    _, summary = shop
    tiers = ChurnRiskTiers(inactivity_days=150, dormant_after_days=90, horizon_days=60, watch=0.2, at_risk=0.5)
    labels = tiers.fit_assign(summary)
    table = tiers.warning(summary)
    assert list(labels.cat.categories) == ["Safe", "Watch", "At risk", "Dormant", "Churned"]
    idle, p = table["idle_days"], table["p_churn"]
    assert (labels[idle > 150] == "Churned").all() and (labels[(idle > 90) & (idle <= 150)] == "Dormant").all()
    active = idle <= 90
    expected = np.select([p >= 0.5, p >= 0.2], ["At risk", "Watch"], "Safe")
    assert (labels[active].astype(str).to_numpy() == expected[active.to_numpy()]).all()
    assert set(labels.astype(str)) == {"Safe", "Watch", "At risk", "Dormant", "Churned"}
    # more idle time, same history otherwise: never a lower risk
    assert np.corrcoef(idle[active], p[active])[0, 1] > 0
    zh = ChurnRiskTiers(inactivity_days=150, language="zh").fit(summary)
    assert zh.tiers_ == ["安全", "观察", "流失风险", "沉睡", "流失"]


def test_survival_clv_is_the_discounted_integral_of_the_conditional_survival(shop):
    _, summary = shop
    durations = summary_durations(summary, 150, "test")
    covariates, columns = summary_covariates(summary)
    model = WeibullAFT().fit(durations.join(covariates), duration="until_known", covariates=columns)
    table = early_warning(model, durations, covariates, horizon_days=60, limit_days=365, spend=summary["revenue"],
                          inactivity_days=150, discount_rate=0.01)
    churned = durations["churned"]
    assert (table.loc[churned, "p_churn"] == 1).all() and (table.loc[churned, "survival_clv"] == 0).all()
    row = durations[~churned].iloc[[0]]
    X = model.design_.transform(covariates.loc[row.index], "t").to_numpy()
    coef = model.params_
    lam = np.exp(coef["lambda_[Intercept]"] + X @ np.array([coef["lambda_[log_frequency]"], coef["lambda_[log_spend]"]]))[0]
    rho = np.exp(coef["rho_[Intercept]"])
    a, b = row["age"].iloc[0], row["earliest_known"].iloc[0]
    u = np.linspace(0, 365, 200_001)
    cond = np.exp(-(np.maximum(a + u, b) / lam) ** rho + (b / lam) ** rho) * np.exp(-np.log1p(0.01) / (365.25 / 12) * u)
    rate = summary.loc[row.index, "revenue"].iloc[0] / max(a, 150)
    assert table.loc[row.index[0], "survival_clv"] == pytest.approx(rate * np.trapezoid(cond, u), rel=1e-3)


def test_early_warning_reads_each_customers_threshold(shop):
    """p_churn = P(churn shows within horizon + the customer's own threshold): with thresholds
    per row it equals the one-threshold answer of each threshold on its rows."""
    _, summary = shop
    durations = summary_durations(summary, 150, "test")
    covariates, columns = summary_covariates(summary)
    model = WeibullAFT().fit(durations.join(covariates), duration="until_known", covariates=columns)
    mixed = durations.assign(threshold_days=np.where(np.arange(len(durations)) % 2 == 0, 150.0, 40.0))
    table = early_warning(model, mixed, covariates, horizon_days=60)
    live = ~mixed["churned"]
    for theta in (150.0, 40.0):
        rows = live & (mixed["threshold_days"] == theta)
        expected = model.churn_probability(mixed[rows].join(covariates), 60 + theta, age="age", known="earliest_known")
        np.testing.assert_allclose(table.loc[rows, "p_churn"], expected, rtol=1e-12)
    short = live & (mixed["threshold_days"] == 40.0)
    common = early_warning(model, durations, covariates, horizon_days=60)
    assert (table.loc[short, "p_churn"] < common.loc[short, "p_churn"]).mean() > 0.9  # a shorter window
    with pytest.raises(ParamsError, match="no threshold_days column; give inactivity_days"):
        early_warning(model, durations.drop(columns="threshold_days"), covariates, horizon_days=60)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"watch": 0.6, "at_risk": 0.5}, r"at_risk: must exceed watch"),
    ({"dormant_after_days": 200, "inactivity_days": 150}, r"dormant_after_days: must be below inactivity_days"),
    ({"model": "cox2"}, r"unknown churn model 'cox2'"),
    ({"attributes": ["region"]}, r"attribute 'region' is not a column of the summary"),
])
def test_bad_parameters_are_named(shop, kwargs, message):
    with pytest.raises(ParamsError, match=message):
        ChurnRiskTiers(**kwargs).fit(shop[1])


def test_without_any_churn_only_the_idle_rules_apply(shop):
    _, summary = shop
    recent = summary.assign(recency=summary["T"] - 1.0)  # everybody bought yesterday
    tiers = ChurnRiskTiers(inactivity_days=150)
    labels = tiers.fit_assign(recent)
    assert tiers.model_ is None and (labels == "Safe").all()
