"""Load transactions from a file, a DataFrame or an ibis table, validated and cleaned with a report.

The entry point is :func:`load_transactions`; the reading helpers (:func:`read_source`,
:func:`resolve_columns`) are shared with :mod:`workbench.data.attributes`.
"""

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

from workbench.data.clean import clean_table
from workbench.data.cleaning_log import CleaningLog, CleaningOptions
from workbench.data.columns import NEEDED, OPTIONAL
from workbench.engine import engine_for, private_engine, quiet_engine, run
from workbench.data.parse import integer_if_whole, parse_frame, parse_table
from workbench.errors import DataError, ParamsError
from workbench.files import regular_file

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50


@dataclass
class Transactions:
    """Cleaned transactions with the record of every check and cleaning step.

    ``data`` is a pandas DataFrame in contract columns (``customer_id`` str, ``timestamp``
    datetime64[ns], ``amount`` float64, then whichever of ``order_id``, ``quantity``, ``channel``,
    ``product`` the source has, and ``is_outlier`` when outliers are flagged), in the source's row
    order; for an ibis-table source (or ``lazy=True`` on Parquet) it is a lazy ibis Table with the
    same columns. ``log`` has one row per step: ``step``, ``column``, ``rows``, ``action``,
    ``detail``, ``examples``.
    """

    data: pd.DataFrame | ibis.Table
    log: pd.DataFrame
    source: str
    n_input_rows: int
    n_rows: int
    n_customers: int
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    observation_end: pd.Timestamp | None = None
    columns: dict[str, Any] = field(default_factory=dict)

    @property
    def lazy(self) -> bool:
        """True when ``data`` is an ibis Table (run by its engine when used)."""
        return not isinstance(self.data, pd.DataFrame)

    def to_pandas(self) -> pd.DataFrame:
        """``data`` as a pandas DataFrame (executes a lazy table; timestamps as datetime64[ns])."""
        if not self.lazy:
            return self.data
        return _finish_frame(run(self.data))

    def actions(self) -> pd.DataFrame:
        """The log rows that changed or flagged data."""
        return self.log[~self.log["action"].isin(["none", "skipped"]) & (self.log["rows"] > 0)]

    def __repr__(self) -> str:
        span = f"{_day(self.first_date)}..{_day(self.last_date)}"
        kind = "lazy ibis table" if self.lazy else "DataFrame"
        return (
            f"Transactions(source={self.source!r}, rows={self.n_rows:,} of {self.n_input_rows:,} read, "
            f"customers={self.n_customers:,}, dates {span}, {len(self.actions())} cleaning actions, {kind})"
        )

    def _repr_html_(self) -> str:
        head = repr(self).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<p><code>{head}</code></p>" + self.log.to_html(index=False)


def load_transactions(
    source: Any,
    columns: Mapping[str, Any] | None = None,
    *,
    observation_end: Any = None,
    returns: str = "net_order",
    zero_amounts: str = "keep",
    duplicates: str = "drop_exact",
    outliers: str = "flag",
    outlier_k: float = 3.0,
    missing: str = "drop",
    invalid: str = "error",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    lazy: bool = False,
    source_name: str | None = None,
) -> Transactions:
    """Read, validate and clean transactions; every check is recorded in ``result.log``.

    Parameters
    ----------
    source
        A path to a CSV/TSV/TXT file (delimiter and encoding detected), Parquet (``.parquet``,
        ``.pq``) or Excel workbook (``.xlsx``, ``.xlsm``); a pandas DataFrame; or an ibis Table
        (a warehouse table stays lazy: every count is an ibis expression).
    columns
        Contract name -> the source's column name, e.g. ``{"customer_id": "客户编号",
        "timestamp": "交易日期", "amount": "金额"}``. Unmapped contract names are looked up as is
        (then ignoring case and spaces); optional ``order_id``, ``quantity``, ``channel``,
        ``product`` are used when present (and not mapped to another name). Integer values are
        0-based positions and mean the text file has no header line. Each contract name needs
        its own source column, and a used column's name must appear once in the header.
    observation_end
        Last date of observation. A date without a time includes that whole day. Later rows are
        dropped (reported). ``None`` (default) skips the check.
    returns
        Negative amounts: ``"net_order"`` (default) sums every row of an order that contains a
        return into one row (earliest timestamp, summed amount and quantity) when there is an
        ``order_id`` column, else (and for rows with an empty order id) within the customer and
        calendar day; ``"net_customer_day"`` nets within customer and calendar day always.
        Netted groups whose total is <= 0 (fully returned, or a return whose purchase is not in
        the data) are dropped. ``"drop"`` drops the negative rows, ``"keep"`` keeps them,
        ``"error"`` raises.
    zero_amounts
        ``"keep"`` (default; reported) or ``"drop"``.
    duplicates
        ``"drop_exact"`` (default) drops rows identical in every kept column to an earlier row;
        ``"keep"`` only reports them.
    outliers, outlier_k
        Rows with ``amount > 10 ** (Q3 + k * max(IQR, 0.1))`` of log10 positive amounts
        (``k = outlier_k``, default 3: far out on the log scale) or with ``|amount| >= 1e12``:
        ``"flag"`` (default) adds a boolean ``is_outlier`` column, ``"drop"`` drops them,
        ``"keep"`` only reports them.
    missing
        Rows with an empty customer id, date or amount: ``"drop"`` (default; reported) or
        ``"error"``. All ids empty is always an error.
    invalid
        Non-empty dates or amounts that cannot be read: ``"error"`` (default; the message names
        the rows) or ``"drop"`` (reported).
    date_format
        A ``strftime`` format for text dates. Without it, ISO 8601 and common formats
        (``%Y%m%d``, ``%Y/%m/%d``, ``%d/%m/%Y``, ``%m/%d/%Y``, ``%Y年%m月%d日``, ...) are tried and
        the one reading the most values is used; values only another format reads are an error
        (mixed formats). Integer columns are read as YYYYMMDD. Dates outside pandas' range
        (1677-09-21 to 2262-04-11) are reported as out of range, by the ``invalid`` policy.
    dayfirst
        Which order to use when day-first and month-first formats both read every value but
        differently (``01/02/1997``): ``True`` day first, ``False`` month first. ``None``
        (default, not told) makes such a column an error naming example rows, unless a value
        settles the order (a day above 12).
    timezone
        ``None`` (default): zone-aware timestamps keep their own local wall-clock time, the zone
        or offset dropped without converting (``2024-01-01 07:30+08:00`` stays 07:30 on January
        1st, the customer's calendar day); the ``timezone`` log step counts them. A zone name
        (``"UTC"``, ``"Asia/Shanghai"``) converts them to that zone first. Naive timestamps are
        kept as they are; a zone-aware ``observation_end`` is read the same way.
    decimal
        Decimal mark of text amounts: ``"."`` (a comma then groups thousands, in valid grouping
        only: ``1,234.50`` but not ``0,500`` or ``12,5``, which are invalid) or ``","`` (a dot
        groups thousands: ``1.234,50``). ``None`` (default) reads as ``"."``, except that in a
        ``;``-delimited text file amounts like ``12,250`` (thousands with ``"."``, a fraction with
        ``","``) are an error asking for ``decimal=`` unless another value settles the mark
        (``12.50``, ``1,234.50``).
    encoding
        Text encoding; by default UTF-8 (with or without BOM), then UTF-16 by its BOM, then GB18030
        (a superset of GBK).
    delimiter
        Field delimiter; by default the one of ``, ; tab |`` giving a consistent field count,
        else runs of whitespace (CDNOW style).
    sheet
        Excel sheet name or 0-based index; required when the workbook has several sheets.
    lazy
        Read Parquet through ibis/DuckDB instead of pandas (files larger than memory); ``data`` is
        then an ibis Table, as for an ibis-table source. Engine tables are parsed by the engine:
        typed columns, ISO or YYYYMMDD dates, plain or currency-marked numbers (``date_format`` and
        ``decimal=","`` apply to files and DataFrames only). On DuckDB each cleaned stage is kept
        as a temporary table of the source's connection so that no step is computed twice.
    source_name
        Name used in messages and the log (default: the file name, ``"DataFrame"`` or the table name).

    Returns
    -------
    Transactions
        Row numbers in messages and examples are data rows counted from 1 after the header.

    Raises
    ------
    DataError
        Empty file, header only, missing column, one source column mapped to two names, a used
        column name repeated in the header, all ids empty, unreadable or out-of-range values (with
        ``invalid="error"``), mixed date formats, day/month order not settled (``dayfirst``),
        decimal mark not settled (``decimal``), or no usable row left; the message names the
        source, the column, the count and up to 5 example rows.
    """
    opts = CleaningOptions(
        observation_end=observation_end, returns=returns, zero_amounts=zero_amounts, duplicates=duplicates,
        outliers=outliers, outlier_k=outlier_k, missing=missing, invalid=invalid, date_format=date_format,
        dayfirst=dayfirst, timezone=timezone, decimal=decimal,
    )
    raw = read_source(
        source, columns=columns, sheet=sheet, encoding=encoding, delimiter=delimiter, lazy=lazy, source_name=source_name
    )
    mapping = resolve_columns(raw, columns, NEEDED, ("amount", *OPTIONAL))
    log = CleaningLog(raw.name, mapping)
    log.add("read", "", raw.n_rows, "none", raw.detail)
    detail = "; ".join(f"{k} <- {v!r}" for k, v in mapping.items())
    if "amount" not in mapping:  # a count-only log: say which columns were left, in case one is the amount
        unused = [str(c) for c in raw.columns if c not in mapping.values()]
        detail += f"; no amount column (unused: {unused or 'none'}; map one with columns={{'amount': ...}})"
    log.add("columns", "", 0, "none", detail)
    if isinstance(raw.data, pd.DataFrame):
        data, (n_rows, n_customers, lo, hi) = _clean_frame(raw.data, mapping, log, opts, raw.delimiter)
    else:
        data, (n_rows, n_customers, lo, hi) = _clean_engine_table(raw.data, mapping, log, opts)
    if n_rows == 0:
        raise log.error(None, f"no usable rows left after cleaning {raw.n_rows} rows (removed by step: "
                              f"{log.removed_summary()}); see the policies in load_transactions' documentation")
    lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
    log.add("result", "", n_rows, "none", f"{n_rows} rows, {n_customers} customers, dates {_day(lo)} to {_day(hi)}")
    return Transactions(
        data=data, log=log.to_frame(), source=raw.name, n_input_rows=raw.n_rows, n_rows=n_rows,
        n_customers=n_customers, first_date=lo, last_date=hi, observation_end=opts.observation_end,
        columns=dict(mapping),
    )


def _clean_frame(
    raw: pd.DataFrame, mapping: dict[str, Any], log: CleaningLog, opts: CleaningOptions, delimiter: str | None
) -> tuple[pd.DataFrame, tuple]:
    """Parse in pandas, clean on a private engine connection (DuckDB)."""
    frame = raw[list(mapping.values())].copy()
    frame.insert(0, "_row", range(1, len(frame) + 1))
    parsed = parse_frame(frame, mapping, log, opts, delimiter)
    with private_engine() as engine:  # its stage tables go when it closes
        cleaned = clean_table(engine.table_of_frame(parsed), log, opts, engine.workspace())
        data = _finish_frame(engine.execute(cleaned.order_by("_row").drop("_row")))
    if not len(data):
        return data, (0, 0, None, None)
    return data, (len(data), int(data["customer_id"].nunique()), data["timestamp"].min(), data["timestamp"].max())


def _clean_engine_table(table: ibis.Table, mapping: dict[str, Any], log: CleaningLog, opts: CleaningOptions) -> tuple[ibis.Table, tuple]:
    """Parse and clean with ibis expressions; the result stays a lazy table of the source's engine."""
    parsed = parse_table(table, mapping, log, opts)
    cleaned = clean_table(parsed, log, opts, engine_for(parsed).workspace())
    stats = run(cleaned.aggregate(
        n=cleaned.count(), c=cleaned.customer_id.nunique(), lo=cleaned.timestamp.min(), hi=cleaned.timestamp.max()
    )).iloc[0]
    return cleaned.order_by("_row").drop("_row"), (int(stats["n"]), int(stats["c"]), stats["lo"], stats["hi"])


def _finish_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Contract dtypes after the engine: object ids, datetime64[ns], float64 amounts, int quantities."""
    df = df.copy()
    for c in df.columns:
        if c == "timestamp":
            df[c] = df[c].astype("datetime64[ns]")
        elif c == "amount":
            df[c] = df[c].astype("float64")
        elif c == "quantity":
            df[c] = integer_if_whole(df[c].astype("float64"))
        elif c == "is_outlier":
            df[c] = df[c].astype(bool)
        else:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def _day(ts: Any) -> str:
    if ts is None or pd.isna(ts):
        return "?"
    ts = pd.Timestamp(ts)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


# ----------------------------------------------------------------------------------------------
# reading


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


def _read_parquet(path: Path, name: str, *, lazy: bool) -> RawSource:
    try:
        if lazy:
            with quiet_engine():
                table = ibis.read_parquet(path)
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
