"""Customer-lifetime-value models: BG/NBD, Pareto/NBD, Gamma-Gamma spend and discounted CLV.

All models read the canonical summary (``frequency``, ``recency``, ``T``, ``monetary_value``;
see ``workbench.summary``) in its own time unit, fit by maximum likelihood on the distinct
``(frequency, recency, T)`` rows weighted by their counts, and report the papers' total
log-likelihood (comparable with the published tables; lifetimes reports a mean on rescaled
time instead). Predictions are computed once per distinct row and broadcast back to customers.

Conditional predictions use one identity throughout: given a history ``(x, t_x, T)``, a customer
who is still alive at ``T`` behaves like a new customer whose heterogeneity distributions are
updated to the posterior (BG/NBD: ``r+x, alpha+T, a, b+x``; Pareto/NBD: ``r+x, alpha+T, s,
beta+T``), so ``P(X(T, T+t) = k | history) = P(alive) * P_posterior(X(t) = k) + [k = 0] (1 -
P(alive))`` and likewise for the expectation.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). "Counting Your Customers: Who Are They
and What Will They Do Next?". Management Science 33(1), 1-24.
Fader, P. S. & Hardie, B. G. S. (2005). "A Note on Deriving the Pareto/NBD Model and Related
Expressions". http://brucehardie.com/notes/009/
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "A Note on Implementing the Pareto/NBD Model
in MATLAB". http://brucehardie.com/notes/008/
Fader, P. S. & Hardie, B. G. S. (2013). "The Gamma-Gamma Model of Monetary Value".
http://brucehardie.com/notes/025/
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis". Journal of Marketing Research 42(4), 415-430.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import betainc, betaln, digamma, gammaln, hyp2f1, log1p

from workbench.errors import ConvergenceError, DataError, ParamsError, StatisticalWarning
from workbench.models._mle import Columns, MLEModel, check_rows, group_rows, read_columns
from workbench.units import DAYS_PER_UNIT, days_per_unit

__all__ = ["BetaGeo", "ParetoNBD", "GammaGamma", "predict_clv", "PERIOD_DAYS"]

#: Length in days of the discounting periods accepted by :func:`predict_clv` (a month is 365.25/12 days).
PERIOD_DAYS = {**{unit: float(days) for unit, days in DAYS_PER_UNIT.items()}, "M": 365.25 / 12, "Q": 365.25 / 4, "Y": 365.25}
#: lifetimes 0.11.3's month length in time units (``customer_lifetime_value``'s ``factor``).
LIFETIMES_MONTH = {"D": 30.0, "W": 4.345}


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
    return out


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
        self._optimise({"x": x[keep], "tx": tx[keep], "T": T_[keep]}, counts[keep])
        self.max_frequency_ = int(x[keep].max())
        self.max_T_ = float(T_[keep].max())
        return self

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
        out = self._expected_alive(self._params(), np.atleast_1d(t), 0.0, 0.0).reshape(t.shape)
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
            out = np.clip(self._pmf(params, k.astype(float), t, *self._posterior(params, 0.0, 0.0)), 0, 1)
            return float(out) if out.ndim == 0 else out
        if np.ndim(k) or k < 0 or k != round(k):
            raise ParamsError(f"k must be a single whole number >= 0 with a summary, got {k!r}")
        data, (x, tx, T_), inv = self._grouped(summary, frequency, recency, T, "p_purchases")
        alive = np.exp(self._log_p_alive(params, x, tx, T_))
        pk = self._pmf(params, np.full(x.shape, float(k)), t, *self._posterior(params, x, T_))
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
        horizons = np.asarray(horizons, dtype=float)
        factors = np.asarray(factors, dtype=float)
        if horizons.ndim != 1 or horizons.shape != factors.shape or np.any(np.diff(horizons) <= 0) or horizons[0] <= 0:
            raise ParamsError("horizons must increase from > 0 and have one factor each")
        data = self._read(summary, frequency, recency, T, "discounted_expected_purchases")
        return _series(self._discounted_purchases(horizons, factors, data), data, "discounted_purchases")

    def _discounted_purchases(self, grid, factors, data: Columns) -> np.ndarray:
        """Per customer: sum over k of factors[k] * (E[X(T, T+grid[k])] - E[X(T, T+grid[k-1])]).

        Uses E[X | history] = P(alive) * E[X | alive], whose second factor depends on (x, T)
        only: the sum over horizons runs on the distinct (x, T) pairs.
        """
        params = self._params()
        (x, tx, T_), _, inv = group_rows([data["frequency"], data["recency"], data["T"]])
        alive = np.exp(self._log_p_alive(params, x, tx, T_))
        (px, pT), _, pinv = group_rows([x, T_])
        given_alive = np.column_stack(
            [np.zeros(len(px))] + [self._expected_alive(params, np.full(px.shape, t), px, pT) for t in grid]
        )
        discounted = np.diff(given_alive, axis=1) @ np.asarray(factors, float)
        return (alive * discounted[pinv])[inv]


class BetaGeo(_TransactionModel):
    """BG/NBD model (Fader, Hardie & Lee 2005): Poisson purchases while alive, geometric dropout.

    Purchase rates are Gamma(``r``, ``alpha``) across customers; after each purchase a customer
    drops out with probability ``p`` ~ Beta(``a``, ``b``). Fit with :meth:`fit`; ``params_`` holds
    ``r, alpha, a, b``; ``log_likelihood_`` is the papers' total log-likelihood in the summary's
    time unit.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy Way: An
    Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284 (likelihood eq. 6,
    E[X(t)] eq. 7, P(X(t)=x) eq. 8, conditional expectation eq. 10).
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2008). "Computing P(alive) Using the BG/NBD
    Model". http://brucehardie.com/notes/021/
    """

    kind = "bgnbd"  # the name in params (clv.models, the clv tier scheme)
    label = "BG/NBD"
    _param_names = ("r", "alpha", "a", "b")
    _ridge_pairs = ((0, 1), (2, 3))

    @staticmethod
    def _start_values(alpha0):
        return np.array([1.0, alpha0, 1.0, 1.0])

    def _prepare(self, data):
        ux, xi = np.unique(data["x"], return_inverse=True)
        return dict(data, ux=ux, xi=xi)

    def _negll(self, theta, data, w):
        r, alpha, a, b = np.exp(theta)
        tx, T, ux, xi = data["tx"], data["T"], data["ux"], data["xi"]
        wx = np.bincount(xi, weights=w, minlength=len(ux))  # total weight per frequency
        # terms that depend on the frequency only, on its distinct values
        ll_x = gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux)
        dr_x = digamma(r + ux) - digamma(r)
        da_x = digamma(a + b) - digamma(a + b + ux)
        db_x = digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux)
        rep_x = ux > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            log_b_x = np.where(rep_x, np.log(b + ux - 1), 0.0)
            inv_b_x = np.where(rep_x, 1 / (b + ux - 1), 0.0)
        # the mixture of "alive at T" and "dropped out after the last purchase", per row
        rx = r + ux[xi]
        log_aT, log_atx = np.log(alpha + T), np.log(alpha + tx)
        A3 = -rx * log_aT
        A4 = np.where(rep_x[xi], np.log(a) - log_b_x[xi] - rx * log_atx, -np.inf)
        mx = np.maximum(A3, A4)
        w3, w4 = np.exp(A3 - mx), np.exp(A4 - mx)
        total = w3 + w4
        w3, w4 = w3 / total, w4 / total
        ll = wx @ ll_x + r * np.log(alpha) * w.sum() + w @ (mx + np.log(total))
        ww3, ww4 = w * w3, w * w4
        d_r = wx @ dr_x + np.log(alpha) * w.sum() - ww3 @ log_aT - ww4 @ log_atx
        d_alpha = r / alpha * w.sum() - (ww3 * rx) @ (1 / (alpha + T)) - (ww4 * rx) @ (1 / (alpha + tx))
        d_a = wx @ da_x + ww4.sum() / a
        d_b = wx @ db_x - np.bincount(xi, weights=ww4, minlength=len(ux)) @ inv_b_x
        grad = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
        return -float(ll), -grad

    @staticmethod
    def _log_p_alive(params, x, tx, T):
        r, alpha, a, b = params
        with np.errstate(divide="ignore", invalid="ignore"):
            log_div = (r + x) * (np.log(alpha + T) - np.log(alpha + tx)) + np.log(a) - np.log(b + x - 1)
        # log expit(-log_div) = -log1p(exp(log_div)) = -logaddexp(0, log_div)
        return np.where(x > 0, -np.logaddexp(0.0, log_div), 0.0)

    @staticmethod
    def _posterior(params, x, T):
        r, alpha, a, b = params
        return r + x, alpha + T, b + x

    @classmethod
    def _expected_alive(cls, params, t, x, T):
        """E[X(T, T+t) | alive at T]: FHL 2005 eq. 7 with the posterior parameters (eq. 10)."""
        r, alpha, a, b = params
        if abs(a - 1) < 1e-7:  # the formula is 0/0 at a = 1; its limit differs by O(1e-7) from here
            a = 1 + 1e-7
        rr, aa, bb = cls._posterior(params, x, T)
        z = t / (aa + t)
        c = a + bb - 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_h = rr * log1p(-z) + np.log(hyp2f1(rr, bb, c, z))
            bad = ~np.isfinite(log_h)
            if bad.any():  # Euler's transformation where the direct series overflows
                zb = z[bad] if np.ndim(z) else z
                log_h[bad] = (a - 1) * log1p(-zb) + np.log(hyp2f1(c[bad] - rr[bad], a - 1, c[bad], zb))
        return c / (a - 1) * -np.expm1(log_h)

    @staticmethod
    def _pmf(params, k, t, rr, aa, bb):
        """FHL 2005 eq. 8 with (r, alpha, b) replaced by (rr, aa, bb)."""
        r, alpha, a, b = params
        if t == 0:
            return (k == 0).astype(float)
        alive = np.exp(betaln(a, bb + k) - betaln(a, bb) + _neg_binomial_logpmf(k, rr, aa, t))
        with np.errstate(invalid="ignore", divide="ignore"):
            died = np.where(
                k > 0,
                np.exp(betaln(a + 1, bb + k - 1) - betaln(a, bb)) * betainc(np.maximum(k, 1), rr, t / (aa + t)),
                0.0,
            )
        return alive + died


class ParetoNBD(_TransactionModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): Poisson purchases, exponential lifetimes.

    Purchase rates ~ Gamma(``r``, ``alpha``) and dropout rates ~ Gamma(``s``, ``beta``) across
    customers. The likelihood is evaluated in log space: its integral term is written as
    G(x, t_x) - G(x, T) with G(x, t) = integral over (t, inf) of (alpha+u)^-(r+x) (beta+u)^-(s+1) du,
    one Gauss hypergeometric function per distinct (x, t) pair, taken with the larger of alpha
    and beta (Fader & Hardie's note 008) and Euler-transformed when it would overflow. So
    extreme customers (e.g. CDNOW master 14048, x = 170, t_x = T) get finite P(alive).

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Management Science 33(1), 1-24.
    Fader, P. S. & Hardie, B. G. S. (2005). "A Note on Deriving the Pareto/NBD Model and Related
    Expressions". http://brucehardie.com/notes/009/ (likelihood eq. 18-22, P(alive) eq. 36,
    E[X(t)] eq. 27, conditional expectation eq. 41).
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "A Note on Implementing the Pareto/NBD
    Model in MATLAB". http://brucehardie.com/notes/008/
    """

    kind = "paretonbd"
    label = "Pareto/NBD"
    _param_names = ("r", "alpha", "s", "beta")
    _ridge_pairs = ((0, 1), (2, 3))
    _fd_step = 1e-5

    @staticmethod
    def _start_values(alpha0):
        return np.array([1.0, alpha0, 1.0, alpha0])

    @staticmethod
    def _log_G(params, x, t):
        """log of the integral over (t, inf) of (alpha+u)^-(r+x) (beta+u)^-(s+1) du."""
        r, alpha, s, beta = params
        m = max(alpha, beta)
        a = r + s + x
        b = np.full_like(a, s + 1) if alpha >= beta else r + x
        z = abs(alpha - beta) / (m + t)
        return -a * np.log(m + t) - np.log(a) + _log_hyp2f1_c1(a, b, z)

    @classmethod
    def _log_terms(cls, params, x, tx, T):
        """log of the two likelihood terms' pieces: log E, log s + log G(t_x), log s + log G(T)."""
        r, alpha, s, beta = params
        log_e = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        (px, pt), _, inv = group_rows([np.concatenate([x, x]), np.concatenate([tx, T])])
        lg = cls._log_G(params, px, pt)[inv]
        n = len(x)
        return log_e, np.log(s) + lg[:n], np.log(s) + lg[n:]

    @staticmethod
    def _mix(log_e, lg1, lg2):
        """log(E + s G1 - s G2) and the normalised weights of its three terms."""
        m = np.maximum(log_e, lg1)
        we, w1, w2 = np.exp(log_e - m), np.exp(lg1 - m), np.exp(lg2 - m)
        total = np.maximum(we + w1 - w2, we)
        return m + np.log(total), we / total, w1 / total, w2 / total

    def _prepare(self, data):
        x = data["x"]
        (px, pt), _, inv = group_rows([np.concatenate([x, x]), np.concatenate([data["tx"], data["T"]])])
        ux, xi = np.unique(x, return_inverse=True)
        return dict(data, px=px, pt=pt, pinv=inv, ux=ux, xi=xi)

    def _negll(self, theta, data, w):
        params = np.exp(theta)
        r, alpha, s, beta = params
        x, T, px, pt, inv, ux, xi = (data[k] for k in ("x", "T", "px", "pt", "pinv", "ux", "xi"))
        n = len(x)
        lg = self._log_G(params, px, pt)
        # d log G / d log-params by central differences on the distinct (x, t) pairs only
        dlg = np.empty((4, len(px)))
        for j in range(4):
            e = np.zeros(4)
            e[j] = self._fd_step
            dlg[j] = (self._log_G(np.exp(theta + e), px, pt) - self._log_G(np.exp(theta - e), px, pt)) / (
                2 * self._fd_step
            )
        lg, dlg = lg[inv], dlg[:, inv]
        log_aT, log_bT = np.log(alpha + T), np.log(beta + T)
        log_e = -(r + x) * log_aT - s * log_bT
        log_mix, we, w1, w2 = self._mix(log_e, np.log(s) + lg[:n], np.log(s) + lg[n:])
        wx = np.bincount(xi, weights=w, minlength=len(ux))
        W = w.sum()
        ll = wx @ (gammaln(r + ux) - gammaln(r)) + W * (r * np.log(alpha) + s * np.log(beta)) + w @ log_mix
        d_e = np.array([-r * log_aT, -alpha * (r + x) / (alpha + T), -s * log_bT, -beta * s / (beta + T)])
        d_s = np.array([0.0, 0.0, 1.0, 0.0])[:, None]
        d_mix = (we * d_e + w1 * (dlg[:, :n] + d_s) - w2 * (dlg[:, n:] + d_s)) @ w
        d_r = r * (wx @ (digamma(r + ux) - digamma(r)) + W * np.log(alpha))
        d_const = np.array([d_r, W * r, W * s * np.log(beta), W * s])
        return -float(ll), -(d_const + d_mix)

    @classmethod
    def _log_p_alive(cls, params, x, tx, T):
        log_e, lg1, lg2 = cls._log_terms(params, x, tx, T)
        log_mix, *_ = cls._mix(log_e, lg1, lg2)
        return np.minimum(log_e - log_mix, 0.0)

    @staticmethod
    def _posterior(params, x, T):
        r, alpha, s, beta = params
        return r + x, alpha + T, beta + T

    @classmethod
    def _expected_alive(cls, params, t, x, T):
        """E[X(T, T+t) | alive at T]: note 009 eq. 27 with the posterior parameters (eq. 41)."""
        r, alpha, s, beta = params
        rr, aa, bb = cls._posterior(params, x, T)
        return rr * bb / aa * _one_minus_pow_over(bb / (bb + t), s - 1)

    @staticmethod
    def _pmf(params, k, t, rr, aa, bb):
        """P(X(t) = k) for Pareto/NBD parameters (rr, aa, s, bb) (arrays rr, aa, bb).

        Given rates (lambda, mu): P(X(t)=k) = (lambda t)^k e^-(lambda+mu)t / k! + mu lambda^k /
        (lambda+mu)^(k+1) * [1 - e^-(lambda+mu)t sum_{i<=k} ((lambda+mu) t)^i / i!] (alive at t
        with k purchases; dead by t after k purchases). Integrating over the gamma mixing
        distributions (substituting lambda = rho w, mu = rho (1-w), then Euler's integral) gives
        P = A + B - sum_{i=0..k} C_i with one Gauss hypergeometric function per term, all summed
        in log space. The same quantity as Fader & Hardie's note 028, written differently.
        """
        s = params[2]
        rr, aa, bb, k = np.broadcast_arrays(*(np.asarray(v, float) for v in (rr, aa, bb, k)))
        shape = k.shape
        rr, aa, bb, k = (v.reshape(-1) for v in (rr, aa, bb, k))
        if t == 0:
            return (k == 0).astype(float).reshape(shape)
        log_a = _neg_binomial_logpmf(k, rr, aa, t) + s * (np.log(bb) - np.log(bb + t))
        common = rr * np.log(aa) + s * np.log(bb) - gammaln(rr) - gammaln(s) + betaln(rr + k, s + 1)
        m = np.maximum(aa, bb)
        gap = np.abs(aa - bb)
        second = np.where(bb >= aa, rr + k, s + 1)
        c = rr + s + k + 1
        log_b = common + gammaln(rr + s) - (rr + s) * np.log(m) + _log_hyp2f1_c(rr + s, second, c, gap / m)
        # C_i for i = 0..k, one entry per (row, i) pair
        counts = k.astype(np.int64) + 1
        starts = np.cumsum(counts) - counts
        row = np.repeat(np.arange(len(k)), counts)
        i = np.arange(counts.sum()) - starts[row]
        a_i = rr[row] + s + i
        log_c = (
            common[row] + i * np.log(t) - gammaln(i + 1.0) + gammaln(a_i) - a_i * np.log(m[row] + t)
            + _log_hyp2f1_c(a_i, second[row], c[row], gap[row] / (m[row] + t))
        )
        top = np.maximum.reduceat(log_c, starts)
        log_sum_c = top + np.log(np.add.reduceat(np.exp(log_c - top[row]), starts))
        # B - sum C >= 0: the probability of dying in (0, t] after exactly k purchases
        with np.errstate(over="ignore", invalid="ignore"):
            dead = np.exp(log_b) * np.maximum(-np.expm1(log_sum_c - log_b), 0.0)
        return (np.exp(log_a) + dead).reshape(shape)


def _log_hyp2f1_c(a, b, c, z):
    """log 2F1(a, b; c; z) for a, b, c > 0, c > max(a, b) - 1 and 0 <= z < 1 (Euler when c-a-b < 0)."""
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, float) for v in (a, b, c, z)))
    euler = c - a - b < 0
    out = np.empty(a.shape)
    out[~euler] = np.log(hyp2f1(a[~euler], b[~euler], c[~euler], z[~euler]))
    ae, be, ce, ze = a[euler], b[euler], c[euler], z[euler]
    out[euler] = (ce - ae - be) * log1p(-ze) + np.log(hyp2f1(ce - ae, ce - be, ce, ze))
    return out


# --------------------------------------------------------------------------------------------
# spend model
# --------------------------------------------------------------------------------------------
class GammaGamma(MLEModel):
    """Gamma-Gamma model of average spend per transaction (Fader, Hardie & Lee 2005; note 025).

    Each transaction value is Gamma(``p``, ``nu``) around a customer's mean, with ``nu`` ~
    Gamma(``q``, ``v``) across customers; fitted on the repeat customers' average repeat spend
    ``monetary_value`` and ``frequency``. The model assumes spend is independent of frequency:
    ``fit`` reports their correlation among repeaters in ``frequency_spend_corr_`` and warns
    (``StatisticalWarning``) when its absolute value exceeds ``corr_threshold``.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013). "The Gamma-Gamma Model of Monetary Value".
    http://brucehardie.com/notes/025/ (likelihood eq. 1, conditional expectation eq. 5).
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using Iso-Value Curves for
    Customer Base Analysis". Journal of Marketing Research 42(4), 415-430.
    """

    _param_names = ("p", "q", "v")
    _ridge_pairs = ((1, 2),)
    _fit_columns = ("frequency", "monetary_value")

    def __init__(self, *, corr_threshold: float = 0.3, initial_params=None, tol: float = 1e-10, max_iter: int = 2000):
        super().__init__(initial_params=initial_params, tol=tol, max_iter=max_iter)
        self.corr_threshold = corr_threshold

    def _read(self, summary, frequency, monetary_value, source) -> Columns:
        arrays = {"frequency": frequency, "monetary_value": monetary_value}
        data = read_columns(summary, self._fit_columns, arrays, source)
        x = data["frequency"]
        check_rows(data, (x < 0) | (x != np.round(x)), source, "frequency", "is not a non-negative whole number")
        return data

    def fit(self, summary=None, weights=None, *, frequency=None, monetary_value=None):
        """Fit on the customers with ``frequency > 0``; returns ``self``."""
        source = "GammaGamma.fit"
        data = self._read(summary, frequency, monetary_value, source)
        w = _weights(summary, weights, len(data), source)
        x, m = data["frequency"], data["monetary_value"]
        rep = x > 0
        check_rows(
            data,
            rep & (m <= 0),
            source,
            "monetary_value",
            "is <= 0 for repeat customers (the Gamma-Gamma model needs positive spend; drop or fix them)",
        )
        if rep.sum() < 2:
            raise DataError(f"{source}: need at least 2 repeat customers (frequency > 0), got {rep.sum()}")
        wr = np.ones(rep.sum()) if w is None else w[rep]
        self.frequency_spend_corr_ = _weighted_corr(x[rep], m[rep], wr)
        if abs(self.frequency_spend_corr_) > self.corr_threshold:
            warnings.warn(
                f"GammaGamma: frequency and monetary_value are correlated among repeat customers "
                f"(r = {self.frequency_spend_corr_:.3f}); the model assumes independence, so spend "
                f"predictions may be biased.",
                StatisticalWarning,
                stacklevel=2,
            )
        (ux, um), counts, _ = group_rows([x[rep], m[rep]], wr)
        keep = counts > 0
        self._optimise({"x": ux[keep], "m": um[keep]}, counts[keep])
        if self.params_["q"] <= 1:
            warnings.warn(
                f"GammaGamma: q = {self.params_['q']:.3f} <= 1, so the population mean spend is "
                "infinite; conditional expected spend is undefined (NaN) where p*frequency + q <= 1.",
                StatisticalWarning,
                stacklevel=2,
            )
        return self

    def _initial_log_params(self, data, weights):
        mean = np.sum(weights * data["m"]) / np.sum(weights)
        return np.log([1.0, 2.0, mean])

    def _prepare(self, data):
        x, m = data["x"], data["m"]
        ux, xi = np.unique(x, return_inverse=True)
        return dict(data, ux=ux, xi=xi, xm=x * m, log_m=np.log(m))

    def _negll(self, theta, data, w):
        p, q, v = np.exp(theta)
        ux, xi, xm, log_m = data["ux"], data["xi"], data["xm"], data["log_m"]
        wx = np.bincount(xi, weights=w, minlength=len(ux))
        W = w.sum()
        px = p * ux
        log_xm_v = np.log(xm + v)
        wpx = w * px[xi]  # per-row weight times p x
        # note 025 eq. 1: terms of the frequency alone on its distinct values, the rest per row
        ll = (
            wx @ (gammaln(px + q) - gammaln(px) + px * np.log(ux))
            + W * (q * np.log(v) - gammaln(q))
            + (wpx - w) @ log_m
            - (wpx + q * w) @ log_xm_v
        )
        d_p = wx @ (ux * (digamma(px + q) - digamma(px) + np.log(ux))) + (w * ux[xi]) @ (log_m - log_xm_v)
        d_q = wx @ digamma(px + q) - W * digamma(q) + W * np.log(v) - w @ log_xm_v
        d_v = W * q / v - (wpx + q * w) @ (1 / (xm + v))
        grad = np.array([p * d_p, q * d_q, v * d_v])
        return -float(ll), -grad

    @property
    def mean_spend_(self) -> float:
        """Population mean spend per transaction, p v / (q - 1) (infinite if q <= 1)."""
        p, q, v = self._params()
        return p * v / (q - 1) if q > 1 else np.inf

    def conditional_expected_spend(self, summary=None, *, frequency=None, monetary_value=None) -> pd.Series:
        """E[spend per transaction | frequency, monetary_value] (note 025 eq. 5).

        A weighted average of the population mean and the customer's own mean:
        p (v + x m) / (p x + q - 1); the population mean p v / (q - 1) for ``frequency == 0``.
        """
        p, q, v = self._params()
        data = self._read(summary, frequency, monetary_value, "conditional_expected_spend")
        x, m = data["frequency"], np.where(data["frequency"] > 0, data["monetary_value"], 0.0)
        den = p * x + q - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(den > 0, p * (v + x * m) / den, np.nan)
        return _series(values, data, "expected_spend")


def _weighted_corr(a, b, w) -> float:
    w = w / w.sum()
    da, db = a - w @ a, b - w @ b
    den = np.sqrt((w @ da**2) * (w @ db**2))
    return float((w @ (da * db)) / den) if den > 0 else 0.0


# --------------------------------------------------------------------------------------------
# customer lifetime value
# --------------------------------------------------------------------------------------------
def predict_clv(
    transaction_model: _TransactionModel,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    horizon: int = 12,
    discount_rate: float = 0.01,
    *,
    period: str | float = "M",
    time_unit: str | None = None,
    discounting: str = "discrete",
    steps_per_period: int = 30,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over ``horizon`` periods.

    CLV_i = E[spend_i] * sum over periods k = 1..horizon of
    (E[X_i(k L)] - E[X_i((k-1) L)]) / (1 + discount_rate)^k,
    with E[X_i(t)] the conditional expected repeat purchases in the next t time units, L the
    period length in the summary's time unit and E[spend_i] the Gamma-Gamma conditional expected
    spend. ``discount_rate`` is per period.

    discounting
        ``"discrete"`` (default): each period's expected purchases are discounted at the period's
        end, as above; ``period`` is ``"D"``, ``"W"``, ``"M"`` (365.25/12 days), ``"Q"``, ``"Y"``
        or a length in days.
        ``"continuous"``: cash flows discounted when they occur, at the equivalent continuous rate
        ln(1 + discount_rate) per period: E[spend] * integral over (0, horizon L) of
        exp(-delta u) dE[X(u)], evaluated with ``steps_per_period`` midpoint steps per period.
        ``"lifetimes"``: lifetimes 0.11.3's ``customer_lifetime_value`` exactly: discrete, with
        its month of 30 days (``time_unit="D"``) or 4.345 weeks (``"W"``). Its 12 "months"
        cover 360 days in day units, so it omits about 1.4 % of a year, and end-of-period
        discounting charges purchases for half a period more discounting than they incur on
        average; ``"continuous"`` has neither approximation.

    ``time_unit`` defaults to ``summary.attrs["time_unit"]``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using Iso-Value Curves for
    Customer Base Analysis". Journal of Marketing Research 42(4), 415-430.
    """
    unit = time_unit or summary.attrs.get("time_unit")
    days_per_unit(unit, "clv (or set summary.attrs['time_unit'])")
    if not (isinstance(horizon, (int, np.integer)) or float(horizon).is_integer()) or horizon < 1:
        raise ParamsError(f"clv: horizon must be a whole number of periods >= 1, got {horizon!r}")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ParamsError(f"clv: discount_rate must be > -1 (per period), got {discount_rate!r}")
    horizon = int(horizon)
    if discounting == "lifetimes":
        length = LIFETIMES_MONTH[unit]
    elif discounting in ("discrete", "continuous"):
        if isinstance(period, str):
            if period not in PERIOD_DAYS:
                raise ParamsError(
                    f"clv: period must be one of {sorted(PERIOD_DAYS)} or a number of days, got {period!r}"
                )
            days = PERIOD_DAYS[period]
        else:
            days = float(period)
            if not days > 0:
                raise ParamsError(f"clv: period must be > 0 days, got {period!r}")
        length = days / DAYS_PER_UNIT[unit]
    else:
        raise ParamsError(f"clv: discounting must be 'discrete', 'continuous' or 'lifetimes', got {discounting!r}")

    if discounting == "continuous":
        n = horizon * int(steps_per_period)
        grid = np.arange(n + 1) * (length / steps_per_period)
        mid = (np.arange(n) + 0.5) / steps_per_period  # in periods
        factors = np.exp(-np.log1p(discount_rate) * mid)
    else:
        grid = np.arange(horizon + 1) * length
        factors = (1 + discount_rate) ** -np.arange(1, horizon + 1, dtype=float)

    purchases = transaction_model.discounted_expected_purchases(grid[1:], factors, summary)
    spend = spend_model.conditional_expected_spend(summary).to_numpy()
    return (purchases * spend).rename("clv")
