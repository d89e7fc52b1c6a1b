"""The query engine behind the data layer and the summary: one interface, one module per backend.

Everything backend-specific lives here: opening a private connection (memory cap, spill folder,
session options), running expressions quietly, the SQL functions the cleaning and the summary
need (``finite``, ``local_time``, ``arg_min``), reading files, and the workspace that keeps each
cleaning stage once. :class:`Engine` is the generic ibis implementation (any backend);
:class:`~workbench.engine.duckdb.DuckDBEngine` and :class:`~workbench.engine.spark.SparkEngine`
(imported on first use: PySpark is an extra) are the specific ones; a warehouse backend is one more
subclass with its backend's ``name``; :func:`engine_for` picks it.
"""

from workbench.engine.base import Engine, Workspace, as_table, engine_for, private_engine, quiet_engine, run
from workbench.engine.duckdb import DuckDBEngine

__all__ = ["as_table", "Engine", "DuckDBEngine", "Workspace", "engine_for", "private_engine", "quiet_engine", "run"]
