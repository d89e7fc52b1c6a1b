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

The models live one per module (:mod:`~workbench.models.bgnbd`, :mod:`~workbench.models.cnbd` (MBG/NBD,
BG/CNBD-k, MBG/CNBD-k), :mod:`~workbench.models.paretonbd`, :mod:`~workbench.models.covariates` (both
with static covariates),
:mod:`~workbench.models.gamma_gamma`, their base :mod:`~workbench.models.transaction`) and the value
in :mod:`~workbench.models.value`; this module gathers them under their usual names.
"""

from __future__ import annotations

from workbench.models.bgnbd import BetaGeo
from workbench.models.cnbd import BetaGeoCNBD, ModifiedBetaGeo, ModifiedBetaGeoCNBD
from workbench.models.covariates import BetaGeoCovariates, ParetoNBDCovariates
from workbench.models.gamma_gamma import GammaGamma
from workbench.models.paretonbd import ParetoNBD
from workbench.models.transaction import _series, _TransactionModel, _weights  # noqa: F401  (used by bgbb, registry)
from workbench.models.value import LIFETIMES_MONTH, PERIOD_DAYS, predict_clv

__all__ = ["BetaGeo", "ModifiedBetaGeo", "BetaGeoCNBD", "ModifiedBetaGeoCNBD", "ParetoNBD", "BetaGeoCovariates",
           "ParetoNBDCovariates", "GammaGamma", "predict_clv", "PERIOD_DAYS", "LIFETIMES_MONTH"]
