"""The holdout evaluation of churn predictions: landmark outcomes on hand-made histories; on a log
simulated from a proportional-hazards churn process the models with the true covariate rank
and score better than the Kaplan-Meier reference; on durations drawn from a Weibull model the
true model is calibrated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.churn import churn_durations
from workbench.churn.evaluation import evaluation_times, holdout_evaluation, landmark_outcomes, score
from workbench.churn.models import CoxPH, WeibullAFT
from workbench.errors import DataError, ParamsError

CAL, END = "2020-06-30", "2020-12-31"


def log(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [c for c, _ in rows], "timestamp": pd.to_datetime([t for _, t in rows]), "amount": 1.0})


def test_landmark_outcomes_on_hand_made_histories():
    history = log([
        ("gone_before", "2020-01-01"),                              # churn shows 2020-03-01 < CAL: not at risk
        ("leaves", "2020-05-01"), ("leaves", "2020-06-20"),         # last purchase 06-20, shows 08-19
        ("stays", "2020-06-01"), ("stays", "2020-07-25"), ("stays", "2020-09-20"), ("stays", "2020-11-15"),
        ("stays", "2020-12-20"),
        ("new", "2020-09-01"),                                      # first purchase after CAL: not at risk
    ])
    cal = churn_durations(history, observation_end=CAL, inactivity_days=60)
    full = churn_durations(history, observation_end=END, inactivity_days=60)
    out = landmark_outcomes(cal, full)
    assert sorted(out.index) == ["leaves", "stays"]
    # leaves: age at CAL 60 days, churn shows 2020-08-19 = 50 days after CAL
    assert tuple(out.loc["leaves", ["residual", "churned", "age", "earliest_known"]]) == (50, True, 60, 110)
    # stays: not churned by END, residual = age at END - age at CAL = 184
    assert tuple(out.loc["stays", ["residual", "churned"]]) == (184, False)
    other = churn_durations(history, observation_end=END, inactivity_days=90)
    with pytest.raises(ParamsError, match="2 customers have another inactivity threshold"):
        landmark_outcomes(cal, other)
    with pytest.raises(DataError, match="the full durations lack"):
        landmark_outcomes(cal, full.drop(columns="until_known"))


def test_evaluation_times_stay_within_the_follow_up():
    outcomes = pd.DataFrame({"residual": [10.0, 50.0, 100.0, 100.0], "churned": [True, True, False, False]})
    times = evaluation_times(outcomes, 30, n=5)
    assert times.min() == pytest.approx(5.0) and times.max() == pytest.approx(95.0) and 30 in times
    with pytest.raises(ParamsError, match="within 95 % of the holdout follow-up"):
        evaluation_times(outcomes, 96)


def simulated_shop(n: int = 2500, seed: int = 7, beta: float = 0.9) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers arrive over 240 days and buy as a Poisson process (every 12 days on average)
    while alive; lifetimes are exponential with hazard (1/150 days) exp(beta x): Cox is the
    true model of the lifetimes, x its covariate."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.uniform(0, 240, n), unit="D")
    life = rng.exponential(150.0 / np.exp(beta * x))
    ids, stamps = [], []
    for i in range(n):
        t, times = 0.0, [0.0]
        while True:
            t += rng.exponential(12.0)
            if t > life[i]:
                break
            times.append(t)
        ids += [f"c{i:05d}"] * len(times)
        stamps += list(start[i] + pd.to_timedelta(times, unit="D"))
    frame = pd.DataFrame({"customer_id": ids, "timestamp": pd.DatetimeIndex(stamps).floor("s"), "amount": 1.0})
    covariates = pd.DataFrame({"x": x}, index=pd.Index([f"c{i:05d}" for i in range(n)], name="customer_id"))
    return frame, covariates


@pytest.fixture(scope="module")
def evaluated():
    frame, covariates = simulated_shop()
    cal = churn_durations(frame, observation_end=CAL, inactivity_days=45)
    full = churn_durations(frame, observation_end=END, inactivity_days=45)
    result = holdout_evaluation(cal, full, covariates, models={"Cox": CoxPH(), "Weibull": WeibullAFT()},
                                covariate_columns=["x"], horizon=60)
    return result, cal, full, covariates


def test_the_true_covariate_beats_the_kaplan_meier_reference(evaluated):
    result, *_ = evaluated
    table = result.table
    assert list(table.index) == ["Kaplan-Meier", "Cox", "Weibull"]
    assert table["customers"].iloc[0] == len(result.outcomes) > 500
    # Cox has the true (proportional-hazards) form; the Weibull's shape does not fit lifetimes
    # plus the threshold, so it only has to beat the reference on the Brier score
    assert table.loc["Cox", "harrell_c"] > table.loc["Kaplan-Meier", "harrell_c"] + 0.03
    assert table.loc["Cox", "uno_c"] > table.loc["Kaplan-Meier", "uno_c"] + 0.03
    for model in ("Cox", "Weibull"):
        assert table.loc[model, "integrated_brier"] < table.loc["Kaplan-Meier", "integrated_brier"] - 0.005, model
    assert result.best("harrell_c") == "Cox"


def weibull_durations(n: int = 6000, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Durations straight from a Weibull AFT model (scale 200 exp(0.6 x) days, shape 1.4),
    customers arriving over 300 days, seen at day 200 (calibration) and day 400 (full), known
    at once (threshold 0): a case where the true model must be calibrated at the landmark."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    start = rng.uniform(0, 300, n)
    life = 200 * np.exp(0.6 * x) * rng.weibull(1.4, n)
    ids = pd.Index([f"c{i:05d}" for i in range(n)], name="customer_id")

    def seen_at(end: float) -> pd.DataFrame:
        age = end - start
        churned = life <= age
        until = np.where(churned, life, age)
        frame = pd.DataFrame({"until_known": until, "earliest_known": until, "churned": churned, "age": age,
                              "threshold_days": 0.0}, index=ids)
        return frame[age > 0]
    return seen_at(200.0), seen_at(400.0), pd.DataFrame({"x": x}, index=ids)


def test_the_true_model_is_calibrated_at_the_landmark():
    cal, full, covariates = weibull_durations()
    result = holdout_evaluation(cal, full, covariates, models={"Weibull": WeibullAFT(), "Cox": CoxPH()},
                                covariate_columns=["x"], horizon=60)
    table = result.table
    # Cox extrapolates its baseline beyond the calibration ages, so it is held to a looser bound
    assert table.loc["Weibull", "ici"] < 0.02 and table.loc["Cox", "ici"] < 0.04
    assert abs(table.loc["Kaplan-Meier", "harrell_c"] - 0.5) < 0.03 < table.loc["Weibull", "harrell_c"] - 0.5
    assert table.loc["Weibull", "ici"] < table.loc["Kaplan-Meier", "ici"]
    assert table.loc["Weibull", "integrated_brier"] < table.loc["Kaplan-Meier", "integrated_brier"]


def test_the_table_is_the_scores_of_the_stored_predictions(evaluated):
    result, cal, full, covariates = evaluated
    outcomes = landmark_outcomes(cal, full)
    pd.testing.assert_frame_equal(result.outcomes, outcomes)
    churned_by = int(((outcomes.residual <= 60) & outcomes.churned).sum())
    assert (result.table["churned_by_horizon"] == churned_by).all() and 0 < churned_by < len(outcomes)
    model = CoxPH().fit(cal.join(covariates), duration="until_known", covariates=["x"])
    rows = outcomes.join(covariates)
    p = np.column_stack([model.churn_probability(rows, float(u), age="age", known="earliest_known") for u in result.times])
    np.testing.assert_allclose(result.predictions["Cox"], p[:, np.searchsorted(result.times, 60)], rtol=1e-9)
    scores, _ = score(outcomes, p, result.times, 60)
    for metric, value in scores.items():
        assert result.table.loc["Cox", metric] == pytest.approx(value, rel=1e-9), metric


def test_too_few_landmark_customers_is_a_clear_error():
    frame, covariates = simulated_shop(n=15, seed=1)
    cal = churn_durations(frame, observation_end=CAL, inactivity_days=45)
    full = churn_durations(frame, observation_end=END, inactivity_days=45)
    with pytest.raises(DataError, match="too few to evaluate"):
        holdout_evaluation(cal, full, covariates, models={}, covariate_columns=[], horizon=60)
