"""Transactions and customers: loading, validation, reported cleaning, bundled and synthetic data.

The names below are imported on first use, so that light modules of this package (such as
:mod:`workbench.data.options`, used by the params schema) load without the engine.
"""

from __future__ import annotations

from workbench.lazy import lazy_exports

_EXPORTS = {
    "Transactions": "workbench.data.load",
    "load_transactions": "workbench.data.load",
    "join_attributes": "workbench.data.attributes",
    "load_customers": "workbench.data.attributes",
    "load_cdnow": "workbench.data.datasets",
}

__getattr__, __all__ = lazy_exports("workbench.data", _EXPORTS)
