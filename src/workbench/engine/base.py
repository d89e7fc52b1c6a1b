"""The engine interface, implemented for any ibis backend, and the registry of specific engines."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pyarrow as pa

#: backend name -> engine class (filled by the subclasses' ``name``)
_ENGINES: dict[str, type[Engine]] = {}


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


class Workspace:
    """Where each cleaned stage is computed once, as a temporary table of the backend, so that
    later checks do not recompute earlier steps. Only the latest stage is kept. ``backend=None``
    keeps everything lazy (the engine recomputes each check)."""

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


class Engine:
    """An ibis backend as the data layer uses it. This generic implementation works on any
    backend; a subclass with a ``name`` (the ibis backend's) overrides what its SQL does better.

    ``backend`` is the ibis backend (None: the default one); ``own`` is True for a private
    connection opened by :meth:`private`, which the engine may tune (e.g. a memory cap).
    """

    #: The ibis backend name this engine serves ("" = any).
    name: ClassVar[str] = ""

    def __init__(self, backend: Any = None, *, own: bool = False):
        self.backend = backend
        self.own = own

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            _ENGINES[cls.name] = cls

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self.backend, 'name', 'default')}{', private' if self.own else ''})"

    # -- connections
    @classmethod
    @contextmanager
    def private(cls) -> Iterator[Engine]:
        """A connection of this engine's own for one job (generic: the default ibis backend)."""
        yield cls(ibis.get_backend())

    # -- execution
    def execute(self, expr: Any) -> Any:
        """An expression's result as pandas."""
        return run(expr)

    def to_pyarrow(self, expr: Any, n_rows: int | None = None) -> pa.Table:
        """An expression's result as Arrow; ``n_rows``: the input size, for engines that tune
        their memory to it."""
        return self._to_pyarrow(expr)

    def _to_pyarrow(self, expr: Any) -> pa.Table:
        with quiet_engine():
            return expr.to_pyarrow() if self.backend is None else self.backend.to_pyarrow(expr)

    def workspace(self) -> Workspace:
        """Where the cleaning keeps its stages (generic: nowhere, every check recomputes)."""
        return Workspace(None)

    # -- reading
    def read_parquet(self, path: str) -> ibis.Table:
        return self.backend.read_parquet(path)

    def read_csv(self, path: str, text_columns: Sequence[str] = ()) -> ibis.Table:
        """A CSV file; ``text_columns`` (e.g. ids such as "00001") are kept as written where the
        engine can."""
        return self.backend.read_csv(path)

    def table_of_frame(self, frame: pd.DataFrame) -> ibis.Table:
        """A pandas frame as a table of this engine."""
        return ibis.memtable(frame)

    # -- functions the SQL needs
    def finite(self, value: ibis.Value) -> ibis.Value:
        """True for finite numbers (null for null)."""
        return ~(value.isnan() | value.isinf())

    def local_time(self, value: ibis.Value, zone: str | None) -> tuple[ibis.Value, str]:
        """A zone-aware timestamp as naive, and a note for the cleaning log ("" when naive)."""
        typ = value.type()
        if not (typ.is_timestamp() and typ.timezone):
            return value, ""
        return value.cast(dt.Timestamp()), "time-zone-aware values cast to naive by the engine, in its session time zone"

    def arg_min(self, value: ibis.Value, key: ibis.Value) -> ibis.Value:
        """The ``value`` at the smallest ``key`` of each group."""
        return value.argmin(key)


def as_table(data: pd.DataFrame | ibis.Table) -> ibis.Table:
    """An ibis table of a pandas frame (in memory) or the table itself (a lazy source stays lazy)."""
    return data if isinstance(data, ibis.Table) else ibis.memtable(data)


def engine_for(obj: Any = None) -> Engine:
    """The engine of an ibis table or backend (None: the default ibis backend)."""
    backend = obj
    if getattr(obj, "name", None) == "pyspark" or (isinstance(obj, ibis.Table) and _backend_name(obj) == "pyspark"):
        import workbench.engine.spark  # noqa: F401  (registers the Spark engine)
    if isinstance(obj, ibis.Table):
        try:
            backend = obj.get_backend()
        except Exception:  # an unbound memtable runs on the default backend
            backend = None
    if backend is None:
        backend = ibis.get_backend()
    return _ENGINES.get(getattr(backend, "name", ""), Engine)(backend)


def _backend_name(table: ibis.Table) -> str:
    try:
        return table.get_backend().name
    except Exception:  # an unbound memtable
        return ""


@contextmanager
def private_engine(name: str = "duckdb") -> Iterator[Engine]:
    """A private connection of the engine ``name`` (DuckDB by default), closed afterwards."""
    import workbench.engine.duckdb  # noqa: F401  (registers the shipped engines)

    if name == "pyspark":
        import workbench.engine.spark  # noqa: F401

    with _ENGINES.get(name, Engine).private() as engine:
        yield engine
