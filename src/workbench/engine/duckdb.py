"""DuckDB, the default engine: a private in-memory connection that spills to a private folder
under a memory cap, and DuckDB's own functions where ibis's generic SQL is wrong or slow."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pyarrow as pa

from workbench.engine.base import Engine, Workspace, quiet_engine

# Memory cap of the private DuckDB: unconstrained, its (customer, day) hash table takes ~70-100
# bytes per input row; capped near half of that it spills part of it to disk. Measured at 10M rows
# / 1M customers: peak RSS ~580 MiB instead of ~1 GB for the same CPU time (~25 % more CPU with a
# calibration split or without same-day merging). Floor: DuckDB's aggregation needs some memory
# per thread (at 10M rows 96 MiB failed on 2 threads, 128 MiB worked).
CAP_BYTES_PER_ROW = 40
CAP_FLOOR_PER_THREAD = 128 * 2**20
CAP_FLOOR = 256 * 2**20

_UNITS = {"bytes": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15,
          "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50}


@ibis.udf.scalar.builtin(name="timezone")
def _timezone(zone: str, stamp: dt.Timestamp(timezone="UTC")) -> dt.Timestamp():
    """DuckDB's ``timezone(zone, timestamptz)``: the wall-clock time in ``zone``, naive."""


@ibis.udf.scalar.builtin(name="isfinite")
def _isfinite(value: dt.float64) -> dt.boolean:
    """DuckDB's ``isfinite`` (see :meth:`DuckDBEngine.finite`)."""


@ibis.udf.agg.builtin(name="min_by")
def _min_by(value: dt.float64, key: dt.int32) -> dt.float64:
    """DuckDB's ``min_by`` (ibis renders ``argmin`` there as a slower ordered ``first``)."""


def parse_bytes(text: str) -> int | None:
    """DuckDB's memory figures such as ``"18.8 GiB"`` in bytes; None if not understood."""
    number, _, unit = str(text).strip().partition(" ")
    try:
        return int(float(number) * _UNITS[unit.strip()])
    except (KeyError, ValueError):
        return None


def lazy_connection(n_rows: int) -> Any:
    """The DuckDB connection of a lazy source (it lives as long as its tables): memory capped
    like a private connection's for ``n_rows`` input rows (DuckDB spills the rest, the cleaned
    stages included, to a temporary folder of its own; not ``./.tmp``)."""
    spill = tempfile.mkdtemp(prefix="workbench-duckdb-lazy-")
    con = ibis.duckdb.connect(temp_directory=spill)
    weakref.finalize(con, shutil.rmtree, spill, True)  # the folder goes with the connection
    with contextlib.suppress(Exception):
        con.raw_sql("SET enable_progress_bar = false")
    threads = int(con.raw_sql("SELECT current_setting('threads')").fetchall()[0][0])
    default = parse_bytes(con.raw_sql("SELECT current_setting('memory_limit')").fetchall()[0][0])
    cap = max(CAP_FLOOR, CAP_FLOOR_PER_THREAD * threads, CAP_BYTES_PER_ROW * n_rows)
    if default is not None and cap < default:
        con.raw_sql(f"SET memory_limit = '{cap}B'")
    return con


class DuckDBEngine(Engine):
    """The DuckDB engine (embedded, in-memory by default)."""

    name = "duckdb"

    @classmethod
    @contextlib.contextmanager
    def private(cls) -> Iterator[DuckDBEngine]:
        """An in-memory DuckDB that spills to a private temporary folder (not ``./.tmp``) and is
        closed afterwards, which frees its memory before the pandas conversion."""
        with tempfile.TemporaryDirectory(prefix="workbench-duckdb-") as spill:
            con = ibis.duckdb.connect(temp_directory=spill)
            try:
                with contextlib.suppress(Exception):  # DuckDB refuses this in Jupyter without ipywidgets
                    con.raw_sql("SET enable_progress_bar = false")  # a session option; keeps logs clean
                yield cls(con, own=True)
            finally:
                con.disconnect()

    def setting(self, name: str) -> str:
        return self.backend.raw_sql(f"SELECT current_setting('{name}')").fetchall()[0][0]

    def to_pyarrow(self, expr: Any, n_rows: int | None = None) -> pa.Table:
        """On a private connection with the input size known, run with a memory limit
        proportional to it, never above DuckDB's own default; if DuckDB still runs out of memory
        (not every part of a query can spill, e.g. a very large result), run again with its
        default limit, so a cap never makes data fail."""
        if not self.own or n_rows is None:
            return self._to_pyarrow(expr)
        import duckdb

        default = parse_bytes(self.setting("memory_limit"))
        floor = max(CAP_FLOOR, CAP_FLOOR_PER_THREAD * int(self.setting("threads")))
        cap = max(floor, CAP_BYTES_PER_ROW * n_rows)
        if default is None or cap >= default:
            return self._to_pyarrow(expr)
        self.backend.raw_sql(f"SET memory_limit = '{cap}B'")
        try:
            return self._to_pyarrow(expr)
        except duckdb.OutOfMemoryException:
            self.backend.raw_sql("RESET memory_limit")
            return self._to_pyarrow(expr)

    def workspace(self) -> Workspace:
        return Workspace(self.backend)

    def read_csv(self, path: str, text_columns: Sequence[str] = ()) -> ibis.Table:
        table = self.backend.read_csv(path)
        as_text = {c: "VARCHAR" for c in text_columns if c in table.columns and not table[c].type().is_string()}
        return self.backend.read_csv(path, types=as_text) if as_text else table

    def table_of_frame(self, frame: pd.DataFrame) -> ibis.Table:
        """The frame registered (not copied) in this connection."""
        name = ibis.util.gen_name("workbench_frame")
        self.backend.con.register(name, frame)
        with quiet_engine():
            return self.backend.table(name)

    def finite(self, value: ibis.Value) -> ibis.Value:
        """DuckDB's ``isfinite``: DuckDB 2.0 folds ``isnan(x)``/``isinf(x)`` of a Parquet column
        to false when the file's min/max statistics, which leave NaN out, rule them out, so a
        stored NaN would pass unseen."""
        return _isfinite(value)

    def local_time(self, value: ibis.Value, zone: str | None) -> tuple[ibis.Value, str]:
        """The wall-clock time in ``zone``, or in the zone of its type when None (UTC for columns
        read from files: DuckDB keeps instants)."""
        typ = value.type()
        if not (typ.is_timestamp() and typ.timezone):
            return value, ""
        if zone is None:
            note = f"time-zone-aware values kept at their wall-clock time in {typ.timezone}, the zone of the engine type (not converted)"
        else:
            note = f"time-zone-aware values converted to {zone}, then made naive"
        return _timezone(zone or typ.timezone, value), note

    def arg_min(self, value: ibis.Value, key: ibis.Value) -> ibis.Value:
        return _min_by(value, key)
