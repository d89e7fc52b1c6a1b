"""``data:`` in a scenario: where the transactions and customer attributes come from, and how
they are read (:class:`~workbench.data.options.LoaderOptions`). The data layer owns this section;
:mod:`workbench.config` only assembles it into :class:`~workbench.config.Params`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench.data.options import LoaderOptions


class Strict(BaseModel):
    """A params section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataParams(Strict):
    """Where the transactions (and optional customer attributes) come from."""

    transactions: str = Field(
        "cdnow:master",
        description="bundled data set ('cdnow:master', 'cdnow:sample', 'synthetic:b2b'), a file path "
        "(CSV/Parquet/Excel, relative to the project folder) or 'table:<name>', a table of the engine (Spark)",
    )
    customers: str | None = Field(None, description="optional customer attributes file")
    columns: dict[str, str] = Field(
        default_factory=dict, description="contract name -> column name in the file, e.g. {customer_id: 客户编号}"
    )
    customer_columns: dict[str, str] = Field(default_factory=dict, description="same, for the attributes file")
    options: LoaderOptions = Field(
        default_factory=LoaderOptions,
        description="loader options: returns, duplicates, date_format, dayfirst, decimal, encoding, sheet, ... "
        "(workbench.data.options.LoaderOptions)",
    )
    n_customers: int = Field(5000, gt=0, description="size of a synthetic data set")
    seed: int = Field(20261124, description="seed of a synthetic data set")

    @field_validator("transactions")
    @classmethod
    def _known_dataset(cls, value: str) -> str:
        if ":" in value and not Path(value).drive:
            kind, _, name = value.partition(":")
            if kind == "table":
                if not name.strip():
                    raise ValueError("table: needs a table name, e.g. table:sales.transactions")
                return value
            if kind not in BUNDLED:
                raise ValueError(f"unknown data set {value!r}; bundled ones: {', '.join(_bundled_names())}")
            if name not in BUNDLED[kind]:
                raise ValueError(f"unknown {kind} data set {name!r}; choose one of {', '.join(BUNDLED[kind])}")
        return value


#: Bundled data sets by family: ``family:name`` in ``data.transactions``.
BUNDLED: dict[str, tuple[str, ...]] = {"cdnow": ("master", "sample"), "synthetic": ("b2b",)}


def _bundled_names() -> list[str]:
    return [f"{family}:{name}" for family, names in BUNDLED.items() for name in names]
