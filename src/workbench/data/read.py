"""Reading a transactions or attributes source as it is: text files (encoding and delimiter
sniffed), Parquet (eager, or lazy through the engine), Excel sheets, DataFrames and ibis tables,
and mapping the source's columns to contract names. No value is interpreted here; the loader
(:mod:`workbench.data.load`) parses and cleans."""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from workbench.engine import quiet_engine, run
from workbench.errors import DataError, ParamsError
from workbench.files import regular_file

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50


@dataclass
class RawSource:
    """A source as read: a frame with the user's columns (or an ibis Table), its name, a note."""

    data: pd.DataFrame | ibis.Table
    name: str
    detail: str
    n_rows: int
    lazy: bool = False
    #: Column label -> header name, for every column whose name the header repeats (the copies
    #: of a file's header get labels ``name.1``, ``name.2``; a DataFrame keeps its own labels).
    repeated: dict[Any, str] = field(default_factory=dict)
    #: Field delimiter of a text file (None for other sources).
    delimiter: str | None = None

    @property
    def columns(self) -> list[Any]:
        return list(self.data.columns)

    def repeated_error(self, label: Any) -> DataError:
        """The error for a column whose header name appears more than once."""
        name = self.repeated[label]
        positions = [i + 1 for i, c in enumerate(self.columns) if self.repeated.get(c) == name]
        return DataError(
            f"{self.name}: column {name!r} appears {len(positions)} times in the header (positions "
            f"{', '.join(map(str, positions))}); rename or remove the copies so that one column has this name"
        )


def read_source(
    source: Any,
    *,
    columns: Mapping[str, Any] | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    lazy: bool = False,
    source_name: str | None = None,
) -> RawSource:
    """Read a path, DataFrame or ibis Table without interpreting values (text files as strings)."""
    columns = columns_param(columns)
    header = not any(isinstance(v, int) and not isinstance(v, bool) for v in columns.values())
    if isinstance(source, pd.DataFrame):
        name = source_name or "DataFrame"
        if source.shape[1] == 0:
            raise DataError(f"{name}: the DataFrame has no columns")
        if len(source) == 0:
            raise DataError(f"{name}: the DataFrame has no rows (columns {list(source.columns)})")
        repeated = {c: str(c) for c in source.columns[source.columns.duplicated(keep=False)]}
        return RawSource(source, name, f"DataFrame, {len(source)} rows", len(source), repeated=repeated)
    if isinstance(source, ibis.Table):
        name = source_name or _table_name(source)
        return RawSource(source, name, f"ibis table on {_backend_name(source)}", int(run(source.count())), lazy=True)
    if not isinstance(source, (str, os.PathLike)):
        raise DataError(f"source must be a file path, a pandas DataFrame or an ibis Table, got {type(source).__name__}")
    path = Path(source)
    name = source_name or path.name
    regular_file(path, name)  # a folder, FIFO or device is an error before anything is opened
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, name, header=header, encoding=encoding, delimiter=delimiter)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, name, lazy=lazy)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, name, sheet=sheet, header=header)
    supported = ", ".join(TEXT_SUFFIXES + PARQUET_SUFFIXES + EXCEL_SUFFIXES)
    hint = " (legacy Excel: save it as .xlsx or CSV)" if suffix == ".xls" else ""
    raise DataError(f"{name}: unsupported file type {suffix or '(no extension)'!r}{hint}; supported: {supported}")


def _read_text(path: Path, name: str, *, header: bool, encoding: str | None, delimiter: str | None) -> RawSource:
    raw = path.read_bytes()
    if not raw.strip() or not raw.lstrip(codecs.BOM_UTF8).strip():
        raise DataError(f"{name}: the file is empty")
    text, used = decode_text(raw, name, encoding)
    if not text.strip():
        raise DataError(f"{name}: the file is empty")
    sep = delimiter or sniff_delimiter(text)
    try:  # the header line is read as a row, so that a repeated name is seen (pandas renames it)
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
            skip_blank_lines=True, skipinitialspace=sep != r"\s+",
        )
    except pd.errors.ParserError as exc:
        raise DataError(f"{name}: cannot split the file into columns with delimiter {sep!r}: {exc}. Pass delimiter=") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{name}: the file is empty") from exc
    frame, repeated = _apply_header(frame) if header else (frame, {})
    if len(frame) == 0:
        raise DataError(f"{name}: header only, no data rows (columns {list(frame.columns)})")
    shown = {"\t": "tab", r"\s+": "whitespace"}.get(sep, repr(sep))
    detail = f"text, encoding {used}, delimiter {shown}, {len(frame)} rows"
    return RawSource(frame, name, detail, len(frame), repeated=repeated, delimiter=sep)


def _apply_header(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[Any, str]]:
    """Use the first row as column names (stripped; an empty cell is ``Unnamed: i``, as pandas
    names it) and return the labels of repeated names: the first copy keeps the name, later
    copies are ``name.1``, ``name.2``."""
    names = [
        f"Unnamed: {i}" if v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip() else str(v).strip()
        for i, v in enumerate(frame.iloc[0] if len(frame) else [])
    ]
    counts = Counter(names)
    labels: list[str] = []
    repeated: dict[Any, str] = {}
    for n in names:
        label, k = n, 0
        while label in labels or (k and label in counts):
            k += 1
            label = f"{n}.{k}"
        labels.append(label)
        if counts[n] > 1:
            repeated[label] = n
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = labels
    return body, repeated


def decode_text(raw: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used): the given encoding, else UTF-8 (BOM stripped), UTF-16 by BOM, GB18030."""
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"{name}: cannot decode the file as {encoding}: {exc}") from exc
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8 with BOM" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: the file is neither UTF-8 nor GB18030/GBK text; pass encoding=") from exc


def sniff_delimiter(text: str) -> str:
    """The delimiter of ``, ; tab |`` that splits the first lines into the same number (> 1) of
    fields (most fields wins), else ``r"\\s+"`` when whitespace does, else ``","``."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:_SNIFF_LINES]
    best, best_fields = None, 1
    for sep in _DELIMITERS:
        counts = {len(row) for row in csv.reader(lines, delimiter=sep)}
        if len(counts) == 1 and (n := counts.pop()) > best_fields:
            best, best_fields = sep, n
    if best is not None:
        return best
    counts = {len(ln.split()) for ln in lines}
    if len(counts) == 1 and counts.pop() > 1:
        return r"\s+"
    header_counts = {sep: len(next(csv.reader([lines[0]], delimiter=sep))) for sep in _DELIMITERS}
    sep, n = max(header_counts.items(), key=lambda kv: kv[1])
    return sep if n > 1 else ","


def pq_rows(path: Path) -> int:
    """The row count in a Parquet file's footer (0 when it cannot be read: the read says why)."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except Exception:
        return 0


def _read_parquet(path: Path, name: str, *, lazy: bool) -> RawSource:
    try:
        if lazy:
            from workbench.engine.duckdb import lazy_connection

            con = lazy_connection(pq_rows(path))
            with quiet_engine():
                table = con.read_parquet(path)
            n = int(run(table.count()))
            if n == 0:
                raise DataError(f"{name}: the Parquet file has no rows (columns {table.columns})")
            return RawSource(table, name, f"Parquet (lazy, DuckDB), {n} rows", n, lazy=True)
        frame = pd.read_parquet(path)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"{name}: cannot read as Parquet: {exc}") from exc
    if len(frame) == 0:
        raise DataError(f"{name}: the Parquet file has no rows (columns {list(frame.columns)})")
    repeated = {c: str(c) for c in frame.columns[frame.columns.duplicated(keep=False)]}
    return RawSource(frame, name, f"Parquet, {len(frame)} rows", len(frame), repeated=repeated)


def _read_excel(path: Path, name: str, *, sheet: str | int | None, header: bool) -> RawSource:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:
        raise DataError(f"{name}: cannot read as an Excel workbook: {exc}") from exc
    with book:
        sheets = book.sheet_names
        if sheet is None:
            if len(sheets) > 1:
                raise DataError(f"{name}: the workbook has {len(sheets)} sheets {sheets}; pass sheet= (a name or 0-based index)")
            sheet = sheets[0]
        elif isinstance(sheet, int) and not 0 <= sheet < len(sheets):
            raise DataError(f"{name}: sheet index {sheet} out of range; sheets are {sheets}")
        elif isinstance(sheet, str) and sheet not in sheets:
            raise DataError(f"{name}: no sheet {sheet!r}; sheets are {sheets}")
        sheet_name = sheets[sheet] if isinstance(sheet, int) else sheet
        frame = book.parse(sheet_name, dtype=object, header=None)
    label = f"{name}[{sheet_name}]"
    if frame.shape[1] == 0:
        raise DataError(f"{label}: the sheet is empty")
    frame, repeated = _apply_header(frame) if header else (frame, {})
    if len(frame) == 0:
        raise DataError(f"{label}: header only, no data rows (columns {list(frame.columns)})")
    return RawSource(frame, name, f"Excel sheet {sheet_name!r}, {len(frame)} rows", len(frame), repeated=repeated)


def _table_name(table: ibis.Table) -> str:
    try:
        name = table.get_name()
    except Exception:
        return "ibis table"
    return "ibis memtable" if name.startswith("ibis_pandas_memtable") else name


def _backend_name(table: ibis.Table) -> str:
    try:
        return table.get_backend().name
    except Exception:
        return "the default backend"


# ----------------------------------------------------------------------------------------------
# column mapping


def resolve_columns(
    raw: RawSource,
    columns: Mapping[str, Any] | None,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    *,
    extra: bool = False,
) -> dict[str, Any]:
    """Contract name -> source column label. Mapped names must exist; unmapped required names are
    looked up as is, then ignoring case and surrounding spaces; optional ones are used when found
    and not already taken by another name. ``extra=True`` accepts mapping keys outside
    ``required + optional`` (customer attributes). One source column for two names, or a name
    whose column the header repeats, is a DataError."""
    columns = columns_param(columns)
    known = required + optional
    unknown = [k for k in columns if k not in known]
    if unknown and not extra:
        raise ParamsError(f"columns: unknown key(s) {unknown}; known contract columns are {list(known)}")
    available = raw.columns
    order = (*required, *optional, *unknown)
    taken: dict[Any, str] = {}  # source label -> contract name
    for name in sorted(order, key=lambda n: n not in columns and n not in required):  # named ones first
        wanted = columns.get(name, name)
        label = _find_column(available, wanted)
        named = name in columns or name in required
        if label is None and named:
            raise _missing_column_error(raw, name, wanted, available)
        if label is None or (label in taken and not named):
            continue
        if label in raw.repeated:
            raise raw.repeated_error(label)
        if label in taken:
            first, second = sorted((taken[label], name), key=order.index)
            raise DataError(
                f"{raw.name}: source column {label!r} is used for both {first!r} and {second!r}; "
                "each contract column needs its own source column (check columns=)"
            )
        taken[label] = name
    mapping = {name: label for label, name in taken.items()}
    return {name: mapping[name] for name in order if name in mapping}


def columns_param(columns: Any) -> dict[str, Any]:
    """The ``columns`` argument as a dict; anything but a mapping (or None) is a ParamsError."""
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise ParamsError(
            "columns must be a mapping contract name -> source column, e.g. {'customer_id': 'cust', "
            f"'timestamp': 'date', 'amount': 'value'}}; got {type(columns).__name__} {columns!r:.80}"
        )
    return dict(columns)


def _find_column(available: list[Any], wanted: Any) -> Any:
    if wanted in available:
        return wanted
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        return None
    norm = str(wanted).strip().casefold()
    hits = [c for c in available if str(c).strip().casefold() == norm]
    return hits[0] if len(hits) == 1 else None


def _missing_column_error(raw: RawSource, name: str, wanted: Any, available: list[Any]) -> DataError:
    names = [str(c) for c in available]
    close = difflib.get_close_matches(str(wanted), names, n=3, cutoff=0.5)
    hint = f" Did you mean {close}?" if close else ""
    if len(available) == 1:
        hint += " The source has a single column: is the delimiter right (pass delimiter=)?"
    mapped = "" if wanted == name else f" (mapped from {name!r})"
    return DataError(
        f"{raw.name}: column {wanted!r}{mapped} not found; available columns: {names}.{hint}"
        + ("" if wanted != name else f" Map it with columns={{{name!r}: '<your column>'}}.")
    )
