"""Censoring-aware evaluation of churn predictions: concordance, time-dependent AUC, Brier score
and calibration.

Survival data are pairs of arrays: ``time`` (event or censoring time) and ``event`` (True when
the churn was observed). A *risk* is any score where higher means churning sooner (e.g. a Cox
linear predictor or P(churn within h)); a *survival* estimate is P(T > t). Weights for
censoring come from the Kaplan-Meier estimate G of the censoring distribution on a training
sample (``train``), as in the references; pass the test data again when there is no other.

The estimators are those of scikit-survival 0.28 (``concordance_index_censored``,
``concordance_index_ipcw``, ``cumulative_dynamic_auc``, ``brier_score``,
``integrated_brier_score``), which the tests use as the oracle; the concordances here run in
O(n log^2 n) numpy instead of a per-event loop, so they take a million customers.

References: Harrell et al. (1982); Uno et al. (2011) "On the C-statistics for evaluating overall
adequacy of risk prediction procedures with censored survival data"; Uno et al. (2007) and
Lambert & Chevret (2014) for the cumulative/dynamic AUC; Graf et al. (1999) for the Brier score;
Austin, Harrell & van Klaveren (2020) "Graphical calibration curves and the integrated
calibration index (ICI) for survival models" for ICI and E50.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.errors import DataError

TIED_TOL = 1e-8


# ----------------------------------------------------------------------------- inputs


def survival_data(time, event, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Float times >= 0 and boolean events of equal length; DataError naming the bad rows."""
    t = np.asarray(time, dtype=float).reshape(-1)
    e = np.asarray(event).reshape(-1)
    if len(t) != len(e):
        raise DataError(f"{who}: time has {len(t)} values and event {len(e)}")
    if len(t) == 0:
        raise DataError(f"{who}: no customers to evaluate")
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise DataError(f"{who}: time is negative or not finite in {int(bad.sum())} rows, e.g. rows {np.flatnonzero(bad)[:3].tolist()}")
    if e.dtype != bool:
        if not np.isin(e, (0, 1)).all():
            raise DataError(f"{who}: event must be True/False (or 1/0)")
        e = e.astype(bool)
    return t, e


def _scores(values, n: int, who: str, name: str = "risk") -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.shape[0] != n:
        raise DataError(f"{who}: {name} has {v.shape[0]} rows for {n} customers")
    if not np.isfinite(v).all():
        raise DataError(f"{who}: {name} is not finite in {int((~np.isfinite(v)).sum())} values")
    return v


# ----------------------------------------------------------------------------- censoring weights


@dataclass(frozen=True)
class CensoringCurve:
    """Kaplan-Meier estimate G(t) = P(censored after t) of the censoring distribution."""

    times: np.ndarray
    probabilities: np.ndarray

    @classmethod
    def fit(cls, time, event) -> CensoringCurve:
        t, e = survival_data(time, event, "censoring curve")
        if e.all():
            return cls(np.unique(t), np.ones(len(np.unique(t))))
        times, n, events, at_risk = _counts(t, e)
        censored = n - events
        # events at t come before censorings at t: they leave the censoring risk set first
        remaining = at_risk - events
        ratio = np.divide(censored, remaining, out=np.zeros(len(times)), where=censored > 0)
        return cls(np.r_[-np.inf, times], np.r_[1.0, np.cumprod(1.0 - ratio)])

    def __call__(self, t) -> np.ndarray:
        """G at ``t`` (right-continuous step function; its last value beyond the last time)."""
        idx = np.searchsorted(self.times, np.asarray(t, dtype=float), side="right") - 1
        return self.probabilities[idx]

    def inverse_weights(self, time: np.ndarray, event: np.ndarray) -> np.ndarray:
        """event / G(time): the IPCW weight of each customer (0 when censored)."""
        g = self(time[event])
        if (g == 0).any():
            raise DataError("the censoring curve is zero at some event times: evaluate at earlier times (a smaller tau)")
        out = np.zeros(len(time))
        out[event] = 1.0 / g
        return out


def _counts(t: np.ndarray, e: np.ndarray):
    """Distinct times with the customers, churns and customers at risk at each."""
    times, inverse = np.unique(t, return_inverse=True)
    n = np.bincount(inverse, minlength=len(times))
    events = np.bincount(inverse, weights=e, minlength=len(times))
    at_risk = len(t) - np.concatenate([[0], np.cumsum(n)[:-1]])
    return times, n, events, at_risk


def _censoring(train, time, event) -> CensoringCurve:
    if train is None:
        return CensoringCurve.fit(time, event)
    return CensoringCurve.fit(*train)


# ----------------------------------------------------------------------------- concordance


def harrell_c(time, event, risk, tied_tol: float = TIED_TOL) -> float:
    """Harrell's concordance: among comparable pairs (an observed churn before the other's time),
    the share where the earlier churner has the higher risk; ties in risk count one half."""
    t, e = survival_data(time, event, "harrell_c")
    r = _scores(risk, len(t), "harrell_c")
    return _concordance(t, e, r, e.astype(float), tied_tol)


def uno_c(time, event, risk, *, train=None, tau: float | None = None, tied_tol: float = TIED_TOL) -> float:
    """Uno's concordance: Harrell's pairs weighted by 1 / G(t_i)^2 (G the censoring curve from
    ``train`` = (time, event)), counting churns before ``tau`` only; consistent under censoring
    that does not depend on the covariates."""
    t, e = survival_data(time, event, "uno_c")
    r = _scores(risk, len(t), "uno_c")
    before = np.ones(len(t), dtype=bool) if tau is None else t < tau
    w = np.zeros(len(t))
    w[before] = _censoring(train, t, e).inverse_weights(t[before], e[before])
    return _concordance(t, e, r, np.square(w), tied_tol)


def _concordance(t: np.ndarray, e: np.ndarray, r: np.ndarray, w: np.ndarray, tied_tol: float) -> float:
    """sum_i w_i (concordant_i + ties_i / 2) / sum_i w_i comparable_i over churners i, where j is
    comparable to i when t_j > t_i, or t_j = t_i and j was censored."""
    # order: time descending, censored before churners at the same time; the customers
    # comparable to churner i are then the prefix before the first churner of its time
    order = np.lexsort((e, -t))
    ts, es = t[order], e[order]
    first_of_time = np.r_[True, ts[1:] != ts[:-1]]
    group = np.cumsum(first_of_time) - 1
    n_censored = np.bincount(group, weights=~es)
    group_start = np.flatnonzero(first_of_time)
    prefix = (group_start + n_censored).astype(np.int64)[group]  # for churners: how many are comparable
    churners = np.flatnonzero(es & (w[order] > 0))
    if not len(churners) or not prefix[churners].any():
        raise DataError("concordance: no comparable pairs (no churn observed before another customer's time)")
    ranks_sorted = np.sort(r)
    ranks = np.searchsorted(ranks_sorted, r[order], side="left")
    q = prefix[churners]
    x = r[order][churners]
    below = _prefix_counts(ranks, q, np.searchsorted(ranks_sorted, x - tied_tol, side="left"))
    at_most = _prefix_counts(ranks, q, np.searchsorted(ranks_sorted, x + tied_tol, side="right"))
    ties = at_most - below
    wi = w[order][churners]
    den = float(np.sum(wi * q))
    if den == 0:
        raise DataError("concordance: no comparable pairs with positive weight")
    return float(np.sum(wi * (below + 0.5 * ties)) / den)


def _prefix_counts(keys: np.ndarray, lengths: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """For each query k: how many of ``keys[:lengths[k]]`` are < ``bounds[k]`` (integer keys in
    0..n). A merge-sort tree in numpy: the prefix splits into dyadic blocks, one per set bit."""
    n = len(keys)
    out = np.zeros(len(lengths), dtype=np.int64)
    stride = n + 1
    level = 0
    while (1 << level) <= n:
        size = 1 << level
        block = np.arange(n) // size
        sorted_keys = np.sort(block * stride + keys)
        use = (lengths >> level) & 1 == 1
        if use.any():
            b = (lengths[use] >> level) - 1  # the block of this size that ends where the prefix ends
            hits = np.searchsorted(sorted_keys, b * stride + bounds[use], side="left")
            out[use] += hits - b * size
        level += 1
    return out


# ----------------------------------------------------------------------------- time-dependent


def cumulative_dynamic_auc(time, event, risk, times, *, train=None, tied_tol: float = TIED_TOL) -> tuple[np.ndarray, float]:
    """AUC(t) at each of ``times``: cases churned by t (IPCW-weighted), controls still active
    after t; ``risk`` one column, or one column per time. Returns (AUC per time, their mean
    weighted by the Kaplan-Meier drop of the test data over the times)."""
    t, e = survival_data(time, event, "cumulative_dynamic_auc")
    times = _eval_times(times, t, "cumulative_dynamic_auc")
    r = np.asarray(risk, dtype=float)
    r = np.broadcast_to(r.reshape(len(t), -1), (len(t), len(times))) if r.ndim == 1 or r.shape[1] == 1 else r
    _scores(r, len(t), "cumulative_dynamic_auc")
    ipcw = _censoring(train, t, e).inverse_weights(t, e)
    scores = np.empty(len(times))
    for k, tk in enumerate(times):
        order = np.argsort(-r[:, k], kind="quicksort")
        est, tt, ee, ww = r[order, k], t[order], e[order], ipcw[order]
        case = (tt <= tk) & ee
        control = tt > tk
        tp = np.cumsum(case * ww)
        fp = np.cumsum(control)
        if tp[-1] == 0 or fp[-1] == 0:
            scores[k] = np.nan
            continue
        tied = np.abs(np.diff(np.r_[np.inf, est])) <= tied_tol
        keep = ~np.r_[tied[1:], False]  # last of each run of tied risks
        tpr = np.r_[0.0, tp[keep] / tp[-1]]
        fpr = np.r_[0.0, fp[keep] / fp[-1]]
        scores[k] = np.trapezoid(tpr, fpr)
    if len(times) == 1:
        return scores, float(scores[0])
    surv = kaplan_meier_curve(t, e)(times)
    drop = -np.diff(np.r_[1.0, surv])
    return scores, float(np.sum(scores * drop) / (1.0 - surv[-1]))


def brier_scores(time, event, survival, times, *, train=None) -> np.ndarray:
    """Graf's Brier score at each of ``times`` of the predicted P(T > t) (``survival``: one
    column per time), with IPCW weights for censoring."""
    t, e = survival_data(time, event, "brier_scores")
    times = _eval_times(times, t, "brier_scores")
    s = _scores(np.asarray(survival, dtype=float).reshape(len(t), -1), len(t), "brier_scores", "survival")
    if s.shape[1] != len(times):
        raise DataError(f"brier_scores: survival has {s.shape[1]} columns for {len(times)} times")
    g = _censoring(train, t, e)
    g_t = g(times)
    g_y = g(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_t = np.where(g_t > 0, 1.0 / g_t, 0.0)
        inv_y = np.where(g_y > 0, 1.0 / g_y, 0.0)
    case = (t[:, None] <= times[None, :]) & e[:, None]
    control = t[:, None] > times[None, :]
    return np.mean(np.square(s) * case * inv_y[:, None] + np.square(1.0 - s) * control * inv_t[None, :], axis=0)


def integrated_brier_score(time, event, survival, times, *, train=None) -> float:
    """The Brier score averaged over [times[0], times[-1]] (trapezoid rule)."""
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or len(times) < 2:
        raise DataError("integrated_brier_score: give at least two times")
    scores = brier_scores(time, event, survival, times, train=train)
    return float(np.trapezoid(scores, times) / (times[-1] - times[0]))


def _eval_times(times, t: np.ndarray, who: str) -> np.ndarray:
    out = np.atleast_1d(np.asarray(times, dtype=float))
    if out.ndim != 1 or not np.isfinite(out).all() or np.any(np.diff(out) <= 0):
        raise DataError(f"{who}: times must be finite and increasing, got {times!r}")
    if out[0] < t.min() or out[-1] >= t.max():
        raise DataError(f"{who}: times must lie within the follow-up [{t.min():g}, {t.max():g}), got {out[0]:g}..{out[-1]:g}")
    return out


def kaplan_meier_curve(time, event) -> CensoringCurve:
    """The Kaplan-Meier survival curve P(T > t) as a step function (same shape as G)."""
    t, e = survival_data(time, event, "kaplan_meier_curve")
    times, n, events, at_risk = _counts(t, e)
    return CensoringCurve(np.r_[-np.inf, times], np.r_[1.0, np.cumprod(1.0 - events / at_risk)])


# ----------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Calibration:
    """Calibration of predicted P(churn by ``horizon``): ICI (mean absolute gap between the
    predicted and the smoothed observed probability), E50 and E90 (its median and 90th
    percentile) and the smoothed curve (``predicted``, ``observed``) for a plot."""

    horizon: float
    ici: float
    e50: float
    e90: float
    curve: pd.DataFrame


def calibration(time, event, churn_probability, horizon: float, *, knots: int = 4, max_rows: int = 50_000,
                seed: int = 0) -> Calibration:
    """The observed probability of churn by ``horizon`` as a smooth function of the predicted one.

    When some customers are censored before the horizon: Austin, Harrell & van Klaveren (2020),
    a Cox model of the churn times on a restricted cubic spline of cll(p) = log(-log(1 - p)),
    whose P(T <= horizon) is the observed probability. When everybody is followed past the
    horizon (a holdout period at least as long), the outcome is binary and fully observed: a
    logistic regression on a restricted cubic spline of logit(p) (Austin & Steyerberg 2019's
    ICI for binary outcomes), which does not assume proportional hazards beyond the horizon.
    Above ``max_rows`` customers the smoother is fitted on a random ``max_rows`` of them (the
    gaps are still averaged over everybody)."""
    t, e = survival_data(time, event, "calibration")
    p = np.clip(_scores(churn_probability, len(t), "calibration", "churn_probability"), 1e-10, 1 - 1e-10)
    if not np.any(~e & (t < horizon)):
        return _binary_calibration(p, e & (t <= horizon), horizon, knots, max_rows, seed)
    from lifelines import CoxPHFitter

    cll = np.log(-np.log1p(-p))
    grid_knots = np.unique(np.quantile(cll, np.linspace(0.05, 0.95, knots)))
    basis = _rcs_basis(cll, grid_knots)
    frame = pd.DataFrame(basis, columns=[f"s{k}" for k in range(basis.shape[1])])
    frame["time"], frame["event"] = t, e
    fit_rows = frame
    if len(frame) > max_rows:
        fit_rows = frame.sample(max_rows, random_state=seed)
    model = CoxPHFitter(penalizer=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(fit_rows, "time", "event")
    covariates = frame.drop(columns=["time", "event"])
    observed = 1.0 - model.predict_survival_function(covariates, times=[horizon]).to_numpy().ravel()
    gaps = np.abs(observed - p)
    grid = np.linspace(p.min(), p.max(), 100)
    grid_obs = 1.0 - model.predict_survival_function(
        pd.DataFrame(_rcs_basis(np.log(-np.log1p(-np.clip(grid, 1e-10, 1 - 1e-10))), grid_knots), columns=covariates.columns),
        times=[horizon]).to_numpy().ravel()
    curve = pd.DataFrame({"predicted": grid, "observed": grid_obs})
    return Calibration(float(horizon), float(gaps.mean()), float(np.median(gaps)), float(np.quantile(gaps, 0.9)), curve)


def _binary_calibration(p: np.ndarray, y: np.ndarray, horizon: float, knots: int, max_rows: int, seed: int) -> Calibration:
    from sklearn.linear_model import LogisticRegression

    logit = np.log(p) - np.log1p(-p)
    grid_knots = np.unique(np.quantile(logit, np.linspace(0.05, 0.95, knots)))
    basis = _rcs_basis(logit, grid_knots)
    rows = np.arange(len(p))
    if len(p) > max_rows:
        rows = np.random.default_rng(seed).choice(len(p), max_rows, replace=False)
    if y[rows].all() or not y[rows].any():
        observed = np.full(len(p), float(y.mean()))
        smoother = None
    else:
        smoother = LogisticRegression(C=np.inf, max_iter=1000).fit(basis[rows], y[rows])
        observed = smoother.predict_proba(basis)[:, 1]
    gaps = np.abs(observed - p)
    grid = np.linspace(p.min(), p.max(), 100)
    grid_logit = np.log(np.clip(grid, 1e-10, 1 - 1e-10)) - np.log1p(-np.clip(grid, 1e-10, 1 - 1e-10))
    grid_obs = np.full(len(grid), float(y.mean())) if smoother is None else smoother.predict_proba(_rcs_basis(grid_logit, grid_knots))[:, 1]
    curve = pd.DataFrame({"predicted": grid, "observed": grid_obs})
    return Calibration(float(horizon), float(gaps.mean()), float(np.median(gaps)), float(np.quantile(gaps, 0.9)), curve)


def _rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Restricted cubic spline basis (Harrell): x and k - 2 cubic terms, linear beyond the end knots."""
    if len(knots) < 3:
        return x[:, None]
    k = len(knots)
    scale = (knots[-1] - knots[0]) ** 2
    cols = [x]
    for j in range(k - 2):
        term = (np.maximum(x - knots[j], 0) ** 3
                - np.maximum(x - knots[-2], 0) ** 3 * (knots[-1] - knots[j]) / (knots[-1] - knots[-2])
                + np.maximum(x - knots[-1], 0) ** 3 * (knots[-2] - knots[j]) / (knots[-1] - knots[-2]))
        cols.append(term / scale)
    return np.column_stack(cols)
