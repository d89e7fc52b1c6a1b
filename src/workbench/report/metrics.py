"""Key metrics a notebook records for the run manifest: ``record("customers", 23570)``.

A metric travels inside the executed notebook as a display output of its own MIME type, so it
works the same under ``workbench run`` and plain ``papermill``; the runner collects the metrics
into ``manifest.json`` and removes those outputs from the HTML.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

METRIC_MIME = "application/vnd.workbench.metric+json"
#: Facts of the run rather than metrics (``run.`` names): the resolved params and the export files.
RUN_PARAMS, RUN_EXPORTS = "run.params", "run.exports"

#: Metrics recorded in this process (outside a kernel, e.g. in tests), newest value per name.
recorded: dict[str, Any] = {}


def record(name: str, value: Any) -> Any:
    """Record a key metric of this run (a number, string, date, or list of them); returns ``value``."""
    clean = to_json(value)
    recorded[name] = clean
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency
        return value
    if get_ipython() is not None:
        display({METRIC_MIME: {"name": name, "value": clean}}, raw=True)
    return value


def to_json(value: Any) -> Any:
    """A JSON-safe copy of a metric value (numpy scalars, dates, NaN -> None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or (isinstance(value, Iterable) and not isinstance(value, (str, bytes))):
        return [to_json(v) for v in value]
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def collect_metrics(notebook: Any) -> dict[str, Any]:
    """Metrics recorded in an executed notebook (later values of a name win), run facts included."""
    metrics: dict[str, Any] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(METRIC_MIME)
            if payload:
                metrics[payload["name"]] = payload["value"]
    return metrics


def split_run_facts(metrics: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(metrics, run facts)``: the ``run.`` names apart from the rest."""
    facts = {k: v for k, v in metrics.items() if k.startswith("run.")}
    return {k: v for k, v in metrics.items() if k not in facts}, facts
