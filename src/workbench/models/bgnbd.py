"""BG/NBD (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, betaln, digamma, expit, gammaln, hyp2f1, log1p

from workbench.models.transaction import _TransactionModel, _neg_binomial_logpmf


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
        return dict(data, ux=ux, xi=xi, rep=data["x"] > 0)

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
        # the mixture of "alive at T" and "dropped out after the last purchase", per row: with
        # A3 = -(r + x) log(alpha + T) and A4 = log a - log(b + x - 1) - (r + x) log(alpha + tx),
        # log(e^A3 + e^A4) = A3 + softplus(A4 - A3) and the dropout branch's share is expit(A4 - A3)
        rx = r + data["x"]
        log_aT, log_atx = np.log(alpha + T), np.log(alpha + tx)
        gap = np.where(data["rep"], np.log(a) - log_b_x[xi] - rx * (log_atx - log_aT), -np.inf)
        W = w.sum()
        ll = wx @ ll_x + r * np.log(alpha) * W + w @ (np.logaddexp(0.0, gap) - rx * log_aT)
        ww4 = w * expit(gap)
        ww3 = w - ww4
        d_r = wx @ dr_x + np.log(alpha) * W - ww3 @ log_aT - ww4 @ log_atx
        d_alpha = r / alpha * W - (ww3 * rx) @ np.reciprocal(alpha + T) - (ww4 * rx) @ np.reciprocal(alpha + tx)
        d_a = wx @ da_x + ww4.sum() / a
        d_b = wx @ db_x - np.bincount(xi, weights=ww4, minlength=len(ux)) @ inv_b_x
        grad = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
        return -float(ll), -grad

    def _negll_rows(self, theta_rows, data, w):
        """The weighted negative log-likelihood with every row's own log-parameters ``theta_rows``
        (4 x rows), and its gradient per row (4 x rows): the likelihood of a model whose
        parameters vary by customer (e.g. with covariates)."""
        r, alpha, a, b = np.exp(theta_rows)
        x, tx, T = data["x"], data["tx"], data["T"]
        rep = x > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            log_b_x = np.where(rep, np.log(b + x - 1), 0.0)
            inv_b_x = np.where(rep, 1 / (b + x - 1), 0.0)
        log_aT, log_atx = np.log(alpha + T), np.log(alpha + tx)
        gap = np.where(rep, np.log(a) - log_b_x - (r + x) * (log_atx - log_aT), -np.inf)
        ll = (gammaln(r + x) - gammaln(r) + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
              + r * np.log(alpha) + np.logaddexp(0.0, gap) - (r + x) * log_aT)
        p4 = expit(gap)
        p3 = 1 - p4
        d_r = digamma(r + x) - digamma(r) + np.log(alpha) - p3 * log_aT - p4 * log_atx
        d_alpha = r / alpha - (r + x) * (p3 / (alpha + T) + p4 / (alpha + tx))
        d_a = digamma(a + b) - digamma(a + b + x) + p4 / a
        d_b = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - p4 * inv_b_x
        return -float(w @ ll), -np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b]) * w

    @staticmethod
    def _log_p_alive(params, x, tx, T):
        r, alpha, a, b = params
        # log expit(-log_div) = -log1p(exp(log_div)) = -logaddexp(0, log_div); the x = 0 rows
        # (where log(b - 1) may be NaN) take the other branch, so their warnings are silenced
        with np.errstate(divide="ignore", invalid="ignore"):
            log_div = (r + x) * (np.log(alpha + T) - np.log(alpha + tx)) + np.log(a) - np.log(b + x - 1)
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
