"""Gamma-Gamma spend (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pydantic import Field
from scipy.special import digamma, gammaln

from workbench.errors import DataError, StatisticalWarning
from workbench.models._mle import Columns, MLEModel, MLEParams, check_rows, group_rows, read_columns
from workbench.models.transaction import _series, _weights


# --------------------------------------------------------------------------------------------
# spend model
# --------------------------------------------------------------------------------------------
class GammaGammaParams(MLEParams):
    """Hyper-parameters of :class:`GammaGamma`."""

    corr_threshold: float = Field(0.3, ge=0, le=1, description="|corr(frequency, spend)| that warns")


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

    Params = GammaGammaParams

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

    @staticmethod
    def _weighted(data, w):
        """The sums over rows that depend on the weights alone, computed once per weights array."""
        if data.get("_weights") is not w:
            wx_row = w * data["x"]
            data.update(_weights=w, wx=np.bincount(data["xi"], weights=w, minlength=len(data["ux"])), W=w.sum(),
                        wx_row=wx_row, wx_log_m=wx_row @ data["log_m"], w_log_m=w @ data["log_m"])
        return data

    def _negll(self, theta, data, w):
        p, q, v = np.exp(theta)
        d = self._weighted(data, w)
        ux, wx, W, wx_row = d["ux"], d["wx"], d["W"], d["wx_row"]
        px = p * ux
        t = d["xm"] + v
        log_t, inv_t = np.log(t), np.reciprocal(t)
        # per-row sums as dot products with weights fixed in advance: four passes over the rows
        wx_log_t, w_log_t, wx_inv_t, w_inv_t = wx_row @ log_t, w @ log_t, wx_row @ inv_t, w @ inv_t
        # note 025 eq. 1: terms of the frequency alone on its distinct values, the rest per row
        ll = (
            wx @ (gammaln(px + q) - gammaln(px) + px * np.log(ux))
            + W * (q * np.log(v) - gammaln(q))
            + p * d["wx_log_m"] - d["w_log_m"]
            - (p * wx_log_t + q * w_log_t)
        )
        d_p = wx @ (ux * (digamma(px + q) - digamma(px) + np.log(ux))) + d["wx_log_m"] - wx_log_t
        d_q = wx @ digamma(px + q) - W * digamma(q) + W * np.log(v) - w_log_t
        d_v = W * q / v - (p * wx_inv_t + q * w_inv_t)
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
