"""Spark through ibis: the summary and the cleaning run where the data lives, as the same ibis
expressions as on DuckDB (results equal DuckDB's; money is summed as exact decimals on both).

:func:`spark_backend` opens (or reuses) a Spark session and wraps it in ibis' PySpark backend:
``local[2]`` for tests, a cluster URL (``spark://...``, ``yarn``) or a Databricks Connect session
for users. Facts this module works around:

- ibis' PySpark backend sets ``spark.sql.session.timeZone=UTC`` on the session it is given;
- ``create_table`` leaves a ``./spark-warehouse`` folder behind unless the warehouse points
  elsewhere, so a session started here uses a temporary one;
- Spark reads Parquet timestamps in micro-, not nanoseconds (pandas writes nanoseconds by default:
  write with ``coerce_timestamps="us"``), and is slow to take pandas frames (58 s for 200k rows),
  so a frame goes to Spark as a Parquet file (:meth:`SparkEngine.table_of_frame`).
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from workbench.engine.base import Engine
from workbench.errors import WorkbenchError

def scratch_folder(prefix: str) -> str:
    """A temporary folder removed when this process ends (Spark reads its files lazily, so they
    must outlive the call that wrote them)."""
    folder = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, folder, True)
    return folder


#: Session settings for a small machine; the user's ``conf`` wins.
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
}


def spark_backend(master: str = "local[2]", conf: Mapping[str, str] | None = None, app_name: str = "workbench") -> Any:
    """An ibis PySpark backend on the active Spark session, or on a new one at ``master`` with
    :data:`DEFAULT_CONF`, a temporary warehouse folder and ``conf``. A clear error when PySpark
    (the ``spark`` extra) or Java is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise WorkbenchError("engine.backend spark needs PySpark: pip install 'workbench[spark]' (pyspark 4.0 with ibis 12)") from None
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {**DEFAULT_CONF, "spark.sql.warehouse.dir": scratch_folder("workbench-spark-"), **dict(conf or {})}
    for key, value in settings.items():
        builder = builder.config(key, str(value))
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no Java, a bad master URL: the JVM's message, without its trace
        raise WorkbenchError(f"engine: cannot start Spark at {master!r}: {str(exc).splitlines()[0][:300]} "
                             "(Spark needs Java 17 or 21: apt-get install default-jre-headless)") from None
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


class SparkEngine(Engine):
    """The PySpark engine (a local session or a cluster)."""

    name = "pyspark"

    @classmethod
    @contextlib.contextmanager
    def private(cls) -> Iterator[SparkEngine]:
        """A local Spark session for one job (reused while it lives: starting one takes seconds)."""
        yield cls(spark_backend(), own=True)

    def table_of_frame(self, frame: pd.DataFrame) -> ibis.Table:
        """A pandas frame as a Spark table, through a Parquet file (microsecond timestamps)."""
        folder = Path(scratch_folder("workbench-frame-"))
        path = folder / "frame.parquet"
        frame.to_parquet(path, index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
        return self.backend.read_parquet(str(path))
