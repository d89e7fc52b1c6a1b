"""A transactions source for the summary as a conformed ibis table: contract columns mapped from
the source's names, typed (string ids, naive timestamps, float amounts) and checked (no rows,
missing values, infinite or NaN amounts are errors showing source rows). Files are scanned by
the engine, so they never pass through pandas."""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from workbench.engine import Engine
from workbench.errors import DataError, ParamsError
from workbench.privacy import shown_records

_REQUIRED = ("customer_id", "timestamp", "amount")
_OPTIONAL = ("order_id", "quantity", "channel", "product")
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
_N_EXAMPLES = 5


def column_mapping(columns: Mapping[str, str] | None) -> dict[str, str]:
    if columns is not None and not isinstance(columns, Mapping):
        raise ParamsError(
            "columns must be a mapping contract name -> source column, e.g. {'customer_id': 'cust'}; "
            f"got {type(columns).__name__} {columns!r:.80}"
        )
    mapping = dict(columns or {})
    unknown = sorted(set(mapping) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ParamsError(
            f"columns: unknown contract name(s) {unknown}; keys must be among "
            f"{list(_REQUIRED + _OPTIONAL)} and values the source's column names"
        )
    mapped = {name: mapping.get(name, name) for name in _REQUIRED}
    taken: dict[str, str] = {}
    for name, src in mapped.items():
        if src in taken:
            raise DataError(
                f"columns: source column {src!r} is used for both {taken[src]!r} and {name!r}; "
                "each contract column needs its own source column"
            )
        taken[src] = name
    return mapped


def unwrap(transactions: Any) -> Any:
    """A ``Transactions``-like wrapper holds its table in ``.data``."""
    if isinstance(transactions, (pd.DataFrame, ir.Table, str, os.PathLike)):
        return transactions
    if hasattr(transactions, "data"):
        return transactions.data
    return transactions


def describe(transactions: Any) -> str:
    inner = unwrap(transactions)
    if isinstance(inner, (str, os.PathLike)):
        return f"transactions '{os.fspath(inner)}'"
    return "transactions"


def _without_absent_amount(available: list, mapping: dict[str, str], explicit: set[str]) -> dict[str, str]:
    """A count-only log (no ``amount`` column, none mapped) is summarised without money columns."""
    if "amount" not in explicit and mapping.get("amount") not in available:
        return {k: v for k, v in mapping.items() if k != "amount"}
    return mapping


def source_table(obj: Any, mapping: dict[str, str], engine: Engine, source: str, explicit: set[str] = frozenset()) -> ir.Table:
    if isinstance(obj, pd.DataFrame):
        mapping = _without_absent_amount(list(obj.columns), mapping, explicit)
        _require(list(obj.columns), mapping, source)
        used = list(mapping.values())
        repeated = sorted({str(c) for c in obj.columns[obj.columns.duplicated()] if c in used})
        if repeated:
            raise DataError(
                f"{source}: column name(s) {repeated} appear more than once in the DataFrame; rename the "
                "copies so that each used column has one name"
            )
        table = ibis.memtable(obj[used])
    elif isinstance(obj, ir.Table):
        table = obj
    elif isinstance(obj, (str, os.PathLike)):
        table = _read_files(os.fspath(obj), mapping, engine, source)
    else:
        raise ParamsError(
            "transactions must be a pandas DataFrame, an ibis Table, a path to Parquet/CSV "
            f"file(s) or an object with a .data attribute holding one of those; got {type(obj).__name__}"
        )
    mapping = _without_absent_amount(list(table.columns), mapping, explicit)
    _require(list(table.columns), mapping, source)
    return table.select(**{name: table[src] for name, src in mapping.items()})


def _require(available: list[str], mapping: dict[str, str], source: str) -> None:
    for name, src in mapping.items():
        if src not in available:
            shown = f"'{src}' (for {name})" if src != name else f"'{name}'"
            raise DataError(
                f"{source}: required column {shown} is missing; available columns: {available}. "
                "Map names with columns={'customer_id': ..., 'timestamp': ..., 'amount': ...}"
            )


def _read_files(path: str, mapping: dict[str, str], engine: Engine, source: str) -> ir.Table:
    if os.path.isdir(path):
        path = os.path.join(path, "**", "*.parquet")
    name = path.lower()
    if "://" not in path:  # local files: say clearly when nothing is there
        matches = sorted(glob.glob(path, recursive=True)) if glob.has_magic(path) else [path]
        if not matches or not os.path.exists(matches[0]):
            raise DataError(f"{source}: no such file or no file matches the pattern")
        name = matches[0].lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return engine.read_parquet(path)
    if name.endswith(_CSV_SUFFIXES):
        # keep identifiers such as "00001" as written instead of inferred integers
        return engine.read_csv(path, text_columns=[mapping["customer_id"]])
    raise ParamsError(
        f"{source}: cannot tell the file format from the name; use one of "
        f"{list(_PARQUET_SUFFIXES + _CSV_SUFFIXES)}"
    )


def conformed_columns(table: ir.Table, source: str, engine: Engine) -> dict[str, ir.Column]:
    """Contract types as expressions on ``table``: customer_id string, timestamp (naive; a
    zone-aware one at its wall-clock time, see :meth:`workbench.engine.Engine.local_time`), amount
    float64."""
    ts_type = table.timestamp.type()
    if ts_type.is_string():
        timestamp = table.timestamp.try_cast("timestamp")
    elif ts_type.is_date():
        timestamp = table.timestamp.cast("timestamp")
    elif ts_type.is_timestamp():
        timestamp, _ = engine.local_time(table.timestamp, None)
    else:
        raise DataError(
            f"{source}: column 'timestamp' has type {ts_type}; expected dates or timestamps "
            "(parse numbers such as 19970101 first, e.g. with workbench.data.load_transactions)"
        )
    out = {"customer_id": table.customer_id.cast("string"), "timestamp": timestamp}
    if "amount" in table.columns:
        if not table.amount.type().is_numeric():
            raise DataError(f"{source}: column 'amount' has type {table.amount.type()}; expected numbers")
        out["amount"] = table.amount.cast("float64")
    return out


def check_values(table: ir.Table, columns: dict[str, ir.Column], source: str, engine: Engine) -> int:
    """The number of rows; empty input, missing (or unparsable) values and infinite or NaN amounts
    (float values, not NULLs, as Parquet files and engines hold them) are errors, shown with
    source rows.
    """
    amount = columns.get("amount")
    # see DuckDBEngine.finite: a NaN stored in Parquet is counted too
    nonfinite = ~engine.finite(amount) if amount is not None else ibis.literal(False)
    aggregates = {k: c.count() for k, c in columns.items()}
    counts = engine.to_pyarrow(table.aggregate(n=table.count(), nonfinite=table.count(where=nonfinite), **aggregates))
    counts = counts.to_pylist()[0]
    if counts["n"] == 0:
        raise DataError(f"{source}: no transactions (0 rows)")
    for name, column in columns.items():
        missing = counts["n"] - counts[name]
        if missing:
            examples = engine.to_pyarrow(table.filter(column.isnull()).limit(_N_EXAMPLES))
            raise DataError(
                f"{source}: column '{name}' has {missing} missing or unparsable value(s) "
                f"out of {counts['n']} rows; e.g. {shown_records(examples.to_pylist())}"
            )
    if counts["nonfinite"]:
        examples = engine.to_pyarrow(table.filter(nonfinite).limit(_N_EXAMPLES))
        raise DataError(
            f"{source}: column 'amount' has {counts['nonfinite']} infinite or NaN value(s) out of "
            f"{counts['n']} rows; e.g. {shown_records(examples.to_pylist())}. Fix or drop them (load_transactions reports them)"
        )
    return counts["n"]
