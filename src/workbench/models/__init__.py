"""Fitted models: CLV (BG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB) and, later, churn.

Submodules keep their own names (``workbench.models.clv`` is the module of the CLV models);
the per-customer value is :func:`~workbench.models.clv.predict_clv`.
"""

from workbench.models.bgbb import BetaGeoBetaBinom
from workbench.models.clv import BetaGeo, GammaGamma, ParetoNBD, predict_clv

__all__ = ["BetaGeo", "BetaGeoBetaBinom", "GammaGamma", "ParetoNBD", "predict_clv"]
