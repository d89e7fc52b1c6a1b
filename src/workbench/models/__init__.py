"""Fitted models: CLV (BG/NBD, MBG/NBD, (M)BG/CNBD-k, Pareto/NBD, both with covariates, Gamma-Gamma, BG/BB) and, later, churn.

Submodules keep their own names (``workbench.models.clv`` is the module of the CLV models);
the per-customer value is :func:`~workbench.models.clv.predict_clv`. The names below load on
first use, so the light modules (:mod:`~workbench.models.params`, :mod:`~workbench.models.registry`)
do not pull in SciPy.
"""

from __future__ import annotations

from workbench.lazy import lazy_exports

_EXPORTS = {
    "BetaGeo": "workbench.models.clv",
    "ModifiedBetaGeo": "workbench.models.clv",
    "BetaGeoCNBD": "workbench.models.clv",
    "ModifiedBetaGeoCNBD": "workbench.models.clv",
    "GammaGamma": "workbench.models.clv",
    "ParetoNBD": "workbench.models.clv",
    "ParetoNBDCovariates": "workbench.models.clv",
    "BetaGeoCovariates": "workbench.models.clv",
    "predict_clv": "workbench.models.clv",
    "BetaGeoBetaBinom": "workbench.models.bgbb",
}

__getattr__, __all__ = lazy_exports("workbench.models", _EXPORTS)
