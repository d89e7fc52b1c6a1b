"""The base of the transaction models (BG/NBD, Pareto/NBD): fitting on the distinct
(frequency, recency, T) rows, and the public predictions they share; plus the special functions
both need. See :mod:`workbench.models.clv` for the conditional-prediction identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betainc, betaln, gammaln, hyp2f1, log1p

from workbench.errors import ConvergenceError, DataError, ParamsError
from workbench.models._mle import Columns, MLEModel, check_rows, group_rows, read_columns


# --------------------------------------------------------------------------------------------
# shared numerics
# --------------------------------------------------------------------------------------------
def _log_hyp2f1_c1(a, b, z):
    """log 2F1(a, b; a+1; z) for a, b > 0 and 0 <= z < 1, without overflow as z -> 1.

    For b > 1 the series diverges at z = 1 like (1-z)^(1-b); Euler's transformation
    2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z) leaves a bounded, positive 2F1.
    """
    a, b, z = np.broadcast_arrays(*(np.asarray(v, float) for v in (a, b, z)))
    euler = b > 1
    out = np.empty(a.shape)
    out[~euler] = np.log(hyp2f1(a[~euler], b[~euler], a[~euler] + 1, z[~euler]))
    ae, be, ze = a[euler], b[euler], z[euler]
    out[euler] = (1 - be) * log1p(-ze) + np.log(hyp2f1(1.0, ae + 1 - be, ae + 1, ze))
    bad = ~np.isfinite(out)
    if bad.any():  # SciPy gives up for large a with z near 1 (e.g. a = 210, z = 0.9993): integrate by parts
        out[bad] = _log_hyp2f1_c1_by_parts(a[bad], b[bad], z[bad])
    return out


def _log_hyp2f1_c1_by_parts(a, b, z, max_steps: int = 200):
    """log 2F1(a, b; a+1; z) from its integral, a z^-a J(a, b) with J(a, b) = integral over (0, z) of
    v^(a-1) (1-v)^(-b) dv, for a > b - 1 and z < 1: integration by parts,
    J(a, b) = z^(a-1) (1-z)^(1-b) / (b-1) - (a-1) / (b-1) J(a-1, b-1), lowers b below 1, where J is
    an incomplete beta function. Near z = 1 (where it is needed) the terms fall fast. NaN for
    b > ``max_steps`` + 1 (a likelihood there is far out on a ridge of vanishing heterogeneity)."""
    a, b, z = (np.asarray(v, float) for v in (a, b, z))
    log_z, log_1z = np.log(z), log1p(-z)
    steps = np.clip(np.ceil(b - 1), 0, max_steps + 1).astype(int)
    total, log_c, sign = np.zeros(len(a)), np.zeros(len(a)), np.ones(len(a))
    aj, bj = a.copy(), b.copy()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # rows already done compute junk, discarded
        lead = np.where(steps > 0, (a - 1) * log_z + (1 - b) * log_1z - np.log(b - 1), 0.0)  # the first term
        for j in range(int(steps.max(initial=0))):
            on = steps > j
            log_t = (aj - 1) * log_z + (1 - bj) * log_1z - np.log(bj - 1)
            total += np.where(on, sign * np.exp(np.where(on, log_c + log_t - lead, 0.0)), 0.0)
            log_c = np.where(on, log_c + np.log(aj - 1) - np.log(bj - 1), log_c)
            sign = np.where(on, -sign, sign)
            aj, bj = np.where(on, aj - 1, aj), np.where(on, bj - 1, bj)
        q = np.maximum(1 - bj, 1e-12)  # the last J is an incomplete beta, B(z; aj, 1 - bj)
        total += sign * np.exp(log_c + betaln(aj, q) + np.log(betainc(aj, q, z)) - lead)
        return np.where(steps > max_steps, np.nan, np.log(a) - a * log_z + lead + np.log(total))


def _neg_binomial_logpmf(k, r, alpha, t):
    """log P(N(t) = k) for a Poisson count with a Gamma(r, alpha) rate (an NBD)."""
    return (
        gammaln(r + k)
        - gammaln(r)
        - gammaln(k + 1)
        + r * (np.log(alpha) - np.log(alpha + t))
        + np.where(k > 0, k * (np.log(t) - np.log(alpha + t)), 0.0)
    )


def _one_minus_pow_over(u, e):
    """(1 - u**e) / e for 0 < u <= 1, continuous at e = 0 (where it is -log u)."""
    logu = np.log(u)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = -np.expm1(e * logu) / e
    return np.where(np.abs(e) < 1e-12, -logu, out)


def _as_times(t, name="t") -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParamsError(f"{name} must be finite and >= 0, got {t!r}")
    return arr


def _increment_weights(factors) -> np.ndarray:
    """w with E @ w = sum_k factors[k] (E[k] - E[k-1]) (E[-1] = 0): w_k = f_k - f_(k+1), f_(K+1) = 0."""
    factors = np.asarray(factors, dtype=float)
    return factors - np.append(factors[1:], 0.0)


def _horizons(horizons, factors) -> tuple[np.ndarray, np.ndarray]:
    horizons, factors = np.asarray(horizons, dtype=float), np.asarray(factors, dtype=float)
    if horizons.ndim != 1 or horizons.shape != factors.shape or np.any(np.diff(horizons) <= 0) or horizons[0] <= 0:
        raise ParamsError("horizons must increase from > 0 and have one factor each")
    return horizons, factors


def _series(values, data: Columns, name: str):
    return pd.Series(np.asarray(values, float), index=data.index, name=name)


def _weights(summary, weights, n: int, source: str) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        if summary is None or weights not in summary.columns:
            raise DataError(f"{source}: weights column {weights!r} missing from the summary")
        weights = summary[weights]
    w = np.asarray(weights, dtype=float).reshape(-1)
    if len(w) != n:
        raise DataError(f"{source}: weights has {len(w)} values for {n} customers")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise DataError(
            f"{source}: column 'weights' is negative or not finite in {bad.sum()} rows, "
            f"e.g. rows {np.flatnonzero(bad)[:3].tolist()}"
        )
    return w


# --------------------------------------------------------------------------------------------
# transaction models
# --------------------------------------------------------------------------------------------
class _TransactionModel(MLEModel):
    """BG/NBD and Pareto/NBD: fit on (frequency, recency, T) and predict per customer.

    A subclass with a ``kind`` (its name in params) and a ``label`` (its name in reports) is
    registered: params, the CLV tier scheme and the CLV report accept it
    (:func:`workbench.models.registry.transaction_models`).
    """

    kind: str | None = None
    label: str | None = None
    #: True for a model that reads the summary's ``sum_log_interpurchase`` (``rfm_summary(regularity=True)``)
    needs_regularity: bool = False

    _fit_columns = ("frequency", "recency", "T")

    def fit(self, summary: pd.DataFrame | None = None, weights=None, *, frequency=None, recency=None, T=None):
        """Fit by maximum likelihood; returns ``self``.

        ``summary`` has columns ``frequency``, ``recency`` and ``T`` (or pass the arrays as
        keywords). ``weights`` (array or column name) counts customers per row, e.g. for a table
        of distinct ``(frequency, recency, T)`` with their counts; rows are grouped either way.
        """
        source = f"{type(self).__name__}.fit"
        data = self._read(summary, frequency, recency, T, source)
        w = _weights(summary, weights, len(data), source)
        (x, tx, T_), counts, _ = group_rows([data["frequency"], data["recency"], data["T"]], w)
        keep = counts > 0
        if not np.any(x[keep] > 0):
            raise ConvergenceError(
                f"{source}: no customer has a repeat purchase (frequency > 0), so the likelihood has no "
                "maximum and the model is not identified; fit on data with repeat customers."
            )
        self._fit_grouped({"x": x[keep], "tx": tx[keep], "T": T_[keep]}, counts[keep])
        self.max_frequency_ = int(x[keep].max())
        self.max_T_ = float(T_[keep].max())
        return self

    def input_columns(self) -> list[str]:
        """The summary columns its predictions read."""
        return list(self._fit_columns)

    def _fit_grouped(self, data: dict, weights: np.ndarray) -> None:
        """Fit on the distinct (x, t_x, T) rows with their weights (a model with a discrete
        parameter searches it here)."""
        self._optimise(data, weights)

    def _read(self, summary, frequency, recency, T, source) -> Columns:
        data = read_columns(summary, self._fit_columns, {"frequency": frequency, "recency": recency, "T": T}, source)
        x, tx, T_ = data["frequency"], data["recency"], data["T"]
        check_rows(data, (x < 0) | (x != np.round(x)), source, "frequency", "is not a non-negative whole number")
        check_rows(data, tx < 0, source, "recency", "is negative")
        check_rows(data, tx > T_ * (1 + 1e-9) + 1e-9, source, "recency", "is greater than T")
        check_rows(data, (x == 0) & (tx != 0), source, "recency", "is not 0 although frequency is 0")
        data.values["recency"] = np.minimum(tx, T_)
        return data

    def _grouped(self, summary, frequency, recency, T, source):
        data = self._read(summary, frequency, recency, T, source)
        unique, _, inverse = group_rows([data["frequency"], data["recency"], data["T"]])
        return data, unique, inverse

    def _initial_log_params(self, data, weights):
        rate = np.sum(weights * data["x"]) / max(np.sum(weights * data["T"]), 1e-12)
        alpha0 = 1.0 / max(rate, 1e-6)
        return np.log(self._start_values(alpha0))

    # --- public predictions ----------------------------------------------------------------
    def expected_purchases(self, t, summary: pd.DataFrame | None = None, **columns):
        """Expected repeat purchases in ``t`` time units.

        Without a summary: E[X(t)] for a new customer (float or array like ``t``). With a
        summary (or columns): the conditional expectation, as
        :meth:`conditional_expected_purchases`.
        """
        self._check_fitted()
        if summary is not None or columns:
            return self.conditional_expected_purchases(t, summary, **columns)
        t = _as_times(t)
        params = self._params()
        out = (self._p_alive_new(params) * self._expected_new(params, np.atleast_1d(t).reshape(-1))).reshape(t.shape)
        return float(out) if out.ndim == 0 else out

    def conditional_expected_purchases(self, t, summary=None, *, frequency=None, recency=None, T=None) -> pd.Series:
        """E[X(T, T+t) | frequency, recency, T]: expected repeat purchases in the next ``t``."""
        self._check_fitted()
        t = float(_as_times(t))
        data = self._read(summary, frequency, recency, T, "conditional_expected_purchases")
        return _series(self._discounted_purchases([t], [1.0], data), data, "expected_purchases")

    def p_alive(self, summary=None, *, frequency=None, recency=None, T=None) -> pd.Series:
        """P(alive at T | frequency, recency, T), per customer."""
        self._check_fitted()
        data, (x, tx, T_), inv = self._grouped(summary, frequency, recency, T, "p_alive")
        return _series(np.exp(self._log_p_alive(self._params(), x, tx, T_))[inv], data, "p_alive")

    def p_purchases(self, k, t, summary=None, *, frequency=None, recency=None, T=None):
        """P(X(t) = k): probability of exactly ``k`` repeat purchases in ``t`` time units.

        Without a summary: for a new customer (``k`` may be an array). With a summary: the
        conditional probability of ``k`` purchases in ``(T, T+t]`` given each history.
        """
        self._check_fitted()
        t = float(_as_times(t))
        params = self._params()
        if summary is None and frequency is None:
            k = np.asarray(k)
            if np.any(k < 0) or np.any(k != np.round(k)):
                raise ParamsError(f"k must be whole numbers >= 0, got {k!r}")
            alive, zero = self._p_alive_new(params), np.zeros(k.shape)
            pk = self._pmf_given_alive(params, k.astype(float), t, zero, zero, zero)
            out = np.clip(alive * pk + (1 - alive) * (k == 0), 0, 1)
            return float(out) if out.ndim == 0 else out
        if np.ndim(k) or k < 0 or k != round(k):
            raise ParamsError(f"k must be a single whole number >= 0 with a summary, got {k!r}")
        data, (x, tx, T_), inv = self._grouped(summary, frequency, recency, T, "p_purchases")
        alive = np.exp(self._log_p_alive(params, x, tx, T_))
        pk = self._pmf_given_alive(params, np.full(x.shape, float(k)), t, x, tx, T_)
        values = np.clip(alive * pk + (1 - alive) * (k == 0), 0, 1)
        return _series(values[inv], data, f"p_{int(k)}_purchases")

    def expected_purchases_matrix(self, t, T=None, max_frequency=None) -> pd.DataFrame:
        """Conditional E[X(T, T+t)] on a grid of frequency (columns) and recency (rows, 0..T)."""
        return self._grid(lambda g: self.conditional_expected_purchases(t, g), T, max_frequency)

    def p_alive_matrix(self, T=None, max_frequency=None) -> pd.DataFrame:
        """P(alive) on a grid of frequency (columns) and recency (rows, 0..T) at age ``T``."""
        return self._grid(self.p_alive, T, max_frequency)

    def _grid(self, fn, T, max_frequency) -> pd.DataFrame:
        self._check_fitted()
        T = float(self.max_T_ if T is None else T)
        max_frequency = int(self.max_frequency_ if max_frequency is None else max_frequency)
        recency = np.linspace(0, T, int(min(max(np.ceil(T), 1), 200)) + 1)
        freq = np.arange(max_frequency + 1)
        x, tx = np.meshgrid(freq, recency)
        grid = pd.DataFrame({"frequency": x.ravel(), "recency": tx.ravel(), "T": T})
        valid = (grid["frequency"] > 0) | (grid["recency"] == 0)
        values = np.full(len(grid), np.nan)
        values[valid.to_numpy()] = fn(grid[valid]).to_numpy()
        return pd.DataFrame(
            values.reshape(x.shape), index=pd.Index(recency, name="recency"), columns=pd.Index(freq, name="frequency")
        )

    def discounted_expected_purchases(
        self, horizons, factors, summary=None, *, frequency=None, recency=None, T=None
    ) -> pd.Series:
        """Per customer: sum over k of ``factors[k]`` x the expected repeat purchases in
        ``(T + horizons[k-1], T + horizons[k]]`` (``horizons`` increasing, the first interval
        starting at T). With ``factors`` of discounting this is the discounted purchase stream
        that :func:`predict_clv` values; with one horizon and factor 1 it is
        :meth:`conditional_expected_purchases`."""
        self._check_fitted()
        horizons, factors = _horizons(horizons, factors)
        data = self._read(summary, frequency, recency, T, "discounted_expected_purchases")
        return _series(self._discounted_purchases(horizons, factors, data), data, "discounted_purchases")

    def purchase_outlook(self, horizons, factors, summary=None, *, frequency=None, recency=None, T=None) -> pd.DataFrame:
        """Per customer, in one pass: ``p_alive``, ``expected_purchases`` up to the last of
        ``horizons`` and ``discounted_purchases`` (as :meth:`discounted_expected_purchases`)."""
        self._check_fitted()
        horizons, factors = _horizons(horizons, factors)
        data = self._read(summary, frequency, recency, T, "purchase_outlook")
        alive, given_alive, inv = self._paths(horizons, data)
        columns = {"p_alive": alive, "expected_purchases": alive * given_alive[:, -1],
                   "discounted_purchases": alive * (given_alive @ _increment_weights(factors))}
        return pd.DataFrame({k: v[inv] for k, v in columns.items()}, index=data.index)

    def _paths(self, grid, data: Columns):
        """P(alive) and E[X(T, T+grid[k]) | alive] on the distinct rows, and the rows' inverse.

        Uses E[X | history] = P(alive) * E[X | alive], whose second factor depends on (x, T)
        only for BG/NBD and Pareto/NBD: the horizons run on the distinct (x, T) pairs.
        """
        params = self._params()
        (x, tx, T_), _, inv = group_rows([data["frequency"], data["recency"], data["T"]])
        alive = np.exp(self._log_p_alive(params, x, tx, T_))
        return alive, self._given_alive(params, np.asarray(grid, float), x, tx, T_), inv

    def _discounted_purchases(self, grid, factors, data: Columns) -> np.ndarray:
        """Per customer: sum over k of factors[k] * (E[X(T, T+grid[k])] - E[X(T, T+grid[k-1])])."""
        alive, given_alive, inv = self._paths(grid, data)
        return (alive * (given_alive @ _increment_weights(factors)))[inv]

    # --- what a model defines beyond its likelihood -------------------------------------------
    def _p_alive_new(self, params) -> float:
        """P(alive) of a new customer right after the first purchase (1 but for models that let
        customers drop out at once, e.g. MBG/NBD)."""
        return 1.0

    def _expected_new(self, params, t: np.ndarray) -> np.ndarray:
        """E[X(t)] of a new customer who is alive after the first purchase, for each t."""
        return self._expected_alive(params, t, 0.0, 0.0)

    def _given_alive(self, params, grid, x, tx, T) -> np.ndarray:
        """E[X(T, T+t) | history, alive at T] for each t of ``grid``: a (rows, len(grid)) array.

        The BG/NBD and Pareto/NBD posteriors depend on (x, T) only, so the expectation is computed
        on the distinct (x, T) pairs with :meth:`_expected_alive`.
        """
        (px, pT), _, pinv = group_rows([x, T])
        columns = [self._expected_alive(params, np.full(px.shape, t), px, pT) for t in grid]
        return np.column_stack(columns)[pinv]

    def _pmf_given_alive(self, params, k, t, x, tx, T) -> np.ndarray:
        """P(X(T, T+t) = k | history, alive at T): the model's new-customer pmf at the posterior."""
        return self._pmf(params, k, t, *self._posterior(params, x, T))
