"""Resolve ``params.data`` to data: bundled data sets by name, or the user's files.

``load_data(params.data)`` returns the transactions (and customer attributes when given);
``fingerprint(params.data)`` is the sha256 of the input files, recorded in every run manifest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.config import DataParams, project_root
from workbench.data.datasets import cdnow_path, load_cdnow
from workbench.errors import DataError


def resolve_path(path: str) -> Path:
    """A data path as given, or relative to the project folder; a clear error when missing."""
    candidate = Path(path)
    if not candidate.is_absolute() and not candidate.exists():
        candidate = project_root() / candidate
    if not candidate.exists():
        raise DataError(f"data file not found: {path} (paths are relative to the project folder)")
    return candidate


def input_files(data: DataParams) -> list[Path]:
    """The files a run reads (empty for generated data)."""
    family, _, name = data.transactions.partition(":")
    if family == "cdnow" and name:
        files = [cdnow_path(name)]
    elif family == "synthetic" and name:
        files = []
    else:
        files = [resolve_path(data.transactions)]
    if data.customers:
        files.append(resolve_path(data.customers))
    return files


def fingerprint(data: DataParams) -> str:
    """sha256 over the input files' bytes (and, for generated data, the generator's settings)."""
    digest = hashlib.sha256()
    for path in input_files(data):
        targets = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for target in targets:
            with open(target, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    if data.transactions.startswith("synthetic:"):
        settings = {"set": data.transactions, "n": data.n_customers, "seed": data.seed}
        digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


ISSUE_COLUMNS = ["step", "column", "rows", "action", "detail"]


@dataclass
class LoadedData:
    """Transactions in the contract columns, optional customer attributes, and the data issues
    found while loading (one row per check: step, column, rows concerned, action, detail)."""

    transactions: pd.DataFrame
    customers: pd.DataFrame | None
    issues: pd.DataFrame
    source: str


def load_data(data: DataParams) -> LoadedData:
    """Load the scenario's data as named in ``params.data``."""
    family, _, name = data.transactions.partition(":")
    if family == "cdnow" and name:
        issues = pd.DataFrame(columns=ISSUE_COLUMNS)
        return LoadedData(load_cdnow(name), None, issues, data.transactions)
    raise DataError(f"data.transactions: loading {data.transactions!r} is not supported yet")
