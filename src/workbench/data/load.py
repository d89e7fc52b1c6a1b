"""Load transactions from a file, a DataFrame or an ibis table, validated and cleaned with a report.

The entry point is :func:`load_transactions`: read the source (:mod:`workbench.data.read`, shared
with :mod:`workbench.data.attributes`), parse (:mod:`workbench.data.parse`) and clean
(:mod:`workbench.data.clean`), every step in the cleaning log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from workbench.data.clean import clean_table
from workbench.data.cleaning_log import CleaningLog, CleaningOptions
from workbench.data.columns import NEEDED, OPTIONAL
from workbench.engine import engine_for, private_engine, run
from workbench.data.parse import integer_if_whole, parse_frame, parse_table
from workbench.data.read import read_source, resolve_columns



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
