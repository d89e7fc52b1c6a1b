"""Transactions and customers: loading, validation, reported cleaning, bundled and synthetic data.

The names below are imported on first use, so that light modules of this package (such as
:mod:`workbench.data.options`, used by the params schema) load without the engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Transactions": "workbench.data.load",
    "load_transactions": "workbench.data.load",
    "join_attributes": "workbench.data.attributes",
    "load_customers": "workbench.data.attributes",
    "load_cdnow": "workbench.data.datasets",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'workbench.data' has no attribute {name!r}")
