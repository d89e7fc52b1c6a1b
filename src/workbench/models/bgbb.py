"""BG/BB model for discrete transaction opportunities (Fader, Hardie & Shang 2010).

Each of ``n_periods`` opportunities (e.g. yearly donation drives, monthly billing dates) a living
customer transacts with probability ``p`` ~ Beta(``alpha``, ``beta``); at the start of every
opportunity a customer drops out for good with probability ``theta`` ~ Beta(``gamma``,
``delta``). The summary has one row per customer with ``frequency`` (opportunities with a
transaction), ``recency`` (the last such opportunity, 0 if none) and ``n_periods``.

References
----------
Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). "Customer-Base Analysis in a Discrete-Time
Noncontractual Setting". Marketing Science 29(6), 1086-1108 (likelihood eq. 5, P(X(n)=x)
eq. 7, E[X(n)] eq. 8, P(alive) eq. 11, conditional expectation eq. 13).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln, logsumexp

from workbench.errors import ParamsError
from workbench.models._mle import Columns, MLEModel, check_rows, group_rows, read_columns
from workbench.models.transaction import _series, _weights

__all__ = ["BetaGeoBetaBinom"]


def _dbetaln(u, v):
    """Partial derivatives of log B(u, v): (psi(u) - psi(u+v), psi(v) - psi(u+v))."""
    s = digamma(u + v)
    return digamma(u) - s, digamma(v) - s


class BetaGeoBetaBinom(MLEModel):
    """BG/BB: beta-Bernoulli transactions and beta-geometric dropout over discrete opportunities.

    ``params_`` holds ``alpha, beta`` (transaction probability) and ``gamma, delta`` (dropout
    probability). Conditional predictions use the posterior identity of ``workbench.models.clv``:
    a customer alive after opportunity n behaves like a new one with parameters
    ``(alpha+x, beta+n-x, gamma, delta+n)``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). "Customer-Base Analysis in a Discrete-Time
    Noncontractual Setting". Marketing Science 29(6), 1086-1108.
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _ridge_pairs = ((0, 1), (2, 3))
    _fit_columns = ("frequency", "recency", "n_periods")

    def _read(self, summary, frequency, recency, n_periods, source) -> Columns:
        data = read_columns(
            summary, self._fit_columns, {"frequency": frequency, "recency": recency, "n_periods": n_periods}, source
        )
        x, tx, n = data["frequency"], data["recency"], data["n_periods"]
        for name in self._fit_columns:
            v = data[name]
            check_rows(data, (v < 0) | (v != np.round(v)), source, name, "is not a non-negative whole number")
        check_rows(data, tx > n, source, "recency", "is greater than n_periods")
        check_rows(data, x > tx, source, "frequency", "is greater than recency")
        check_rows(data, (x == 0) & (tx != 0), source, "recency", "is not 0 although frequency is 0")
        return data

    def fit(self, summary=None, weights=None, *, frequency=None, recency=None, n_periods=None):
        """Fit by maximum likelihood on the distinct (frequency, recency, n_periods) rows; returns ``self``."""
        source = "BetaGeoBetaBinom.fit"
        data = self._read(summary, frequency, recency, n_periods, source)
        w = _weights(summary, weights, len(data), source)
        (x, tx, n), counts, _ = group_rows([data["frequency"], data["recency"], data["n_periods"]], w)
        keep = counts > 0
        self._optimise({"x": x[keep], "tx": tx[keep], "n": n[keep]}, counts[keep])
        return self

    def _initial_log_params(self, data, weights):
        return np.zeros(4)

    @staticmethod
    def _log_terms(params, x, tx, n):
        """Log of the likelihood's terms: column 0 alive throughout, column 1+i dropout after t_x+i."""
        alpha, beta, gamma, delta = params
        base = betaln(alpha, beta) + betaln(gamma, delta)
        width = int(np.max(n - tx)) if len(x) else 0
        i = np.arange(width)[None, :]
        xx, txx, nn = x[:, None], tx[:, None], n[:, None]
        with np.errstate(invalid="ignore"):
            alive = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n) - base
            dead = betaln(alpha + xx, beta + txx - xx + i) + betaln(gamma + 1, delta + txx + i) - base[..., None]
        dead = np.where(i < nn - txx, dead, -np.inf)
        return np.column_stack([alive, dead]), i

    def _negll(self, theta, data, w):
        params = np.exp(theta)
        alpha, beta, gamma, delta = params
        x, tx, n = data["x"], data["tx"], data["n"]
        terms, i = self._log_terms(params, x, tx, n)
        ll = logsumexp(terms, axis=1)
        p = np.exp(terms - ll[:, None])  # posterior weights of the terms
        da0, db0 = _dbetaln(alpha, beta)
        dg0, dd0 = _dbetaln(gamma, delta)
        # alive-throughout term
        a_a, a_b = _dbetaln(alpha + x, beta + n - x)
        a_g, a_d = _dbetaln(gamma, delta + n)
        # dropout terms
        xx, txx = x[:, None], tx[:, None]
        d_a, d_b = _dbetaln(alpha + xx, beta + txx - xx + i)
        d_g, d_d = _dbetaln(gamma + 1, delta + txx + i)
        pa, pd_ = p[:, 0], p[:, 1:]

        def total(alive_part, dead_part):
            dead_part = np.where(np.isfinite(dead_part), dead_part, 0.0)
            return pa * alive_part + np.sum(pd_ * dead_part, axis=1)

        grad = np.array(
            [
                alpha * (w @ (total(a_a, d_a) - da0)),
                beta * (w @ (total(a_b, d_b) - db0)),
                gamma * (w @ (total(a_g, d_g) - dg0)),
                delta * (w @ (total(a_d, d_d) - dd0)),
            ]
        )
        return -float(w @ ll), -grad

    # --- predictions -----------------------------------------------------------------------
    def _grouped(self, summary, frequency, recency, n_periods, source):
        data = self._read(summary, frequency, recency, n_periods, source)
        unique, _, inverse = group_rows([data["frequency"], data["recency"], data["n_periods"]])
        return data, unique, inverse

    def _log_p_alive(self, x, tx, n, m):
        """log P(alive at opportunity n + m | x, t_x, n) (eq. 11 for m = 1)."""
        alpha, beta, gamma, delta = self._params()
        terms, _ = self._log_terms(self._params(), x, tx, n)
        return (
            betaln(alpha + x, beta + n - x) - betaln(alpha, beta)
            + betaln(gamma, delta + n + m) - betaln(gamma, delta)
            - logsumexp(terms, axis=1)
        )

    @staticmethod
    def _expected(n, a, b, g, d):
        """E[X(n)] for BG/BB parameters (eq. 8): a/(a+b) * d/(g-1) * (1 - G(g+d)G(1+d+n)/(G(g+d+n)G(1+d)))."""
        lg = gammaln(g + d) + gammaln(1 + d + n) - gammaln(g + d + n) - gammaln(1 + d)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = -np.expm1(lg) / (g - 1)
        near_one = np.abs(g - 1) < 1e-8  # limit g -> 1
        ratio = np.where(near_one, digamma(1 + d + n) - digamma(1 + d), ratio)
        return a / (a + b) * d * ratio

    def expected_purchases(self, n_periods):
        """E[X(n)]: expected transactions of a new customer in the first ``n_periods`` opportunities."""
        alpha, beta, gamma, delta = self._params()
        n = np.asarray(n_periods, dtype=float)
        out = self._expected(n, alpha, beta, gamma, delta)
        return float(out) if out.ndim == 0 else out

    def conditional_expected_purchases(self, m_periods, summary=None, *, frequency=None, recency=None, n_periods=None):
        """E[X(n, n + m) | x, t_x, n]: expected transactions in the next ``m_periods`` opportunities (eq. 13)."""
        alpha, beta, gamma, delta = self._params()
        m = _periods(m_periods)
        data, (x, tx, n), inv = self._grouped(summary, frequency, recency, n_periods, "conditional_expected_purchases")
        alive = np.exp(self._log_p_alive(x, tx, n, 0))
        values = alive * self._expected(m, alpha + x, beta + n - x, gamma, delta + n)
        return _series(values[inv], data, "expected_purchases")

    def p_alive(self, summary=None, m_periods: int = 1, *, frequency=None, recency=None, n_periods=None):
        """P(alive at opportunity n + ``m_periods`` | history); ``m_periods=1`` is the paper's eq. 11."""
        self._check_fitted()
        m = _periods(m_periods)
        data, (x, tx, n), inv = self._grouped(summary, frequency, recency, n_periods, "p_alive")
        return _series(np.exp(self._log_p_alive(x, tx, n, m))[inv], data, "p_alive")

    @staticmethod
    def _pmf(k, n, a, b, g, d):
        """P(X(n) = k) for BG/BB parameters (eq. 7), arrays broadcast over rows."""
        k, n, a, b, g, d = np.broadcast_arrays(*(np.asarray(v, float) for v in (k, n, a, b, g, d)))
        k, n, a, b, g, d = (v.reshape(-1) for v in (k, n, a, b, g, d))
        base = betaln(a, b) + betaln(g, d)
        with np.errstate(invalid="ignore"):
            log_choose = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
            alive = log_choose + betaln(a + k, b + n - k) + betaln(g, d + n) - base
        width = int(np.max(n)) if n.size else 0
        i = np.arange(width)[None, :]
        kk = k[:, None]
        with np.errstate(invalid="ignore"):
            dead = (
                gammaln(i + 1) - gammaln(kk + 1) - gammaln(i - kk + 1)
                + betaln(a[:, None] + kk, b[:, None] + i - kk)
                + betaln(g[:, None] + 1, d[:, None] + i)
                - base[:, None]
            )
        dead = np.where((i >= kk) & (i < n[:, None]), dead, -np.inf)
        alive = np.where(k <= n, alive, -np.inf)
        return np.exp(logsumexp(np.column_stack([alive, dead]), axis=1))

    def p_purchases(self, k, m_periods, summary=None, *, frequency=None, recency=None, n_periods=None):
        """P(X = k) in ``m_periods`` opportunities.

        Without a summary: for a new customer, in its first ``m_periods`` opportunities (eq. 7;
        ``k`` may be an array). With a summary: the conditional probability of ``k`` transactions
        in the next ``m_periods`` opportunities.
        """
        alpha, beta, gamma, delta = self._params()
        m = _periods(m_periods)
        if summary is None and frequency is None:
            k_arr = np.asarray(k)
            if np.any(k_arr < 0) or np.any(k_arr != np.round(k_arr)):
                raise ParamsError(f"k must be whole numbers >= 0, got {k!r}")
            out = self._pmf(k_arr, m, alpha, beta, gamma, delta).reshape(np.shape(k_arr))
            return float(out) if out.ndim == 0 else out
        if np.ndim(k) or k < 0 or k != round(k):
            raise ParamsError(f"k must be a single whole number >= 0 with a summary, got {k!r}")
        data, (x, tx, n), inv = self._grouped(summary, frequency, recency, n_periods, "p_purchases")
        alive = np.exp(self._log_p_alive(x, tx, n, 0))
        pk = self._pmf(k, m, alpha + x, beta + n - x, gamma, delta + n)
        values = np.clip(alive * pk + (1 - alive) * (k == 0), 0, 1)
        return _series(values[inv], data, f"p_{int(k)}_purchases")


def _periods(m) -> float:
    if np.ndim(m) or m < 0 or m != round(m):
        raise ParamsError(f"the number of opportunities must be a whole number >= 0, got {m!r}")
    return float(m)
