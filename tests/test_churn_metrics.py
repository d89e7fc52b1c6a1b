"""The churn evaluation metrics against scikit-survival 0.28 (a dev-only oracle, GPL-3.0: the
package never imports it) to 1e-6, on censored data with tied times and tied risks; ICI and E50
against the known truth of a simulated exponential model."""

from __future__ import annotations

import numpy as np
import pytest
from sksurv import metrics as sk
from sksurv.nonparametric import CensoringDistributionEstimator, SurvivalFunctionEstimator
from sksurv.util import Surv

from workbench.churn import metrics
from workbench.errors import DataError


def censored_sample(seed: int, n: int = 600, decimals: int = 3, risk_decimals: int = 6):
    """Exponential churn times with hazard exp(0.5 x), uniform censoring; rounding makes ties."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    churn = rng.exponential(10 * np.exp(-0.5 * x))
    censor = rng.uniform(0, 25, n)
    time = np.round(np.minimum(churn, censor), decimals) + 0.5
    event = churn <= censor
    risk = np.round(x + rng.normal(scale=0.5, size=n), risk_decimals)
    return time, event, risk, x


CASES = [(1, 3, 6), (2, 0, 6), (3, 0, 1), (4, 3, 1)]  # (seed, time decimals, risk decimals): ties in time and risk
IDS = ["distinct", "tied-times", "tied-both", "tied-risks"]


@pytest.fixture(params=CASES, ids=IDS)
def sample(request):
    seed, td, rd = request.param
    time, event, risk, x = censored_sample(seed, decimals=td, risk_decimals=rd)
    train = censored_sample(seed + 100, decimals=td)
    return time, event, risk, x, (train[0], train[1])


def test_harrell_c_equals_scikit_survival(sample):
    time, event, risk, _, _ = sample
    expected = sk.concordance_index_censored(event, time, risk)[0]
    assert metrics.harrell_c(time, event, risk) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("tau_q", [None, 0.5, 0.9])
def test_uno_c_equals_scikit_survival(sample, tau_q):
    time, event, risk, _, train = sample
    tau = None if tau_q is None else float(np.quantile(time, tau_q))
    y_train, y_test = Surv.from_arrays(train[1], train[0]), Surv.from_arrays(event, time)
    # sksurv needs train times beyond the test's largest event time for G
    ok = time <= train[0].max()
    expected = sk.concordance_index_ipcw(y_train, y_test[ok], risk[ok], tau=tau)[0]
    assert metrics.uno_c(time[ok], event[ok], risk[ok], train=train, tau=tau) == pytest.approx(expected, abs=1e-6)


def test_cumulative_dynamic_auc_equals_scikit_survival(sample):
    time, event, risk, _, train = sample
    times = np.quantile(time, [0.1, 0.3, 0.5, 0.7])
    y_train, y_test = Surv.from_arrays(train[1], train[0]), Surv.from_arrays(event, time)
    ok = time <= train[0].max()
    expected, expected_mean = sk.cumulative_dynamic_auc(y_train, y_test[ok], risk[ok], times)
    got, mean = metrics.cumulative_dynamic_auc(time[ok], event[ok], risk[ok], times, train=train)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert mean == pytest.approx(expected_mean, abs=1e-6)
    # one risk column per time (time-dependent risks) gives the same as the repeated column
    tiled = np.tile(risk[ok][:, None], (1, len(times)))
    np.testing.assert_allclose(metrics.cumulative_dynamic_auc(time[ok], event[ok], tiled, times, train=train)[0], expected, atol=1e-6)


def test_brier_and_integrated_brier_equal_scikit_survival(sample):
    time, event, _, x, train = sample
    times = np.unique(np.quantile(time, np.linspace(0.05, 0.8, 12)))
    survival = np.exp(-np.outer(np.exp(0.5 * x), times) / 10)
    y_train, y_test = Surv.from_arrays(train[1], train[0]), Surv.from_arrays(event, time)
    ok = time <= train[0].max()
    np.testing.assert_allclose(metrics.brier_scores(time[ok], event[ok], survival[ok], times, train=train),
                               sk.brier_score(y_train, y_test[ok], survival[ok], times)[1], atol=1e-6)
    assert metrics.integrated_brier_score(time[ok], event[ok], survival[ok], times, train=train) == pytest.approx(
        sk.integrated_brier_score(y_train, y_test[ok], survival[ok], times), abs=1e-6)
    # without a training sample the censoring curve comes from the test data itself
    assert metrics.integrated_brier_score(time, event, survival, times) == pytest.approx(
        sk.integrated_brier_score(y_test, y_test, survival, times), abs=1e-6)


def test_censoring_and_survival_curves_equal_scikit_survival(sample):
    time, event, _, _, _ = sample
    y = Surv.from_arrays(event, time)
    grid = np.unique(time)[:-1]
    np.testing.assert_allclose(metrics.CensoringCurve.fit(time, event)(grid),
                               CensoringDistributionEstimator().fit(y).predict_proba(grid), atol=1e-12)
    np.testing.assert_allclose(metrics.kaplan_meier_curve(time, event)(grid),
                               SurvivalFunctionEstimator().fit(y).predict_proba(grid), atol=1e-12)


def test_concordance_of_perfect_and_reversed_risks():
    time = np.arange(1.0, 11.0)
    event = np.ones(10, dtype=bool)
    assert metrics.harrell_c(time, event, -time) == 1.0
    assert metrics.harrell_c(time, event, time) == 0.0
    assert metrics.harrell_c(time, event, np.zeros(10)) == 0.5


@pytest.mark.parametrize(("shift", "scale"), [(0.0, 1.0), (0.1, 1.0), (0.0, 0.5)])
def test_ici_and_e50_recover_known_miscalibration(shift, scale):
    """True P(churn by h) of a simulated exponential model, then shifted or halved: ICI is the
    mean absolute gap between the prediction and the truth (0 when calibrated)."""
    rng = np.random.default_rng(7)
    n = 20_000
    x = rng.normal(size=n)
    rate = 0.1 * np.exp(0.7 * x)
    churn, censor = rng.exponential(1 / rate), rng.uniform(0, 30, n)
    horizon = 8.0
    truth = 1 - np.exp(-rate * horizon)
    predicted = np.clip(truth * scale + shift, 0, 1)
    cal = metrics.calibration(np.minimum(churn, censor), churn <= censor, predicted, horizon)
    gap = np.abs(predicted - truth)
    assert cal.ici == pytest.approx(gap.mean(), abs=0.01)
    assert cal.e50 == pytest.approx(np.median(gap), abs=0.02)
    assert cal.e50 <= cal.e90 and list(cal.curve.columns) == ["predicted", "observed"]


def test_bad_inputs_are_named():
    with pytest.raises(DataError, match="time is negative or not finite in 1 rows, e.g. rows \\[1\\]"):
        metrics.harrell_c([1.0, -1.0], [True, False], [0.1, 0.2])
    with pytest.raises(DataError, match="risk has 1 rows for 2 customers"):
        metrics.harrell_c([1.0, 2.0], [True, False], [0.1])
    with pytest.raises(DataError, match="no comparable pairs"):
        metrics.harrell_c([1.0, 2.0], [False, False], [0.1, 0.2])
    with pytest.raises(DataError, match="within the follow-up"):
        metrics.brier_scores([1.0, 2.0], [True, False], [[0.5], [0.5]], [5.0])
    with pytest.raises(DataError, match="event must be True/False"):
        metrics.harrell_c([1.0, 2.0], [2, 0], [0.1, 0.2])


@pytest.mark.parametrize(("shift", "scale"), [(0.0, 1.0), (0.1, 1.0), (0.0, 0.5)])
def test_ici_without_censoring_before_the_horizon_uses_the_binary_outcome(shift, scale):
    """Everybody followed past the horizon (as on a holdout longer than it): the logistic
    smoother; the truth is again the mean gap to the true probability."""
    rng = np.random.default_rng(8)
    n = 20_000
    x = rng.normal(size=n)
    rate = 0.1 * np.exp(0.7 * x)
    churn = rng.exponential(1 / rate)
    follow_up = 12.0
    time, event = np.minimum(churn, follow_up), churn <= follow_up
    horizon = 8.0
    truth = 1 - np.exp(-rate * horizon)
    predicted = np.clip(truth * scale + shift, 0, 1)
    cal = metrics.calibration(time, event, predicted, horizon)
    gap = np.abs(predicted - truth)
    assert cal.ici == pytest.approx(gap.mean(), abs=0.01)
    assert cal.e50 == pytest.approx(np.median(gap), abs=0.02)
