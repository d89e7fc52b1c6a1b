"""Fitted models: CLV (BG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB) and, later, churn.

Submodules keep their own names (``workbench.models.clv`` is the module of the CLV models);
the per-customer value is :func:`~workbench.models.clv.predict_clv`. The names below load on
first use, so the light modules (:mod:`~workbench.models.params`, :mod:`~workbench.models.registry`)
do not pull in SciPy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BetaGeo": "workbench.models.clv",
    "GammaGamma": "workbench.models.clv",
    "ParetoNBD": "workbench.models.clv",
    "predict_clv": "workbench.models.clv",
    "BetaGeoBetaBinom": "workbench.models.bgbb",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'workbench.models' has no attribute {name!r}")
