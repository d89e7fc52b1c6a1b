"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), computed in log space."""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1, log1p

from workbench.models._mle import group_rows
from workbench.models.transaction import _TransactionModel, _log_hyp2f1_c1, _neg_binomial_logpmf, _one_minus_pow_over


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
        """log of the integral over (t, inf) of (alpha+u)^-(r+x) (beta+u)^-(s+1) du (parameters
        scalars, or arrays of one value per row)."""
        r, alpha, s, beta = params
        m = np.maximum(alpha, beta)
        a = r + s + x
        b = np.where(alpha >= beta, s + 1, r + x) + np.zeros_like(a)
        z = np.abs(alpha - beta) / (m + t)
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

    def _negll_rows(self, theta_rows, data, w):
        """The weighted negative log-likelihood with every row's own log-parameters ``theta_rows``
        (4 x rows), and its gradient per row (4 x rows): the likelihood of a model whose
        parameters vary by customer (e.g. with covariates)."""
        r, alpha, s, beta = np.exp(theta_rows)
        x, tx, T = data["x"], data["tx"], data["T"]
        n = len(x)
        both = np.concatenate([theta_rows, theta_rows], axis=1)
        xx, tt = np.concatenate([x, x]), np.concatenate([tx, T])
        lg = self._log_G(np.exp(both), xx, tt)
        dlg = np.empty((4, 2 * n))
        for j in range(4):  # d log G / d log-params by central differences, row by row
            step = np.zeros((4, 1))
            step[j] = self._fd_step
            dlg[j] = (self._log_G(np.exp(both + step), xx, tt) - self._log_G(np.exp(both - step), xx, tt)) / (2 * self._fd_step)
        log_aT, log_bT = np.log(alpha + T), np.log(beta + T)
        log_e = -(r + x) * log_aT - s * log_bT
        log_mix, we, w1, w2 = self._mix(log_e, np.log(s) + lg[:n], np.log(s) + lg[n:])
        ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + log_mix
        d_e = np.array([-r * log_aT, -alpha * (r + x) / (alpha + T), -s * log_bT, -beta * s / (beta + T)])
        d_s = np.array([0.0, 0.0, 1.0, 0.0])[:, None]
        d_mix = we * d_e + w1 * (dlg[:, :n] + d_s) - w2 * (dlg[:, n:] + d_s)
        d_const = np.array([r * (digamma(r + x) - digamma(r) + np.log(alpha)), r, s * np.log(beta), s])
        return -float(w @ ll), -(d_const + d_mix) * w

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
