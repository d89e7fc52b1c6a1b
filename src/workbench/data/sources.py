"""Resolve ``params.data`` to data: bundled data sets by name, or the user's files.

``load_data(params.data)`` returns the transactions (and customer attributes when given);
``fingerprint(params.data)`` is the sha256 of the input files, recorded in every run manifest.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.config import DataParams, project_root
from workbench.data.datasets import cdnow_path
from workbench.errors import DataError, ParamsError


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


#: How the bundled CDNOW files map onto the transactions contract (the sample has no header line).
CDNOW_COLUMNS = {
    "master": {"customer_id": "customer_id", "timestamp": "date", "amount": "dollar_value", "quantity": "number_of_cds"},
    "sample": {"customer_id": 0, "timestamp": 2, "amount": 4, "quantity": 3},
}


@dataclass
class LoadedData:
    """Cleaned transactions (contract columns), optional customer attributes, and the issues
    found while loading: one row per check (step, column, rows concerned, action, detail)."""

    transactions: pd.DataFrame
    customers: pd.DataFrame | None
    issues: pd.DataFrame
    source: str
    rows_read: int


def load_data(data: DataParams, observation_end: object = None) -> LoadedData:
    """Load the scenario's data as named in ``params.data``, validated and cleaned (reported)."""
    from workbench.data.load import load_transactions

    options = _loader_options(data.options)
    family, _, name = data.transactions.partition(":")
    customers = None
    if family == "cdnow" and name:
        source, columns = cdnow_path(name), {**CDNOW_COLUMNS[name], **data.columns}
    elif family == "synthetic" and name:
        from workbench.data.synthetic import make_b2b_demo

        source, customers = make_b2b_demo(data.n_customers, seed=data.seed)
        columns = data.columns or None
        options.setdefault("source_name", data.transactions)
    else:
        source, columns = resolve_path(data.transactions), data.columns or None
    loaded = load_transactions(source, columns, observation_end=observation_end, **options)
    if data.customers:
        from workbench.data.attributes import load_customers

        customers = load_customers(resolve_path(data.customers), data.customer_columns or None)
    issues = loaded.log.drop(columns=["examples"], errors="ignore")
    return LoadedData(loaded.to_pandas(), customers, issues, loaded.source, loaded.n_input_rows)


def _loader_options(options: dict) -> dict:
    """``data.options`` checked against the loader's keyword arguments (errors name the key)."""
    from workbench.data.load import load_transactions

    allowed = {
        name for name, p in inspect.signature(load_transactions).parameters.items() if p.kind is p.KEYWORD_ONLY
    } - {"observation_end"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ParamsError(f"data.options.{unknown[0]}: unknown loader option (allowed: {', '.join(sorted(allowed))})")
    return dict(options)
