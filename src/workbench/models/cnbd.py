"""The BG/NBD family with regular purchase timing and dropout at time zero: MBG/NBD (Batislam,
Denizel & Filiztekin 2007), BG/CNBD-k and MBG/CNBD-k (Platzer & Reutterer 2016).

While alive, a customer's inter-purchase times are Erlang-k with rate ``lambda`` (mean k / lambda,
so k = 1 is the Poisson process of BG/NBD); ``lambda ~ Gamma(r, alpha)`` across customers. After
each purchase the customer drops out with probability ``p ~ Beta(a, b)``; the *modified* (M)
variants also test right after the first purchase, so a one-time buyer may already be gone.
This is BTYDplus' parameterisation: its estimates and log-likelihoods carry over.

Likelihood (per customer, x repeat purchases at gaps d_1..d_x summing to t_x, age T; m = 1 for
the M variants, else 0):

    L = prod_i d_i^(k-1) / ((k-1)!)^x * Gamma(r + kx) alpha^r / Gamma(r) / (alpha + T)^(r + kx)
        * B(a, b + x + m) / B(a, b) * (S1 + S2)
    S2 = sum_{j<k} Gamma(R + j) / (Gamma(R) j!) u^j,  R = r + kx,  u = (T - t_x) / (alpha + T)
    S1 = [x > 0 or m] a / (b + x - 1 + m) ((alpha + T) / (alpha + t_x))^R

S2 sums over the phases j the customer may have completed since the last purchase; S1 is the
dropout after it. The data enter through (x, t_x, T) and the sum of log gaps, which adds the
constant (k - 1) * sum log d_i (the summary's ``sum_log_interpurchase``), so fits run on the
weighted distinct (x, t_x, T) rows for every k.

Predictions are exact: alive at T, the customer is in phase j with probability proportional to
the S2 term j, with ``lambda | j ~ Gamma(R + j, alpha + T)`` and ``p ~ Beta(a, b + x + m)``; the
n-th future purchase needs nk - j phase completions (a negative binomial count in (T, T+t]) and
survival of n - 1 dropout tests, so P(X >= n) = sum_j w_j B(a, b' + n - 1) / B(a, b')
I_z(nk - j, R + j) with z = t / (alpha + T + t). Summing over n gives E[X]; differences give the
pmf. With k = 1 they reduce to the closed forms of BG/NBD (FHL 2005 eq. 8 and 10), used there.

References
----------
Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). "Empirical validation and comparison of
models for customer base analysis". International Journal of Research in Marketing 24(3), 201-209.
Platzer, M. & Reutterer, T. (2016). "Ticking Away the Moments: Timing Regularity Helps to Better
Predict Customer Activity". Marketing Science 35(5), 779-799.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy Way".
Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field
from scipy.special import betaln, digamma, expit, gammaln

from workbench.errors import DataError
from workbench.models._mle import MLEParams, check_rows, group_rows, one_blas_thread, read_columns
from workbench.models.bgnbd import BetaGeo
from workbench.models.transaction import _TransactionModel, _weights

#: The summary column with each customer's sum of log inter-purchase times (``rfm_summary(regularity=True)``).
REGULARITY_COLUMN = "sum_log_interpurchase"
#: A tail probability below exp(-TAIL) of the future phase count is left out of the sums.
TAIL = 40.0


class _BetaGeoFamily(_TransactionModel):
    """BG/NBD-like models with Erlang-k purchase timing (``k_``) and, when ``modified``, a dropout
    test right after the first purchase. Subclasses set ``modified`` and which k they search."""

    modified: bool = False
    _param_names = ("r", "alpha", "a", "b")
    _ridge_pairs = ((0, 1), (2, 3))

    _start_values = staticmethod(BetaGeo._start_values)

    def _k_choices(self) -> tuple[int, ...]:
        return (1,)

    @property
    def _m(self) -> int:
        return int(self.modified)

    # --- fitting ---------------------------------------------------------------------------
    def fit(self, summary: pd.DataFrame | None = None, weights=None, *, frequency=None, recency=None, T=None,
            sum_log_interpurchase=None):
        """Fit by maximum likelihood (every candidate k, the best kept); returns ``self``.

        As :meth:`BetaGeo.fit`; a model that may choose k > 1 also reads ``sum_log_interpurchase``
        (build the summary with ``rfm_summary(..., regularity=True)``).
        """
        self._log_gaps = 0.0
        if max(self._k_choices()) > 1:
            self._log_gaps = self._total_log_gaps(summary, weights, sum_log_interpurchase)
        return super().fit(summary, weights, frequency=frequency, recency=recency, T=T)

    def _total_log_gaps(self, summary, weights, given) -> float:
        source = f"{type(self).__name__}.fit"
        if given is None and (summary is None or REGULARITY_COLUMN not in summary.columns):
            raise DataError(
                f"{source}: required column {REGULARITY_COLUMN!r} missing from the summary; the regularity of "
                "inter-purchase times needs it: build the summary with rfm_summary(..., regularity=True)"
            )
        data = read_columns(summary, (REGULARITY_COLUMN,), {REGULARITY_COLUMN: given}, source)
        if summary is not None and "frequency" in summary.columns:
            no_repeat = (summary["frequency"].to_numpy() == 0) & (data[REGULARITY_COLUMN] != 0)
            check_rows(data, no_repeat, source, REGULARITY_COLUMN, "is not 0 although frequency is 0")
        w = _weights(summary, weights, len(data), source)
        values = data[REGULARITY_COLUMN]
        return float(values.sum() if w is None else w @ values)

    def _fit_grouped(self, data, weights):
        """Each candidate k by a rough L-BFGS-B; the best refined and polished, with SEs."""
        choices = self._k_choices()
        if len(choices) == 1:
            self.k_ = choices[0]
            self._optimise(data, weights)
            self.log_likelihood_by_k_ = pd.Series({self.k_: self.log_likelihood_}, name="log_likelihood")
            return
        self.Params.checked(self.get_params(), f"{type(self).__name__}.fit")
        n_obs = float(weights.sum())
        prepared = self._prepare(data)
        found, best = {}, None
        with one_blas_thread():
            for k in choices:
                self.k_ = k
                res = self._minimise(self._objective(prepared, weights), self._start(data, weights), rough=True)
                found[k] = (-float(res.fun) * n_obs, res.x)
                if best is None or found[k][0] > found[best][0]:
                    best = k
                elif k >= best + 2:  # two k past the best without a gain: the likelihood has turned
                    break
        self.k_ = best
        self._optimise(data, weights, start=found[best][1])
        self.log_likelihood_by_k_ = pd.Series({k: ll for k, (ll, _) in found.items()}, name="log_likelihood")
        self.log_likelihood_by_k_[best] = self.log_likelihood_

    def _initial_log_params(self, data, weights):
        """BG/NBD's starting values with alpha / k: the same purchase rate from k phases."""
        start = super()._initial_log_params(data, weights)
        start[1] -= np.log(getattr(self, "k_", 1))
        return start

    def _n_discrete_params(self) -> int:
        return int(len(self._k_choices()) > 1)

    def _prepare(self, data):
        ux, xi = np.unique(data["x"], return_inverse=True)
        return dict(data, ux=ux, xi=xi, dropout=(data["x"] > 0) | self.modified)

    def _negll(self, theta, data, w):
        r, alpha, a, b = np.exp(theta)
        k, m = self.k_, self._m
        tx, T, ux, xi, dropout = data["tx"], data["T"], data["ux"], data["xi"], data["dropout"]
        wx = np.bincount(xi, weights=w, minlength=len(ux))
        # terms of the frequency only, on its distinct values
        ll_x = gammaln(r + k * ux) - gammaln(r) + betaln(a, b + ux + m) - betaln(a, b)
        dr_x = digamma(r + k * ux) - digamma(r)
        da_x = digamma(a + b) - digamma(a + b + ux + m)
        db_x = digamma(b + ux + m) - digamma(b) + da_x
        R = r + k * data["x"]
        log_aT, log_atx = np.log(alpha + T), np.log(alpha + tx)
        log_s2, dlog_s2_r, dlog_s2_alpha = _phase_sums(R, (T - tx) / (alpha + T), k, alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            b_x = np.where(dropout, b + data["x"] - 1 + m, 1.0)
            gap = np.where(dropout, np.log(a) - np.log(b_x) + R * (log_aT - log_atx) - log_s2, -np.inf)
        s1 = expit(gap)  # the dropout branch's share of S1 + S2
        s2 = 1 - s1
        W = w.sum()
        constant = (k - 1) * self._log_gaps - gammaln(k) * (wx @ ux)
        ll = wx @ ll_x + W * r * np.log(alpha) + w @ (log_s2 + np.logaddexp(0.0, gap) - R * log_aT) + constant
        d_r = wx @ dr_x + W * np.log(alpha) + w @ (-log_aT + s2 * dlog_s2_r + s1 * (log_aT - log_atx))
        d_alpha = W * r / alpha + w @ (-R / (alpha + T) + s2 * dlog_s2_alpha + s1 * R * (1 / (alpha + T) - 1 / (alpha + tx)))
        d_a = wx @ da_x + (w @ s1) / a
        d_b = wx @ db_x - w @ (s1 / b_x)
        grad = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
        return -float(ll), -grad

    # --- predictions -----------------------------------------------------------------------
    def _log_p_alive(self, params, x, tx, T):
        r, alpha, a, b = params
        R = r + self.k_ * x
        log_s2, _, _ = _phase_sums(R, (T - tx) / (alpha + T), self.k_)
        dropout = (x > 0) | self.modified
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.log(a) - np.log(b + x - 1 + self._m) + R * (np.log(alpha + T) - np.log(alpha + tx)) - log_s2
        return np.where(dropout, -np.logaddexp(0.0, gap), 0.0)

    def _p_alive_new(self, params) -> float:
        r, alpha, a, b = params
        return b / (a + b) if self.modified else 1.0

    def _posterior(self, params, x, T):
        r, alpha, a, b = params
        return r + x, alpha + T, b + x + self._m

    def _expected_alive(self, params, t, x, T):
        """k = 1: E[X(T, T+t) | alive at T] is BG/NBD's with the posterior (r + x, alpha + T, b + x + m)."""
        r, alpha, a, b = params
        return BetaGeo._expected_alive((r + x, alpha + T, a, b + x + self._m), t, 0.0, 0.0)

    def _expected_new(self, params, t):
        if self.k_ == 1:
            return self._expected_alive(params, t, 0.0, 0.0)
        zero = np.zeros(1)
        return self._given_alive(params, t, zero, zero, zero)[0]

    def _pmf(self, params, k, t, rr, aa, bb):
        return BetaGeo._pmf(params, k, t, rr, aa, bb)

    def _given_alive(self, params, grid, x, tx, T):
        if self.k_ == 1:
            return super()._given_alive(params, grid, x, tx, T)
        weights, (px, pT), pinv = self._phase_weights(params, x, tx, T)
        out = np.empty((len(x), len(grid)))
        for col, t in enumerate(grid):
            per_phase = np.empty((len(px), self.k_))
            for rows, at_least in self._at_least(params, px, pT, t):
                per_phase[rows] = at_least.sum(axis=2)  # E[X] = sum over n >= 1 of P(X >= n)
            out[:, col] = np.einsum("ij,ij->i", weights, per_phase[pinv])
        return out

    def _pmf_given_alive(self, params, k, t, x, tx, T):
        if self.k_ == 1:
            return super()._pmf_given_alive(params, k, t, x, tx, T)
        if t == 0:
            return (k == 0).astype(float)
        weights, (px, pT), pinv = self._phase_weights(params, x, tx, T)
        n = np.asarray(k, int).reshape(-1)
        needed = int(n.max()) + 1
        at_least = np.empty((len(px), self.k_, needed + 1))  # P(X >= 0), ..., P(X >= needed)
        at_least[:, :, 0] = 1.0
        for rows, part in self._at_least(params, px, pT, t, needed):
            at_least[rows, :, 1:] = part[:, :, :needed]
        at_least = at_least[pinv]
        rows = np.arange(len(n))
        p = at_least[rows, :, n] - at_least[rows, :, n + 1]
        return np.einsum("ij,ij->i", weights, p).reshape(np.shape(k))

    def _phase_weights(self, params, x, tx, T):
        """Per row, the posterior probability of each phase j < k since the last purchase, and
        the distinct (x, T) pairs the phase sums are computed on."""
        r, alpha, a, b = params
        k = self.k_
        R, u = r + k * x, (T - tx) / (alpha + T)
        terms = np.empty((len(x), k))
        terms[:, 0] = 1.0
        for j in range(1, k):
            terms[:, j] = terms[:, j - 1] * (R + j - 1) / j * u
        (px, pT), _, pinv = group_rows([x, T])
        return terms / terms.sum(axis=1, keepdims=True), (px, pT), pinv

    def _at_least(self, params, x, T, t, needed: int = 0, cells: int = 1 << 22):
        """P(X(T, T+t) >= n | alive, phase j) for n = 1..N (axis 2) and phases j < k (axis 1),
        in chunks of the rows (x, T): yields (row indices, array). N covers each chunk's phase
        counts up to a tail below exp(-TAIL), and at least ``needed``.

        Phase completions in (T, T+t] given phase j are negative binomial (shape R + j, success
        z = t / (alpha + T + t)); their pmf comes from its term ratios in log space, the tails
        P(count >= m) as sums of positive terms, and purchase n needs nk - j completions and
        survival of n - 1 dropout tests.
        """
        r, alpha, a, b = params
        k = self.k_
        A, stay_b = alpha + T, b + x + self._m
        z = t / (A + t)
        R = (r + k * x)[:, None] + np.arange(k)[None, :]  # (rows, phases)
        mean = R[:, -1] * t / A  # phase count's mean for the largest shape; its tail decays like z^m
        top = mean + 12 * np.sqrt(mean * (1 + t / A)) + TAIL / -np.log(np.maximum(z, 1e-300))
        n_rows = np.maximum(np.ceil((top + k) / k).astype(np.int64) + 1, max(needed, 2))
        order = np.argsort(n_rows, kind="stable")
        start = 0
        while start < len(order):
            stop = start + 1
            while stop < len(order) and (stop + 1 - start) * k * k * n_rows[order[stop]] <= cells:
                stop += 1
            rows = order[start:stop]
            n_max = int(n_rows[rows].max())
            m = np.arange(1, n_max * k + 1)
            zr = z[rows][:, None, None]
            log_step = np.log(R[rows][:, :, None] + m - 1) - np.log(m) + np.log(zr)
            log_pmf = np.concatenate([R[rows][:, :, None] * np.log1p(-zr), log_step], axis=2)
            log_pmf[:, :, 1:] = np.cumsum(log_step, axis=2) + log_pmf[:, :, :1]
            tails = np.cumsum(np.exp(log_pmf)[:, :, ::-1], axis=2)[:, :, ::-1]  # P(count >= m), m = 0..
            n = np.arange(1, n_max + 1)
            gather = n[None, :] * k - np.arange(k)[:, None]  # (phases, N): completions purchase n needs
            at_least = np.take_along_axis(tails, np.broadcast_to(gather, (len(rows), k, n_max)), axis=2)
            sb = stay_b[rows][:, None]
            stay = np.exp(betaln(a, sb + n[None, :] - 1) - betaln(a, sb))  # B(a, b' + n - 1) / B(a, b')
            yield rows, at_least * stay[:, None, :]
            start = stop


def _phase_sums(R, u, k, scale=None):
    """log S2 = log sum_{j<k} Gamma(R + j) / (Gamma(R) j!) u^j and, with ``scale`` (alpha + T),
    its derivatives in r and alpha (u = (T - t_x) / scale)."""
    if k == 1:
        zero = np.zeros(np.shape(R))
        return zero, zero, zero
    term = np.ones(np.shape(R))
    total, by_r, by_j, psi = term.copy(), np.zeros(np.shape(R)), np.zeros(np.shape(R)), np.zeros(np.shape(R))
    for j in range(1, k):
        psi = psi + 1 / (R + j - 1)  # digamma(R + j) - digamma(R)
        term = term * (R + j - 1) / j * u
        total += term
        by_r += term * psi
        by_j += j * term
    if scale is None:
        return np.log(total), None, None
    return np.log(total), by_r / total, -by_j / total / scale


class ModifiedBetaGeo(_BetaGeoFamily):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD with a dropout test right after the
    first purchase too, so one-time buyers are not all alive (P(alive | x = 0) < 1).

    ``params_``: ``r, alpha, a, b`` as in :class:`~workbench.models.bgnbd.BetaGeo`.
    """

    kind = "mbgnbd"
    label = "MBG/NBD"
    modified = True


class CNBDParams(MLEParams):
    """Hyper-parameters of the (M)BG/CNBD-k models."""

    k: Annotated[int, Field(ge=1, le=50)] | None = None
    k_max: int = Field(12, ge=1, le=50)


class BetaGeoCNBD(_BetaGeoFamily):
    """BG/CNBD-k (Platzer & Reutterer 2016): BG/NBD with Erlang-k inter-purchase times.

    ``k`` fixed, or None (default) to choose it by likelihood among 1..``k_max`` (searched upwards,
    stopping two past the best). Needs the summary's ``sum_log_interpurchase``
    (``rfm_summary(..., regularity=True)``). Fitted: ``k_``, ``params_`` (r, alpha, a, b; the mean
    inter-purchase time of a customer with rate lambda is k / lambda), ``log_likelihood_by_k_``.
    """

    kind = "bgcnbd"
    label = "BG/CNBD-k"
    Params = CNBDParams
    needs_regularity = True

    def __init__(self, *, k: int | None = None, k_max: int = 12, initial_params: dict | None = None,
                 tol: float = 1e-10, max_iter: int = 2000):
        super().__init__(initial_params=initial_params, tol=tol, max_iter=max_iter)
        self.k = k
        self.k_max = k_max

    def _k_choices(self) -> tuple[int, ...]:
        return (int(self.k),) if self.k is not None else tuple(range(1, int(self.k_max) + 1))

    def _header(self):
        return super()._header() + [("k", f"{self.k_}" + ("" if self.k is not None else " (by likelihood)"))]


class ModifiedBetaGeoCNBD(BetaGeoCNBD):
    """MBG/CNBD-k (Platzer & Reutterer 2016): MBG/NBD with Erlang-k inter-purchase times."""

    kind = "mbgcnbd"
    label = "MBG/CNBD-k"
    modified = True
