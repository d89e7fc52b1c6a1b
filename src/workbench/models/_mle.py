"""Shared maximum-likelihood machinery for the CLV models (lifelines style).

A concrete model declares its parameter names, how to read its columns from a summary, a
weighted negative log-likelihood with its gradient on log-parameters, and starting values. This
base class does the rest: grouping identical rows into weights, L-BFGS-B on log-parameters, a
few Newton steps to polish the optimum, standard errors from the Hessian (delta method back to
the natural scale), the papers' total log-likelihood, AIC, and the display (``summary``,
``print_summary``, ``_repr_html_``, ``__repr__``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd
from scipy import optimize, stats
from sklearn.base import BaseEstimator
from pydantic import Field
from threadpoolctl import ThreadpoolController

from workbench.errors import ConvergenceError, DataError, NotFittedError
from workbench.hyperparams import HyperParams
from workbench.privacy import shown_id

_THREADPOOLS: list[ThreadpoolController] = []


def one_blas_thread():
    """A context with BLAS on one thread: these small problems only lose time to more (and thrash on
    a busy machine). The loaded libraries are inspected once per process, not at every fit."""
    if not _THREADPOOLS:
        _THREADPOOLS.append(ThreadpoolController())
    return _THREADPOOLS[0].limit(limits=1, user_api="blas")


#: Log-parameters are kept in [-LOG_BOUND, LOG_BOUND] (about 1e-13 .. 1e13); an optimum on
#: the bound means the likelihood has no interior maximum for these data.
LOG_BOUND = 30.0


@dataclass(frozen=True)
class Columns:
    """Validated model inputs: named float arrays of equal length and the customer index."""

    values: dict[str, np.ndarray]
    index: pd.Index

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def __len__(self) -> int:
        return len(self.index)


def read_columns(
    summary: pd.DataFrame | None,
    names: Sequence[str],
    arrays: dict[str, object],
    source: str,
) -> Columns:
    """Columns ``names`` from ``summary`` (or from keyword arrays), as float arrays.

    Raises DataError naming the missing column, or the column with non-finite values (with a
    count and example rows).
    """
    given = {k: v for k, v in arrays.items() if v is not None}
    if summary is None and not given:
        raise DataError(f"{source}: pass a summary DataFrame or the arrays {', '.join(names)}")
    if summary is not None:
        if not isinstance(summary, pd.DataFrame):
            raise DataError(f"{source}: summary must be a pandas DataFrame, got {type(summary).__name__}")
        for name in names:
            if name not in summary.columns and name not in given:
                raise DataError(
                    f"{source}: required column {name!r} missing from the summary "
                    f"(columns: {', '.join(map(str, summary.columns))})"
                )
        index = summary.index
        raw = {n: given[n] if n in given else summary[n] for n in names}
    else:
        missing = [n for n in names if n not in given]
        if missing:
            raise DataError(f"{source}: required array {missing[0]!r} missing (pass {', '.join(names)})")
        raw = {n: given[n] for n in names}
        first = raw[names[0]]
        index = first.index if isinstance(first, pd.Series) else pd.RangeIndex(len(np.atleast_1d(first)))
    values = {}
    for name in names:
        try:
            arr = np.asarray(raw[name], dtype=float).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{source}: column {name!r} is not numeric ({exc})") from exc
        if len(arr) != len(index):
            raise DataError(f"{source}: column {name!r} has {len(arr)} values for {len(index)} customers")
        values[name] = arr
    out = Columns(values, index)
    for name in names:
        check_rows(out, ~np.isfinite(out[name]), source, name, "is missing or not finite")
    return out


def check_rows(data: Columns, bad: np.ndarray, source: str, column: str, problem: str) -> None:
    """Raise DataError if any row is flagged ``bad``: the column, the count and a few examples."""
    bad = np.asarray(bad, dtype=bool)
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    examples = ", ".join(
        f"{shown_id(data.index[i])} ({', '.join(f'{k}={v[i]:g}' for k, v in data.values.items())})" for i in rows[:3]
    )
    raise DataError(f"{source}: column {column!r} {problem} in {len(rows)} rows, e.g. {examples}")


def group_rows(arrays: Sequence[np.ndarray], weights: np.ndarray | None = None):
    """Distinct rows of equal-length arrays: ``(unique arrays, summed weights, inverse)``.

    ``unique[k][inverse] == arrays[k]``; the BTYD likelihoods and predictions depend on a
    customer only through these columns, so models work on the distinct rows.
    """
    n = len(arrays[0])
    code = np.zeros(n, dtype=np.int64)
    for arr in arrays:
        c, uniq = pd.factorize(arr, sort=False)
        code = code * len(uniq) + c
        # keep codes small so the product cannot overflow int64
        code, _ = pd.factorize(code, sort=False)
    first = np.full(code.max() + 1 if n else 0, -1, dtype=np.int64)
    first[code[::-1]] = np.arange(n - 1, -1, -1)
    unique = [arr[first] for arr in arrays]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    counts = np.bincount(code, weights=w, minlength=len(first))
    return unique, counts, code


def apply_grouped(fn: Callable[..., np.ndarray], arrays: Sequence[np.ndarray]) -> np.ndarray:
    """``fn(*arrays)`` evaluated once per distinct row and broadcast back (rows on axis 0)."""
    unique, _, inverse = group_rows(arrays)
    return np.asarray(fn(*unique))[inverse]


def check_gradient(model: MLEModel, data: dict, weights: np.ndarray, log_params: np.ndarray, h: float = 1e-6):
    """Analytic gradient and a central finite-difference one at ``log_params`` (for tests)."""
    data = model._prepare(data)
    _, grad = model._negll(np.asarray(log_params, float), data, weights)
    fd = np.empty_like(grad)
    for j in range(len(log_params)):
        e = np.zeros(len(log_params))
        e[j] = h
        fd[j] = (model._negll(log_params + e, data, weights)[0] - model._negll(log_params - e, data, weights)[0]) / (
            2 * h
        )
    return grad, fd


class MLEParams(HyperParams):
    """Hyper-parameters every maximum-likelihood model shares."""

    initial_params: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False)]] | None = None
    tol: float = Field(1e-10, gt=0)
    max_iter: int = Field(2000, ge=1)


class MLEModel(BaseEstimator):
    """Base of the fitted models: optimisation, standard errors and display.

    A scikit-learn estimator (``get_params``, ``set_params``, ``clone``): ``__init__`` stores its
    keyword hyper-parameters and nothing else; everything learned ends in ``_``.

    Subclasses set ``_param_names`` and implement ``_fit_data(summary, arrays)`` (validated
    distinct rows as a dict of arrays plus weights), ``_negll(log_params, data, weights)``
    returning the weighted negative log-likelihood and its gradient in log-parameters, and
    ``_initial_log_params(data, weights)``.
    """

    _param_names: tuple[str, ...] = ()
    _fit_columns: tuple[str, ...] = ()
    #: (shape, rate) index pairs of the mixing distributions, probed for a ridge to infinity
    _ridge_pairs: tuple[tuple[int, int], ...] = ()

    Params: type[HyperParams] = MLEParams

    def __init__(self, *, initial_params: dict | None = None, tol: float = 1e-10, max_iter: int = 2000):
        self.initial_params = initial_params
        self.tol = tol
        self.max_iter = max_iter

    # --- fitting ---------------------------------------------------------------------------
    def _optimise(self, data: dict, weights: np.ndarray, start: np.ndarray | None = None) -> MLEModel:
        """Maximise the weighted log-likelihood on the distinct rows ``data`` (weights = counts),
        from ``start`` (log-parameters) when given, else from ``initial_params`` or the model's own
        starting values."""
        self.Params.checked(self.get_params(), f"{type(self).__name__}.fit")
        n_obs = float(weights.sum())
        if n_obs <= 0:
            raise DataError(f"{type(self).__name__}.fit: no customers to fit (total weight is 0)")
        x0 = self._start(data, weights) if start is None else np.asarray(start, float)
        data = self._prepare(data)
        mean_negll = self._objective(data, weights)
        with one_blas_thread():
            res = self._minimise(mean_negll, x0)
            theta, hess = self._newton_polish(np.asarray(res.x, float), mean_negll)
            value, grad = mean_negll(theta)
        self._fit_rows_ = (data, weights)  # the distinct rows: log_likelihood() at other parameters
        self._check_converged(theta, value, grad, hess, res, mean_negll, n_obs)

        cov = np.linalg.inv(hess) / n_obs
        params = self._natural(theta)
        jacobian = np.where(self._log_scaled(), params, 1.0)  # delta method back to the natural scale
        names = list(self._param_names)
        self.params_ = pd.Series(params, index=names, name="coef")
        self._theta_covariance_ = cov  # on the optimiser's scale: parameter draws (workbench.models.uncertainty)
        self.variance_matrix_ = pd.DataFrame(np.outer(jacobian, jacobian) * cov, index=names, columns=names)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(self.variance_matrix_.to_numpy())), index=names, name="se")
        self.log_likelihood_ = -float(value) * n_obs
        n_params = len(names) + self._n_discrete_params()
        self.AIC_ = 2 * n_params - 2 * self.log_likelihood_
        self.BIC_ = np.log(n_obs) * n_params - 2 * self.log_likelihood_
        self.n_obs_ = n_obs
        self.n_distinct_ = int(len(weights))
        self.n_iter_ = int(res.nit)
        return self

    def _objective(self, data: dict, weights: np.ndarray):
        """The mean negative log-likelihood and its gradient on prepared rows, as the optimiser wants it."""
        n_obs = float(weights.sum())

        def mean_negll(theta):
            value, grad = self._negll(theta, data, weights)
            if not np.isfinite(value):
                return 1e300, np.zeros_like(theta)
            return value / n_obs, grad / n_obs

        return mean_negll

    def _minimise(self, fun, x0: np.ndarray, rough: bool = False):
        """L-BFGS-B on log-parameters kept within +-LOG_BOUND (``rough``: to about 1e-11 of the
        log-likelihood, enough to compare candidates that are then refined)."""
        tolerances = {"ftol": 1e-11, "gtol": 1e-7} if rough else {"ftol": 1e-15, "gtol": self.tol}
        return optimize.minimize(
            fun, x0, jac=True, method="L-BFGS-B", bounds=[(-LOG_BOUND, LOG_BOUND)] * len(x0),
            options={"maxiter": self.max_iter, "maxcor": 20, **tolerances},
        )

    def _log_scaled(self) -> np.ndarray:
        """Which parameters the optimiser sees as logarithms (all but, e.g., covariate coefficients)."""
        return np.ones(len(self._param_names), dtype=bool)

    def _natural(self, theta: np.ndarray) -> np.ndarray:
        """Parameters on their own scale from the optimiser's vector."""
        return np.where(self._log_scaled(), np.exp(theta), theta)

    def _theta(self, values: np.ndarray) -> np.ndarray:
        """The optimiser's vector from parameters on their own scale."""
        values = np.asarray(values, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self._log_scaled(), np.log(values), values)

    def _individual_values(self, theta: np.ndarray) -> np.ndarray:
        """The model's parameters for each kind of customer, one row each (one row without covariates)."""
        return self._natural(theta)[None, :]

    def _n_discrete_params(self) -> int:
        """Parameters chosen by likelihood outside the optimiser (e.g. a searched Erlang k): they count in AIC and BIC."""
        return 0

    def _start(self, data: dict, weights: np.ndarray) -> np.ndarray:
        if self.initial_params is None:
            return np.clip(self._initial_log_params(data, weights), -LOG_BOUND + 1, LOG_BOUND - 1)
        start = dict(self.initial_params)
        if set(start) != set(self._param_names):
            from workbench.errors import ParamsError

            raise ParamsError(
                f"{type(self).__name__}: initial_params needs exactly the keys {list(self._param_names)}, "
                f"got {sorted(start)}"
            )
        values = np.array([start[n] for n in self._param_names], dtype=float)
        return self._theta(values)

    def _newton_polish(self, theta: np.ndarray, fun, steps: int = 10):
        """Newton steps from the quasi-Newton optimum with one Hessian; returns (theta, Hessian).

        Each step is kept only if it lowers the objective's gradient; the Hessian is recomputed
        at the end if the steps moved the estimate noticeably (it gives the standard errors).
        """
        hess = self._hessian(theta, fun)
        start = theta
        value, grad = fun(theta)
        for _ in range(steps):
            if not np.all(np.isfinite(grad)) or np.max(np.abs(grad)) < 1e-14:
                break
            try:
                step = -np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            new = np.clip(theta + step, -LOG_BOUND, LOG_BOUND)
            new_value, new_grad = fun(new)
            if not (new_value <= value + 1e-14 * abs(value) and np.linalg.norm(new_grad) < np.linalg.norm(grad)):
                break
            theta, value, grad = new, new_value, new_grad
            if np.max(np.abs(step)) < 1e-12:
                break
        if np.max(np.abs(theta - start)) > 1e-6:
            hess = self._hessian(theta, fun)
        return theta, hess

    @staticmethod
    def _hessian(theta: np.ndarray, fun, h: float = 1e-5) -> np.ndarray:
        """Central differences of the analytic gradient, symmetrised."""
        k = len(theta)
        hess = np.empty((k, k))
        for j in range(k):
            e = np.zeros(k)
            e[j] = h
            hess[:, j] = (fun(theta + e)[1] - fun(theta - e)[1]) / (2 * h)
        return (hess + hess.T) / 2

    def _check_converged(self, theta, value, grad, hess, res, fun, n_obs) -> None:
        name = type(self).__name__
        hint = (
            "Check the data (enough repeat customers, recency <= T, plausible values) and the time "
            "unit (rescale time so T is of order 1-1000, e.g. weeks instead of days), or pass "
            "initial_params."
        )
        if not np.isfinite(value) or not np.all(np.isfinite(theta)):
            raise ConvergenceError(f"{name}.fit did not converge: the log-likelihood is not finite. {hint}")
        at_bound = np.abs(theta) >= LOG_BOUND - 1e-6
        if at_bound.any():
            names = [n for n, b in zip(self._param_names, at_bound) if b]
            raise ConvergenceError(
                f"{name}.fit did not converge: parameter(s) {names} ran to the edge "
                f"(values {self._natural(theta)[at_bound]}); the data do not identify the model. {hint}"
            )
        # A mixing distribution whose shape and rate both grow without bound tends to a point mass
        # (no heterogeneity); the likelihood then keeps rising, or stays flat, along that ridge and
        # the optimiser stops anywhere on it, possibly reporting no convergence (so this is asked
        # first). Probe each ridge 20- and 400-fold further out: far along the ridge the likelihood
        # is flat to rounding, so one probe can land on noise. Both beyond 1e5 is that limit too, for
        # any customer (the ridge may bend, e.g. with covariate coefficients moving along).
        individual = self._individual_values(theta)
        for i, j in self._ridge_pairs:
            further = np.inf
            for factor in (20.0, 400.0):
                d = np.zeros(len(theta))
                d[[i, j]] = np.log(factor)
                further = min(further, fun(np.clip(theta + d, -LOG_BOUND, LOG_BOUND))[0])
            if further * n_obs <= value * n_obs + 1e-4 or np.any(np.minimum(individual[:, i], individual[:, j]) > 1e5):
                names = (self._param_names[i], self._param_names[j])
                raise ConvergenceError(
                    f"{name}.fit found no interior maximum: the likelihood does not fall when {names[0]} and "
                    f"{names[1]} grow together (estimates {np.exp(theta[i]):.4g}, {np.exp(theta[j]):.4g}), so the "
                    f"data do not identify the model (too little heterogeneity or too few repeat customers). {hint}"
                )
        scale = np.sqrt(np.abs(np.diag(hess))) + 1e-12
        if np.max(np.abs(grad) / scale) > 1e-4:
            where = ", ".join(f"{n} = {v:.4g}" for n, v in zip(self._param_names, self._natural(theta)))
            raise ConvergenceError(
                f"{name}.fit did not converge after {res.nit} iterations ({res.message}) at {where}; "
                f"largest gradient {np.max(np.abs(grad)):.2g}. A shape and rate that grow together (e.g. s and "
                f"beta) mean the data show less heterogeneity than the model allows. {hint}"
            )
        try:
            np.linalg.cholesky(hess)
        except np.linalg.LinAlgError:
            raise ConvergenceError(
                f"{name}.fit stopped at a point that is not a maximum (Hessian not positive definite). {hint}"
            ) from None

    def _prepare(self, data: dict) -> dict:
        """Precompute what the likelihood needs at every evaluation (default: nothing)."""
        return data

    def log_likelihood(self, params: Mapping[str, float] | pd.Series | None = None) -> float:
        """The log-likelihood of the fitted data (the papers' sum over customers) at ``params``
        (a mapping of every parameter name to a value, positive but for covariate coefficients;
        default: the estimates)."""
        self._check_fitted()
        if params is None:
            return float(self.log_likelihood_)
        values = dict(params)
        missing = [n for n in self._param_names if n not in values]
        if missing or set(values) - set(self._param_names):
            from workbench.errors import ParamsError

            raise ParamsError(f"{type(self).__name__}.log_likelihood: params needs exactly {list(self._param_names)}, got {sorted(values)}")
        theta = self._theta(np.array([float(values[n]) for n in self._param_names]))
        data, weights = self._fit_rows_
        value, _ = self._negll(theta, data, weights)
        return -float(value)

    # --- fitted state and display ----------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call .fit(summary) first.")

    def _params(self) -> tuple[float, ...]:
        self._check_fitted()
        return tuple(float(v) for v in self.params_.to_numpy())

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates, standard errors and Wald 95 % intervals, one row per parameter."""
        self._check_fitted()
        z = stats.norm.ppf(0.975)
        return pd.DataFrame(
            {
                "coef": self.params_,
                "se(coef)": self.standard_errors_,
                "lower 95%": self.params_ - z * self.standard_errors_,
                "upper 95%": self.params_ + z * self.standard_errors_,
            }
        )

    def _header(self) -> list[tuple[str, str]]:
        return [
            ("model", type(self).__name__),
            ("customers", f"{self.n_obs_:,.0f}"),
            ("distinct rows", f"{self.n_distinct_:,}"),
            ("log-likelihood", f"{self.log_likelihood_:,.2f}"),
            ("AIC", f"{self.AIC_:,.2f}"),
            ("BIC", f"{self.BIC_:,.2f}"),
        ]

    def print_summary(self, decimals: int = 4) -> None:
        """Print the header (customers, log-likelihood, AIC) and the parameter table."""
        self._check_fitted()
        width = max(len(k) for k, _ in self._header())
        for key, value in self._header():
            print(f"{key:>{width}} = {value}")
        print()
        print(self.summary.round(decimals).to_string())

    def _repr_html_(self) -> str:
        if not hasattr(self, "params_"):
            return f"<p>{html.escape(repr(self))}</p>"
        head = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in self._header()
        )
        return f"<table>{head}</table>" + self.summary.to_html(float_format=lambda v: f"{v:.4f}")

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<workbench.{name}: not fitted>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<workbench.{name}: fitted on {self.n_obs_:,.0f} customers, {params}, LL={self.log_likelihood_:,.2f}>"
