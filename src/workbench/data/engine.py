"""What the cleaning and the summary need from the query engine (DuckDB by default, any ibis
backend): quiet execution, the engine's name, wall-clock time of zone-aware stamps, a finite
test that sees NaN stored in Parquet, and a workspace that computes each cleaned stage once."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import ibis.expr.datatypes as dt


@contextmanager
def quiet_engine() -> Iterator[None]:
    """Silence ibis 12's use of a method DuckDB 2 deprecates (``fetch_arrow_table``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        yield


def run(expr: Any) -> Any:
    """Execute an ibis expression (pandas out)."""
    with quiet_engine():
        return expr.execute()


def _engine_name(t: ibis.Table) -> str:
    try:
        return t.get_backend().name
    except Exception:  # an unbound memtable runs on the default backend
        return getattr(ibis.get_backend(), "name", "")


@ibis.udf.scalar.builtin(name="timezone")
def _duckdb_local_time(zone: str, stamp: dt.Timestamp(timezone="UTC")) -> dt.Timestamp():
    """DuckDB's ``timezone(zone, timestamptz)``: the wall-clock time in ``zone``, naive."""


def local_time(value: ibis.Value, zone: str | None, engine: str) -> tuple[ibis.Value, str]:
    """A zone-aware engine timestamp as naive: on DuckDB the wall-clock time in ``zone``, or in
    the zone of its type when None (UTC for columns read from files: DuckDB keeps instants);
    other engines cast it in their session time zone. Returns the value and a note for the log."""
    typ = value.type()
    if not (typ.is_timestamp() and typ.timezone):
        return value, ""
    if engine != "duckdb":
        return value.cast(dt.Timestamp()), "time-zone-aware values cast to naive by the engine, in its session time zone"
    if zone is None:
        note = f"time-zone-aware values kept at their wall-clock time in {typ.timezone}, the zone of the engine type (not converted)"
    else:
        note = f"time-zone-aware values converted to {zone}, then made naive"
    return _duckdb_local_time(zone or typ.timezone, value), note


@ibis.udf.scalar.builtin(name="isfinite")
def _duckdb_isfinite(value: dt.float64) -> dt.boolean:
    """DuckDB's ``isfinite`` (see :func:`finite`)."""


def finite(value: ibis.Value, engine: str) -> ibis.Value:
    """True for finite numbers (null for null). On DuckDB this is its ``isfinite``: DuckDB 2.0
    folds ``isnan(x)``/``isinf(x)`` of a Parquet column to false when the file's min/max
    statistics, which leave NaN out, rule them out, so a stored NaN would pass unseen."""
    if engine == "duckdb":
        return _duckdb_isfinite(value)
    return ~(value.isnan() | value.isinf())


class Workspace:
    """Where each cleaned stage is computed once, as a temporary table of a DuckDB connection,
    so that later checks do not recompute earlier steps. Only the latest stage is kept; tables
    are created and dropped by name with plain SQL. ``backend=None`` keeps everything lazy
    (engines other than DuckDB recompute each check)."""

    def __init__(self, backend: Any = None):
        self.backend = backend
        self._last: str | None = None

    def keep(self, t: ibis.Table) -> ibis.Table:
        if self.backend is None:
            return t
        name = ibis.util.gen_name("workbench_clean")
        with quiet_engine():
            out = self.backend.create_table(name, t, temp=True)
        self.drop()
        self._last = name
        return out

    def drop(self) -> None:
        if self.backend is not None and self._last is not None:
            self.backend.raw_sql(f'DROP TABLE IF EXISTS "{self._last}"')
            self._last = None
