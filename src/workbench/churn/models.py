"""Churn (survival) models on the customers' lifetimes, registered by ``kind`` as the CLV models are.

Every model fits on a durations frame (:func:`~workbench.churn.durations.churn_durations`): a
duration column, the ``churned`` flag and covariate columns (customer attributes, RFM figures),
coded by :class:`~workbench.data.design.Design` (constant and collinear columns dropped with a
note). They share the estimator contract of the CLV models: ``__init__`` stores keyword
hyper-parameters (declared once in ``Params``), ``fit`` returns ``self`` and learns
``params_``, ``standard_errors_``, ``log_likelihood_`` and ``notes_``; ``summary``,
``print_summary``, ``_repr_html_``. Predictions, per customer:

- ``survival_function(data, times)``: P(T > t);
- ``churn_probability(data, horizon, age, known)``: P(churn known within ``horizon`` from now |
  the customer is ``age`` old and cannot churn before ``known``) — the early-warning score;
- ``remaining_lifetime(data, age, known, limit)``: expected time from now until the churn is known,
  restricted to ``limit``;
- ``risk(data)``: a score that orders customers by how soon they churn (for concordance).

Kinds: ``cox`` (Cox proportional hazards, penalised, Efron ties, written here in numpy — the
lifelines fitter takes 80 s at a million customers), ``weibull_aft`` (lifelines'
WeibullAFTFitter) and ``weibull_cure`` (a mixture cure model: a share of customers never
churn; maximum likelihood with autograd's exact gradient and Hessian).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field
from scipy import stats
from sklearn.base import BaseEstimator

from workbench.data.design import Design
from workbench.churn.metrics import survival_data
from workbench.errors import ConvergenceError, DataError, NotFittedError, ParamsError
from workbench.hyperparams import HyperParams


class SurvivalParams(HyperParams):
    """Hyper-parameters shared by the churn models."""

    penalizer: float = Field(0.01, ge=0, description="ridge penalty per customer on the coefficients")
    max_iter: int = Field(100, ge=1)


def _linear(coefs: dict, param: str, X: np.ndarray) -> np.ndarray:
    """Intercept + X @ coefficients of one parameter block (``coefs[param]``)."""
    coef = coefs[param]
    return coef[0] + X @ coef[1:]


#: Cells (customers x grid points) computed at once by the integrals over a time grid.
BLOCK_CELLS = 2_000_000


def row_blocks(n: int, steps: int) -> list[slice]:
    """Slices of rows such that a block of rows x (steps + 2) grid points stays near BLOCK_CELLS."""
    size = max(1, BLOCK_CELLS // (steps + 2))
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


class SurvivalModel(BaseEstimator):
    """Base of the churn models: data checks, the covariate design, predictions from
    ``_log_survival`` and the display. A subclass with ``kind`` and ``label`` is registered."""

    kind: ClassVar[str | None] = None
    label: ClassVar[str | None] = None
    Params: ClassVar[type[HyperParams]] = SurvivalParams

    def __init__(self, penalizer: float = 0.01, max_iter: int = 100):
        self.penalizer = penalizer
        self.max_iter = max_iter

    # --- fitting ---------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame, duration: str = "duration", event: str = "churned",
            covariates: Sequence[str] = ()) -> SurvivalModel:
        """Fit on ``data[duration]`` (time units, > 0 for the parametric models), ``data[event]``
        and the ``covariates`` columns; returns ``self``."""
        who = f"{type(self).__name__}.fit"
        self.hyper_ = self.Params.checked(self.get_params(), who)
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"{who}: data must be a pandas DataFrame, got {type(data).__name__}")
        for column in (duration, event):
            if column not in data.columns:
                raise DataError(f"{who}: column {column!r} missing; available: {', '.join(map(str, data.columns))}")
        t, e = survival_data(data[duration], data[event], who)
        if not e.any():
            raise DataError(f"{who}: no churn is observed (column {event!r} is False for every customer), so no churn model can be fitted")
        informative = (t > 0) | e  # censored at 0: S(0) = 1, nothing to learn (a customer first seen today)
        if not informative.all():
            data, t, e = data[informative], t[informative], e[informative]
        design = Design.fit(data, covariates, who)
        X = design.transform(data, who).to_numpy(dtype=float)
        self.design_ = design
        self.duration_, self.event_ = duration, event
        self.n_obs_, self.n_events_ = len(t), int(e.sum())
        self.notes_ = list(design.notes)
        if not informative.all():
            self.notes_.append(f"{int((~informative).sum())} customers censored at time 0 (first seen at the end) "
                               "carry no information and are left out")
        self._fit(X, t, e, who)
        self.reference_time_ = float(np.median(t[e]))
        self.AIC_ = 2 * len(self.params_) - 2 * self.log_likelihood_
        return self

    def _fit(self, X: np.ndarray, t: np.ndarray, e: np.ndarray, who: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _log_survival(self, X: np.ndarray, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """log P(T > t) for rows X (n, p) at times t (n, k)."""
        raise NotImplementedError

    # --- predictions -----------------------------------------------------------------------
    def _X(self, data: pd.DataFrame, who: str) -> np.ndarray:
        self._check_fitted()
        return self.design_.transform(data, who).to_numpy(dtype=float)

    def survival_function(self, data: pd.DataFrame, times) -> pd.DataFrame:
        """P(T > t) per customer (rows) at each of ``times`` (columns)."""
        X = self._X(data, "survival_function")
        times = np.atleast_1d(np.asarray(times, dtype=float))
        t = np.broadcast_to(times[None, :], (len(X), len(times)))
        return pd.DataFrame(np.exp(self._log_survival(X, t)), index=data.index, columns=times)

    def risk(self, data: pd.DataFrame) -> pd.Series:
        """P(T <= the median observed churn time): higher means churning sooner."""
        X = self._X(data, "risk")
        t = np.full((len(X), 1), self.reference_time_)
        return pd.Series(-np.expm1(self._log_survival(X, t)[:, 0]), index=data.index, name="risk")

    def churn_probability(self, data: pd.DataFrame, horizon: float | np.ndarray, age: str = "age",
                          known: str = "duration") -> pd.Series:
        """P(T <= age + horizon | T >= known): the chance that the churn is known within
        ``horizon`` (one number, or one per row) from now, for a customer now ``age`` old whose churn cannot be known before
        ``known`` (columns of ``data``; zero when ``age + horizon < known``)."""
        X = self._X(data, "churn_probability")
        a, b = self._ages(data, age, known, "churn_probability")
        log_s = self._log_survival(X, np.column_stack([np.maximum(a + horizon, b), b]))
        p = -np.expm1(log_s[:, 0] - log_s[:, 1])
        name = f"p_churn_{horizon:g}" if np.ndim(horizon) == 0 else "p_churn"
        return pd.Series(np.clip(p, 0, 1), index=data.index, name=name)

    def remaining_lifetime(self, data: pd.DataFrame, age: str = "age", known: str = "duration", limit: float = 730.0,
                           steps: int = 200) -> pd.Series:
        """E[min(T, age + limit) - age | T >= known]: expected time from now until the churn is
        known, within ``limit`` (trapezoid rule on ``steps`` intervals)."""
        X = self._X(data, "remaining_lifetime")
        a, b = self._ages(data, age, known, "remaining_lifetime")
        u = np.linspace(0, limit, steps + 1)
        out = np.empty(len(a))
        for rows in row_blocks(len(a), steps):  # customers x grid points, a block at a time
            grid = np.maximum(a[rows, None] + u[None, :], b[rows, None])
            log_s = self._log_survival(X[rows], np.column_stack([grid, b[rows]]))
            out[rows] = np.trapezoid(np.exp(log_s[:, :-1] - log_s[:, -1:]), u, axis=1)
        return pd.Series(out, index=data.index, name="remaining_lifetime")

    def _ages(self, data: pd.DataFrame, age: str, known: str, who: str) -> tuple[np.ndarray, np.ndarray]:
        for column in (age, known):
            if column not in data.columns:
                raise DataError(f"{who}: column {column!r} missing; available: {', '.join(map(str, data.columns))}")
        return data[age].to_numpy(dtype=float), data[known].to_numpy(dtype=float)

    # --- display ---------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call .fit(durations) first.")

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates, standard errors, z, p and Wald 95 % intervals, one row per parameter."""
        self._check_fitted()
        z = self.params_ / self.standard_errors_
        q = stats.norm.ppf(0.975)
        return pd.DataFrame({
            "coef": self.params_, "se(coef)": self.standard_errors_, "z": z,
            "p": 2 * stats.norm.sf(np.abs(z)),
            "lower 95%": self.params_ - q * self.standard_errors_, "upper 95%": self.params_ + q * self.standard_errors_,
        })

    def _header(self) -> list[tuple[str, str]]:
        return [("model", type(self).__name__), ("customers", f"{self.n_obs_:,}"), ("churns observed", f"{self.n_events_:,}"),
                ("log-likelihood", f"{self.log_likelihood_:,.2f}"), ("AIC", f"{self.AIC_:,.2f}")]

    def print_summary(self, decimals: int = 4) -> None:
        """Print the header, the notes and the parameter table."""
        self._check_fitted()
        width = max(len(k) for k, _ in self._header())
        for key, value in self._header():
            print(f"{key:>{width}} = {value}")
        for note in self.notes_:
            print(f"note: {note}")
        print()
        print(self.summary.round(decimals).to_string())

    def _repr_html_(self) -> str:
        if not hasattr(self, "params_"):
            return f"<p>{html.escape(repr(self))}</p>"
        head = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in self._header())
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes_)
        return f"<table>{head}</table>" + (f"<ul>{notes}</ul>" if notes else "") + self.summary.to_html(float_format=lambda v: f"{v:.4f}")

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<workbench.{name}: not fitted>"
        return f"<workbench.{name}: fitted on {self.n_obs_:,} customers ({self.n_events_:,} churns), LL={self.log_likelihood_:,.2f}>"


# ----------------------------------------------------------------------------- Cox


class CoxParams(SurvivalParams):
    """Hyper-parameters of :class:`CoxPH`."""

    tol: float = Field(1e-9, gt=0, description="Newton stops when the step is below it")
    ph_sample: int = Field(50_000, ge=100, description="customers used by the proportional-hazards check")


class CoxPH(SurvivalModel):
    """Cox proportional hazards: h(t | x) = h0(t) exp(x'beta), fitted by Newton on the partial
    likelihood with Efron's tie correction and a ridge penalty ``n * penalizer * |beta|^2 / 2``
    (lifelines' convention); Breslow's baseline hazard, continued past the last churn time at its
recent average rate (``tail_rate_``). ``ph_check_`` says in words whether the
    hazard ratios hold over the lifetime (Grambsch-Therneau test on rank time, lifelines)."""

    kind = "cox"
    label = "Cox proportional hazards"
    Params = CoxParams

    def __init__(self, penalizer: float = 0.01, max_iter: int = 100, tol: float = 1e-9, ph_sample: int = 50_000):
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.tol = tol
        self.ph_sample = ph_sample

    def _fit(self, X, t, e, who):
        n, p = X.shape
        self._mean = X.mean(axis=0) if p else np.zeros(0)
        Xc = X - self._mean
        order = np.argsort(-t, kind="stable")
        Xs, ts, es = Xc[order], t[order], e[order]
        beta = np.zeros(p)
        ll, grad, hess = _efron(Xs, ts, es, beta)
        pen = self.penalizer * n
        objective = ll - 0.5 * pen * beta @ beta
        for _ in range(self.max_iter):
            g = grad - pen * beta
            h = hess - pen * np.eye(p)
            if p == 0:
                break
            try:
                step = np.linalg.solve(h, -g)
            except np.linalg.LinAlgError:
                raise ConvergenceError(f"{who}: the Hessian is singular; raise penalizer") from None
            scale = 1.0
            while True:
                trial = beta + scale * step
                t_ll, t_grad, t_hess = _efron(Xs, ts, es, trial)
                t_obj = t_ll - 0.5 * pen * trial @ trial
                if t_obj >= objective - 1e-12 * abs(objective) or scale < 1e-6:
                    break
                scale /= 2
            beta, ll, grad, hess, previous, objective = trial, t_ll, t_grad, t_hess, objective, t_obj
            if np.max(np.abs(scale * step)) < self.tol or abs(objective - previous) < 1e-12 * max(abs(objective), 1):
                break
        else:
            raise ConvergenceError(f"{who}: Newton did not converge in {self.max_iter} steps; raise penalizer or max_iter")
        info = -(hess - pen * np.eye(p))
        cov = np.linalg.inv(info) if p else np.zeros((0, 0))
        names = self.design_.names
        self.params_ = pd.Series(beta, index=pd.Index(names, name="covariate"), name="coef")
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=self.params_.index, name="se(coef)")
        self.log_likelihood_ = float(ll)
        self.baseline_times_, self.baseline_cumulative_hazard_ = _breslow(Xc @ beta, t, e)
        self.last_churn_time_ = float(t[e].max())
        self.tail_rate_ = _tail_rate(self.baseline_times_, self.baseline_cumulative_hazard_, t[e])
        self.notes_.append(f"beyond {t[e].max():g} (the last churn seen) the baseline hazard continues at its average over "
                           f"the last quarter of the churn times, {self.tail_rate_:.3g} per time unit")
        self.ph_check_ = self._ph_check(X, t, e) if p else "No covariates: nothing to check."

    def _log_survival(self, X, t):
        lp = (X - self._mean) @ self.params_.to_numpy()
        last = self.last_churn_time_
        idx = np.searchsorted(self.baseline_times_, np.minimum(t, last), side="right") - 1
        H0 = np.where(idx >= 0, self.baseline_cumulative_hazard_[np.maximum(idx, 0)], 0.0)
        H0 = H0 + self.tail_rate_ * np.maximum(t - last, 0.0)
        return -H0 * np.exp(lp)[:, None]

    @property
    def hazard_ratios_(self) -> pd.Series:
        """exp(coef): the factor on the churn hazard per unit of each covariate (per SD for numbers)."""
        self._check_fitted()
        return np.exp(self.params_).rename("hazard ratio")

    def _ph_check(self, X, t, e) -> str:
        from lifelines import CoxPHFitter
        from lifelines.statistics import proportional_hazard_test

        rng = np.random.default_rng(0)
        rows = rng.choice(len(t), self.ph_sample, replace=False) if len(t) > self.ph_sample else np.arange(len(t))
        names = [f"x{i}" for i in range(X.shape[1])]
        frame = pd.DataFrame(X[rows], columns=names).assign(T=t[rows], E=e[rows])
        if not frame["E"].any():
            return "Not checked: no churn in the sample."
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fitted = CoxPHFitter(penalizer=self.penalizer).fit(frame, "T", "E")
                result = proportional_hazard_test(fitted, frame, time_transform="rank")
            except Exception as exc:  # noqa: BLE001 - the check is advisory; the fit stands
                return f"Not checked: the test did not run ({type(exc).__name__})."
        p = pd.Series(np.asarray(result.p_value, dtype=float), index=[self.design_.names[int(n[1:])] for n in result.name])
        bad = p[p < 0.01].sort_values()
        if bad.empty:
            return ("Proportional hazards hold: no covariate's effect changes with time (Grambsch-Therneau test, "
                    "every p >= 0.01), so each hazard ratio applies over the whole lifetime.")
        listed = ", ".join(f"{name} (p = {value:.2g})" for name, value in bad.items())
        return (f"The effect of {listed} changes over the lifetime (Grambsch-Therneau test, p < 0.01): read those hazard "
                "ratios as averages over time, and prefer the AFT model's time scale for them.")


def _efron(Xs: np.ndarray, ts: np.ndarray, es: np.ndarray, beta: np.ndarray):
    """Log partial likelihood (Efron ties), gradient and Hessian; rows sorted by time descending."""
    n, p = Xs.shape
    eta = Xs @ beta
    shift = eta.max() if n else 0.0
    w = np.exp(eta - shift)
    # tie groups of equal time; the risk set of a group is every row up to its end (descending time)
    last_of_group = np.r_[ts[1:] != ts[:-1], True]
    end = np.flatnonzero(last_of_group)  # index of the last row of each group
    group = np.cumsum(np.r_[True, ts[1:] != ts[:-1]]) - 1
    R0 = np.cumsum(w)[end]
    R1 = np.cumsum(w[:, None] * Xs, axis=0)[end]
    ew = w * es
    D0 = np.bincount(group, weights=ew, minlength=len(end))
    D1 = np.stack([np.bincount(group, weights=ew * Xs[:, j], minlength=len(end)) for j in range(p)], axis=1) if p else np.zeros((len(end), 0))
    d = np.bincount(group, weights=es, minlength=len(end)).astype(np.int64)
    # one row per observed churn: the l-th churn (l = 0..d-1) of its group
    ev_group = np.repeat(np.arange(len(end)), d)
    l = np.arange(len(ev_group)) - np.repeat(np.cumsum(d) - d, d)
    frac = l / np.repeat(np.maximum(d, 1), d)
    phi = R0[ev_group] - frac * D0[ev_group]
    S1 = R1[ev_group] - frac[:, None] * D1[ev_group]
    ll = float(eta[es].sum() - np.sum(np.log(phi) + shift))
    grad = Xs[es].sum(axis=0) - (S1 / phi[:, None]).sum(axis=0)
    # sum over churn rows of S2/phi, with S2 = R2_g - frac D2_g, without forming R2 per group:
    a = np.bincount(ev_group, weights=1 / phi, minlength=len(end))
    b = np.bincount(ev_group, weights=frac / phi, minlength=len(end))
    # groups run from the longest time down; a row is at risk in its own group and every later one
    reach = np.cumsum(a[::-1])[::-1][group]
    term_r = (Xs * (w * reach)[:, None]).T @ Xs
    term_d = (Xs * (ew * b[group])[:, None]).T @ Xs
    outer = (S1 / phi[:, None]).T @ (S1 / phi[:, None])
    hess = -(term_r - term_d - outer)
    return ll, grad, hess


def _tail_rate(times: np.ndarray, H0: np.ndarray, churn_times: np.ndarray) -> float:
    """The average baseline hazard over the last quarter of the churn times: how the baseline
    continues past the last one (a step function would say nobody churns later, which a
    landmark prediction beyond the calibration window must not assume)."""
    last, first = float(churn_times.max()), float(churn_times.min())
    start = last - 0.25 * (last - first)
    if last <= start:
        return float(H0[-1] / max(last, 1e-12))
    at = lambda x: H0[max(int(np.searchsorted(times, x, side="right")) - 1, 0)]  # noqa: E731
    return float((at(last) - at(start)) / (last - start))


def _breslow(lp: np.ndarray, t: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Breslow's baseline cumulative hazard at the distinct times (lifelines' convention:
    churns at t over the sum of exp(lp) of those at risk at t)."""
    times, inverse = np.unique(t, return_inverse=True)
    w = np.exp(lp)
    at_risk = np.cumsum(np.bincount(inverse, weights=w, minlength=len(times))[::-1])[::-1]
    churns = np.bincount(inverse, weights=e, minlength=len(times))
    return times, np.cumsum(churns / at_risk)


# ----------------------------------------------------------------------------- parametric (lifelines)


class _Parametric(SurvivalModel):
    """Parametric models fitted by lifelines on times scaled to a median churn time of 1 (the
    optimiser starts near the answer whatever the time unit; the estimates and the
    log-likelihood are reported in the data's unit); durations must be positive."""

    abstract = True

    def _fit(self, X, t, e, who):
        _check_positive(t, who)
        self._scale = float(np.median(t[e]))
        names = [f"x{i}" for i in range(X.shape[1])]
        frame = pd.DataFrame(X, columns=names).assign(_T=t / self._scale, _E=e)
        fitter = self._fitter(names)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fitter.fit(frame, "_T", "_E")
            except Exception as exc:  # noqa: BLE001 - lifelines' convergence errors, named for the user
                raise ConvergenceError(f"{who}: the fit did not converge ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                                       "raise penalizer or drop covariates") from None
        lookup = dict(zip(names, self.design_.names))
        index = [f"{param}[{lookup.get(cov, cov)}]" for param, cov in fitter.params_.index]
        self._coef = {param: fitter.params_.xs(param).reindex(["Intercept", *names], fill_value=0.0).to_numpy()
                      for param in fitter.params_.index.get_level_values(0).unique()}
        self._coef["lambda_"][0] += np.log(self._scale)  # back to the model's own time unit
        values = fitter.params_.to_numpy().copy()
        values[index.index("lambda_[Intercept]")] += np.log(self._scale)
        self.params_ = pd.Series(values, index=pd.Index(index, name="parameter"), name="coef")
        self.standard_errors_ = pd.Series(fitter.standard_errors_.to_numpy(), index=self.params_.index, name="se(coef)")
        # the likelihood of the times in the model's own units: scaling t by c shifts it by -n_events log c
        self.log_likelihood_ = float(fitter.log_likelihood_ - e.sum() * np.log(self._scale))



def _check_positive(t: np.ndarray, who: str) -> None:
    if np.any(t <= 0):
        raise DataError(f"{who}: {int((t <= 0).sum())} customers churn at time 0, which a parametric model cannot fit; "
                        "fit on 'until_known' (the lifetime plus the inactivity threshold) instead")


class WeibullAFT(_Parametric):
    """Weibull accelerated failure time: S(t | x) = exp(-(t / lambda(x))^rho), log lambda(x) = x'b;
    a coefficient is the log of the factor on the lifetime (exp(coef) > 1: lives longer)."""

    kind = "weibull_aft"
    label = "Weibull AFT"

    def _fitter(self, names):
        from lifelines import WeibullAFTFitter

        return WeibullAFTFitter(penalizer=self.penalizer)

    def _log_survival(self, X, t):
        lam = np.exp(_linear(self._coef, "lambda_", X))[:, None]
        rho = np.exp(self._coef["rho_"][0])
        return -np.power(t / lam, rho)


class WeibullCure(SurvivalModel):
    """Mixture cure model: a share pi(x) = logistic(x'g) of customers never churn; the others have
    a Weibull lifetime as in :class:`WeibullAFT`: S(t | x) = pi(x) + (1 - pi(x)) exp(-(t/lambda(x))^rho).
    ``cure_fraction(data)`` gives pi per customer. Fitted here by L-BFGS with autograd's exact
    gradient and Hessian (lifelines' custom-regression standard errors for this model were 2-3
    times too small in simulation)."""

    kind = "weibull_cure"
    label = "Weibull mixture cure"

    def _fit(self, X, t, e, who):
        import autograd.numpy as anp
        from autograd import grad, hessian
        from scipy import optimize

        _check_positive(t, who)
        self._scale = float(np.median(t[e]))
        log_t = np.log(t / self._scale)
        n, p = X.shape
        Z = np.column_stack([np.ones(n), X])
        k = p + 1
        pen = self.penalizer

        def loglik(theta):
            log_lam = anp.dot(Z, theta[:k])
            rho = anp.exp(theta[k])
            g = anp.dot(Z, theta[k + 1:])
            log_z = anp.clip(rho * (log_t[:, None] - log_lam[:, None])[:, 0], -700.0, 700.0)  # log (t / lambda)^rho
            z = anp.exp(log_z)
            log_pi, log_1m_pi = -anp.logaddexp(0.0, -g), -anp.logaddexp(0.0, g)
            log_f = anp.log(rho) - log_t + log_z - z  # Weibull log density (scaled time)
            log_s = anp.logaddexp(log_pi, log_1m_pi - z)
            return anp.sum(anp.where(e, log_1m_pi + log_f, log_s))

        def negll(theta):
            ridge = 0.5 * pen * n * (anp.sum(theta[1:k] ** 2) + anp.sum(theta[k + 2:] ** 2))
            return -(loglik(theta) - ridge) / n

        gradient = grad(negll)
        bounds = [(-30.0, 30.0)] * k + [(-5.0, 5.0)] + [(-30.0, 30.0)] * k
        result = optimize.minimize(negll, np.zeros(2 * k + 1), jac=gradient, method="L-BFGS-B", bounds=bounds,
                                   options={"maxiter": self.max_iter * 50, "gtol": 1e-10, "ftol": 1e-14})
        on_bound = np.isclose(np.abs(result.x), [b for _, b in bounds])
        if not np.isfinite(result.fun) or on_bound.any():
            raise ConvergenceError(f"{who}: the cure model has no interior maximum (an estimate reached its bound); "
                                   "the follow-up may be too short to tell never-churners from late churners")
        info = np.asarray(hessian(negll)(result.x)) * n
        try:
            cov = np.linalg.inv(info)
            np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            raise ConvergenceError(f"{who}: the cure model has no interior maximum (Hessian not positive definite); "
                                   "raise penalizer or drop covariates") from None
        theta = result.x.copy()
        theta[0] += np.log(self._scale)
        self._coef = {"lambda_": theta[:k], "rho_": theta[k:k + 1], "cure_": theta[k + 1:]}
        covs = ["Intercept", *self.design_.names]
        index = [f"lambda_[{c}]" for c in covs] + ["rho_[Intercept]"] + [f"cure_[{c}]" for c in covs]
        self.params_ = pd.Series(theta, index=pd.Index(index, name="parameter"), name="coef")
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=self.params_.index, name="se(coef)")
        self.log_likelihood_ = float(loglik(result.x) - e.sum() * np.log(self._scale))

    def _log_survival(self, X, t):
        lam = np.exp(_linear(self._coef, "lambda_", X))[:, None]
        rho = np.exp(self._coef["rho_"][0])
        cure = 1 / (1 + np.exp(-_linear(self._coef, "cure_", X)))[:, None]
        return np.log(cure + (1 - cure) * np.exp(-np.power(t / lam, rho)))

    def cure_fraction(self, data: pd.DataFrame) -> pd.Series:
        """pi(x): the probability that the customer never churns."""
        X = self._X(data, "cure_fraction")
        return pd.Series(1 / (1 + np.exp(-_linear(self._coef, "cure_", X))), index=data.index, name="cure_fraction")


def survival_models() -> dict[str, type[SurvivalModel]]:
    """kind -> class of every churn model defined so far (subclasses included)."""
    from workbench.models.registry import kinds_of

    return kinds_of(SurvivalModel)


def survival_model(kind: Any, who: str = "churn.models") -> type[SurvivalModel]:
    """The churn model registered as ``kind``; a ParamsError naming ``who`` and the known kinds."""
    models = survival_models()
    if kind not in models:
        raise ParamsError(f"{who}: unknown churn model {kind!r}; choose from {sorted(models)}")
    return models[kind]
