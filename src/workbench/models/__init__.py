"""Fitted models: CLV (BG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB) and, later, churn."""

from workbench.models.bgbb import BetaGeoBetaBinom
from workbench.models.clv import BetaGeo, GammaGamma, ParetoNBD, clv

__all__ = ["BetaGeo", "BetaGeoBetaBinom", "GammaGamma", "ParetoNBD", "clv"]
