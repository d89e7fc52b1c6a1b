"""``engine:`` in a scenario: where the summary and the cleaning run. The engine layer owns this
section; :mod:`workbench.config` assembles it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EngineParams(BaseModel):
    """The query engine of a scenario."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["duckdb", "spark"] = Field(
        "duckdb", description="duckdb (embedded, the default) or spark (a local session or a cluster, needs the spark extra)")
    master: str = Field("local[2]", description="spark: the master URL (local[2], spark://host:7077, yarn, ...)")
    conf: dict[str, str] = Field(default_factory=dict, description="spark: session settings, e.g. {spark.executor.memory: 8g}")
