"""Resolve ``params.data`` to data: bundled data sets by name, or the user's files.

``load_data(params.data)`` returns the transactions (and customer attributes when given);
``fingerprint(params.data)`` is the sha256 of the input files, recorded in every run manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import ibis
import pandas as pd

from workbench.data.params import DataParams
from workbench.paths import project_root
from workbench.data.datasets import cdnow_path
from workbench.engine.params import EngineParams
from workbench.errors import DataError, ParamsError
from workbench.files import regular_file


def resolve_path(path: str) -> Path:
    """A data path as given, or relative to the project folder; a clear error when it is missing
    or not a regular file (a folder, a FIFO or a device would hang or mislead the reader)."""
    candidate = Path(path)
    if not candidate.is_absolute() and not os.path.lexists(candidate):
        candidate = project_root() / candidate
    if not os.path.lexists(candidate):
        raise DataError(f"data file not found: {path} (paths are relative to the project folder)")
    return regular_file(candidate, path)


def input_files(data: DataParams) -> list[Path]:
    """The files a run reads (empty for generated data)."""
    family, _, name = data.transactions.partition(":")
    if family == "cdnow" and name:
        files = [cdnow_path(name)]
    elif family in ("synthetic", "table") and name:
        files = []
    else:
        files = [resolve_path(data.transactions)]
    if data.customers:
        files.append(resolve_path(data.customers))
    return files


#: Files up to this size are hashed whole; larger ones by their size and sampled blocks.
FULL_HASH_BYTES = 256 << 20
SAMPLE_BLOCKS, BLOCK_BYTES = 64, 1 << 20


def fingerprint(data: DataParams) -> str:
    """sha256 over the input files' bytes (and, for generated data, the generator's settings).

    The time it takes is bounded: a file larger than :data:`FULL_HASH_BYTES` is hashed by its
    size and :data:`SAMPLE_BLOCKS` evenly spaced blocks, and the result is prefixed ``sampled:``.
    """
    digest = hashlib.sha256()
    sampled = False
    for path in input_files(data):
        sampled |= _hash_file(path, digest)
    if data.transactions.startswith(("synthetic:", "table:")):
        settings = {"set": data.transactions, "n": data.n_customers, "seed": data.seed}
        digest.update(json.dumps(settings, sort_keys=True).encode())
    return ("sampled:" if sampled else "") + digest.hexdigest()


def _hash_file(path: Path, digest) -> bool:
    """Add ``path`` to ``digest``; True when only sampled blocks of it were read."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if size <= FULL_HASH_BYTES:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
            return False
        digest.update(f"size={size}".encode())
        step = (size - BLOCK_BYTES) // (SAMPLE_BLOCKS - 1)
        for i in range(SAMPLE_BLOCKS):
            handle.seek(i * step)
            digest.update(handle.read(BLOCK_BYTES))
    return True


#: How the bundled CDNOW files map onto the transactions contract (the sample has no header line).
CDNOW_COLUMNS = {
    "master": {"customer_id": "customer_id", "timestamp": "date", "amount": "dollar_value", "quantity": "number_of_cds"},
    "sample": {"customer_id": 0, "timestamp": 2, "amount": 4, "quantity": 3},
}


@dataclass
class LoadedData:
    """Cleaned transactions (contract columns), optional customer attributes, and the issues
    found while loading: one row per check (step, column, rows concerned, action, detail).

    ``transactions`` is a pandas frame, or a lazy ibis table when the source is read lazily
    (``data.options.lazy``, or a warehouse table): every later count, summary and tracking
    table then runs on its engine. ``last_date``: the last transaction's day, counted once."""

    transactions: pd.DataFrame | ibis.Table
    customers: pd.DataFrame | None
    issues: pd.DataFrame
    source: str
    rows_read: int
    last_date: dt.date | None = None

    @property
    def lazy(self) -> bool:
        return isinstance(self.transactions, ibis.Table)


def load_data(data: DataParams, observation_end: object = None, engine: EngineParams | None = None) -> LoadedData:
    """Load the scenario's data as named in ``params.data``, validated and cleaned (reported).

    With ``engine.backend`` spark, a Parquet file or a ``table:<name>`` is read and cleaned by
    Spark (lazy: nothing reaches pandas); other sources are read and cleaned here and handed to
    Spark as one Parquet file, so the summaries run there."""
    from workbench.data.load import load_transactions

    options = data.options.loader_kwargs()
    family, _, name = data.transactions.partition(":")
    customers = None
    spark = None
    if engine is not None and engine.backend == "spark":
        from workbench.engine.spark import spark_backend

        spark = spark_backend(engine.master, engine.conf)
    if family == "table":
        if spark is None:
            raise ParamsError(f"data.transactions: {data.transactions!r} names a table of the engine; set engine.backend: "
                              "spark (or pass an ibis table of your warehouse to load_transactions)")
        try:
            source, columns = spark.table(name), data.columns or None
        except Exception as exc:
            raise DataError(f"data.transactions: Spark has no table {name!r} ({str(exc).splitlines()[0][:200]})") from None
    elif spark is not None and family not in ("cdnow", "synthetic") and resolve_path(data.transactions).suffix.lower() in (".parquet", ".pq"):
        source, columns = spark.read_parquet(str(resolve_path(data.transactions))), data.columns or None
    elif family == "cdnow" and name:
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
    last = None if loaded.last_date is None else pd.Timestamp(loaded.last_date).date()
    data_out = loaded.data if loaded.lazy else loaded.to_pandas()
    if spark is not None and not loaded.lazy:
        from workbench.engine.spark import SparkEngine

        data_out = SparkEngine(spark).table_of_frame(data_out)
    return LoadedData(data_out, customers, issues, loaded.source, loaded.n_input_rows, last)
