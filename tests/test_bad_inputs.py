"""A catalogue of bad and awkward transaction inputs.

Each case builds a small source in ``tmp_path`` and asserts either a clear error (the message names
the column, the count and the example rows) or the documented cleaning result (the log row and
the resulting data). Expected values are written out by hand from the input rows.
Row numbers are data rows counted from 1 after the header.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from workbench.data.load import load_transactions
from workbench.errors import DataError, ParamsError

HEADER = "customer_id,timestamp,amount"


def write(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(text.encode(encoding))
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def csv(tmp: Path, *rows: str, header: str = HEADER, name: str = "tx.csv", encoding: str = "utf-8") -> Path:
    return write(tmp, name, "\n".join([header, *rows]) + "\n", encoding)


def step(tx, name: str) -> pd.Series:
    rows = tx.log[tx.log["step"] == name]
    assert len(rows) == 1, f"log has {len(rows)} rows for step {name!r}"
    return rows.iloc[0]


def excel(tmp: Path, sheets: dict[str, pd.DataFrame], name: str = "tx.xlsx") -> Path:
    path = tmp / name
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return path


def text_ids_excel(tmp: Path) -> Path:
    """Ids typed as text cells with leading zeros, and one id stored as a number."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["customer_id", "timestamp", "amount"])
    ws.append(["00001", pd.Timestamp("2020-01-01").to_pydatetime(), 10.0])
    ws.append(["00002", pd.Timestamp("2020-01-02").to_pydatetime(), 20.0])
    ws.append([123, pd.Timestamp("2020-01-03").to_pydatetime(), 30.0])
    ws.cell(row=2, column=1).number_format = "@"
    path = tmp / "ids.xlsx"
    book.save(path)
    return path


TWO_SHEETS = {
    "notes": pd.DataFrame({"text": ["exported 2024-01-01"]}),
    "orders": pd.DataFrame({"customer_id": ["a", "b"], "timestamp": ["2020-01-01", "2020-01-02"], "amount": [1.0, 2.0]}),
}

# ------------------------------------------------------------------------------------------------
# inputs that must be rejected: (builder(tmp) -> (source, kwargs), error class, patterns in message)

Builder = Callable[[Path], tuple[Any, dict[str, Any]]]

REJECTED: list[Any] = [
    pytest.param(lambda p: (write(p, "tx.csv", ""), {}), DataError, [r"tx\.csv", "empty"], id="empty-file"),
    pytest.param(lambda p: (write(p, "tx.csv", "\n  \n\n"), {}), DataError, ["empty"], id="blank-lines-only"),
    pytest.param(lambda p: (csv(p), {}), DataError, [r"tx\.csv", "header only", "customer_id"], id="header-only"),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", header="customer_id,timestmp,amount"), {}),
        DataError, [r"'timestamp' not found", r"available columns: \['customer_id', 'timestmp', 'amount'\]", "Did you mean.*timestmp"],
        id="missing-column",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", header="客户编号,交易日期,金 额"), {"columns": {"customer_id": "客户编号", "timestamp": "交易日期", "amount": "金额"}}),
        DataError, ["'金额'", "mapped from 'amount'", "金 额"], id="wrong-mapping",
    ),
    pytest.param(lambda p: (csv(p, "a,2020-01-01,1"), {"columns": {"revenue": "amount"}}), ParamsError, ["unknown key", "revenue"], id="unknown-mapping-key"),
    pytest.param(lambda p: (csv(p, ",2020-01-01,1", " ,2020-01-02,2", '"",2020-01-03,3'), {}), DataError, ["'customer_id'", "all 3 rows have an empty customer id"], id="all-ids-missing"),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", "b,1997-13-45,2", "c,2020-01-03,3"), {}),
        DataError, ["'timestamp'", r"1 row\(s\) with a date that cannot be read", r"row 2: '1997-13-45'", "date_format"], id="unparseable-date",
    ),
    pytest.param(
        lambda p: (csv(p, "a,01/02/1997,1", "b,01/02/1997,2", "c,12/12/1997,3", "d,03/04/1997,4"), {}),
        DataError,
        ["'timestamp'", "ambiguous dates", r"3 row\(s\)", "row 1: '01/02/1997'; row 2: '01/02/1997'; row 4: '03/04/1997'",
         r"%m/%d/%Y \(1997-01-02\)", r"%d/%m/%Y \(1997-02-01\)", "dayfirst=True", "date_format="],
        id="ambiguous-day-month-order",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", "b,2300-01-01,2", "c,1500-06-30,3", "d,2020-13-01,4"), {}),
        DataError, ["'timestamp'", r"2 row\(s\) with a date out of range", "row 2: '2300-01-01'; row 3: '1500-06-30'", "2262"],
        id="dates-out-of-range",
    ),
    pytest.param(
        lambda p: (ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"], "timestamp": ["2020-01-01", "2300-01-01"], "amount": [1.0, 2.0]})), {}),
        DataError, ["'timestamp'", r"1 row\(s\) with a date out of range", "row 2: '2300-01-01'"], id="ibis-table-date-out-of-range",
    ),
    pytest.param(
        lambda p: (pd.DataFrame({"customer_id": ["a", "b"], "timestamp": [19970101, 23000101], "amount": [1.0, 2.0]}), {}),
        DataError, [r"1 row\(s\) with a date out of range", "row 2: 23000101"], id="yyyymmdd-out-of-range",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1"), {"dayfirst": "yes"}), ParamsError, ["dayfirst", "True, False or None"], id="bad-dayfirst",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", "b,2020-01-02,2", "c,2020-01-03,3", "d,04/01/2020,4"), {}),
        DataError, ["mixed date formats", "3 rows read as ISO8601", r"1 rows only as %m/%d/%Y \(e.g. row 4: '04/01/2020'\)"], id="mixed-date-formats",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", "b,2020-01-02,twelve", "c,2020-01-03,3", "d,2020-01-04,12.5.1"), {}),
        DataError, ["'amount'", r"2 row\(s\) with an amount that is not a number", "row 2: 'twelve'", "row 4: '12.5.1'"], id="text-in-amount",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", "b,2020-01-02,inf"), {}),
        DataError, [r"1 row\(s\) with an amount that is not a number", "row 2: 'inf'"], id="infinite-amount",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", ",2020-01-02,2"), {"missing": "error"}),
        DataError, ["'customer_id'", r"1 row\(s\) with an empty customer id", "row 2"], id="missing-id-policy-error",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", "b,2020-01-02,"), {"missing": "error"}),
        DataError, ["'amount'", r"1 row\(s\) with an empty amount", "row 2"], id="nan-amount-policy-error",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,10", "a,2020-01-02,-4"), {"returns": "error"}),
        DataError, ["'amount'", r"1 row\(s\) with a negative amount", r"row 2: \(customer_id='a'"], id="returns-policy-error",
    ),
    pytest.param(lambda p: (excel(p, TWO_SHEETS), {}), DataError, ["2 sheets", r"\['notes', 'orders'\]", "sheet="], id="excel-two-sheets-no-sheet"),
    pytest.param(lambda p: (excel(p, TWO_SHEETS), {"sheet": "Orders2"}), DataError, ["no sheet 'Orders2'", "notes"], id="excel-unknown-sheet"),
    pytest.param(lambda p: (p / "nope.csv", {}), DataError, ["nope.csv", "not found"], id="nonexistent-path"),
    pytest.param(lambda p: (p, {}), DataError, ["is a folder, expected a data file"], id="directory"),
    pytest.param(lambda p: (fifo(p / "tx.csv"), {}), DataError, [r"tx.csv: is a named pipe \(FIFO\)"], id="fifo-does-not-hang"),
    pytest.param(lambda p: (Path("/dev/zero"), {}), DataError, ["zero: is a device, expected a data file"], id="dev-zero-does-not-hang"),
    pytest.param(lambda p: (write(p, "tx.json", "[]"), {}), DataError, ["unsupported file type '.json'", ".parquet"], id="unsupported-extension"),
    pytest.param(lambda p: (write(p, "tx.xls", "x"), {}), DataError, ["'.xls'", "save it as .xlsx"], id="legacy-xls"),
    pytest.param(lambda p: ([1, 2], {}), DataError, ["got list"], id="not-a-source"),
    pytest.param(
        lambda p: (write(p, "tx.csv", "customer_id;timestamp;amount\na;2020-01-01;12,250\nb;2020-01-02;3\nc;2020-01-03;€1,500\n"), {}),
        DataError,
        ["'amount'", "ambiguous", r"2 amount\(s\)", "row 1: '12,250'; row 3: '€1,500'", "12250 with decimal='.'", "12.25 with decimal=','",
         "delimiter ';'", "pass decimal"],
        id="semicolon-file-comma-thousands-or-decimal",
    ),
    pytest.param(
        lambda p: (write(p, "tx.csv", "customer_id;timestamp;amount\na;2020-01-01;0,500\nb;2020-01-02;12,5\nc;2020-01-03;7\n"), {}),
        DataError, ["'amount'", r"2 row\(s\) with an amount that is not a number", "row 1: '0,500'; row 2: '12,5'", "decimal=','"],
        id="decimal-commas-without-decimal-option",
    ),
    pytest.param(
        lambda p: (csv(p, 'a,2020-01-01,"0,500"', 'b,2020-01-02,"-0,250"', 'c,2020-01-03,"1,000"'), {}),
        DataError, [r"2 row\(s\) with an amount that is not a number", "row 1: '0,500'; row 2: '-0,250'"], id="zero-comma-is-no-grouping",
    ),
    pytest.param(
        lambda p: (ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"], "timestamp": ["2020-01-01", "2020-01-02"], "amount": ["1,000", "0,500"]})), {}),
        DataError, [r"1 row\(s\) with an amount that is not a number", "row 2: '0,500'"], id="ibis-table-zero-comma-is-no-grouping",
    ),
    pytest.param(
        lambda p: (csv(p, "x,2020-01-01,1", header="a,timestamp,b"), {"columns": {"customer_id": "a", "amount": "a"}}),
        DataError, [r"tx\.csv", "source column 'a'", "both 'customer_id' and 'amount'"], id="one-column-mapped-twice",
    ),
    pytest.param(
        lambda p: (csv(p, "x,2020-01-01,1"), {"columns": {"amount": "customer_id"}}),
        DataError, ["source column 'customer_id'", "both 'customer_id' and 'amount'"], id="mapping-onto-a-contract-column",
    ),
    pytest.param(
        lambda p: (csv(p, "x,2020-01-01,1,2", header="customer_id,timestamp,amount,amount"), {}),
        DataError, [r"tx\.csv", "column 'amount' appears 2 times in the header", "positions 3, 4"], id="duplicated-header-name",
    ),
    pytest.param(
        lambda p: (csv(p, "x,2020-01-01,1,2", header="customer_id,timestamp,amount,amount "), {}),
        DataError, ["column 'amount' appears 2 times"], id="duplicated-header-name-up-to-spaces",
    ),
    pytest.param(
        lambda p: (excel(p, {"orders": pd.DataFrame([["x", "2020-01-01", 1, 2]], columns=["customer_id", "timestamp", "amount", "amount "])}), {}),
        DataError, [r"tx\.xlsx", "column 'amount' appears 2 times"], id="excel-duplicated-header-name",
    ),
    pytest.param(
        lambda p: (pd.DataFrame([["x", "2020-01-01", 1, 2]], columns=["customer_id", "timestamp", "amount", "amount"]), {}),
        DataError, ["DataFrame", "column 'amount' appears 2 times"], id="dataframe-duplicated-column",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1"), {"columns": ["customer_id", "timestamp", "amount"]}),
        ParamsError, ["columns must be a mapping", "contract name -> source column", "got list"], id="columns-as-list",
    ),
    pytest.param(lambda p: (csv(p, "a,2020-01-01,1"), {"returns": "net"}), ParamsError, ["returns", "net_order"], id="bad-policy-value"),
    pytest.param(lambda p: (csv(p, "a,2020-01-01,1"), {"observation_end": "soon"}), ParamsError, ["observation_end"], id="bad-observation-end"),
    pytest.param(
        lambda p: (csv(p, "a,2020-02-01,1", "b,2020-03-01,2"), {"observation_end": "2020-01-31"}),
        DataError, ["no usable rows", "after_observation_end 2"], id="all-after-observation-end",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-02-01,", "b,2020-03-01,"), {}),
        DataError, ["no usable rows", "missing_amount 2"], id="all-amounts-missing",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-02-01,-1", "b,2020-03-01,-2", "b,2020-03-01,-2"), {}),
        DataError, ["no usable rows left after cleaning 3 rows", r"removed by step: exact_duplicates 1, returns 2"],
        id="all-amounts-negative-lists-what-each-step-removed",
    ),
    pytest.param(
        lambda p: (write(p, "tx.csv", "customer_id;timestamp;amount\na;2020-01-01;1\n"), {"delimiter": ","}),
        DataError, ["not found", "single column", "delimiter="], id="wrong-delimiter",
    ),
    pytest.param(lambda p: (pd.DataFrame(columns=["customer_id", "timestamp", "amount"]), {}), DataError, ["DataFrame", "no rows"], id="empty-dataframe"),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", "b,2020-01-02,2,extra,fields", "c,2020-01-03,3"), {}),
        DataError, ["cannot split the file into columns", "line 3", "delimiter"], id="ragged-row",
    ),
    pytest.param(lambda p: (write(p, "tx.xlsx", "not a workbook"), {}), DataError, ["tx.xlsx", "cannot read as an Excel workbook"], id="corrupt-excel"),
    pytest.param(lambda p: (write(p, "tx.parquet", "not parquet"), {}), DataError, ["tx.parquet", "cannot read as Parquet"], id="corrupt-parquet"),
    pytest.param(
        lambda p: (csv(p, "张三,2020-01-01,1"), {"encoding": "ascii"}), DataError, ["cannot decode the file as ascii"], id="wrong-encoding",
    ),
    pytest.param(
        lambda p: (excel(p, {"orders": pd.DataFrame(columns=["customer_id", "timestamp", "amount"])}), {}),
        DataError, [r"tx.xlsx\[orders\]: header only"], id="excel-header-only",
    ),
    pytest.param(
        lambda p: (pd.DataFrame({"customer_id": ["a", "b"], "timestamp": [43831, 43832], "amount": [1.0, 2.0]}), {}),
        DataError, ["'timestamp'", r"2 row\(s\) with a date that cannot be read", "row 1: 43831", "YYYYMMDD"], id="excel-serial-numbers-as-dates",
    ),
    pytest.param(
        lambda p: (csv(p, "a,01/02/2020,1", "b,2020-01-31,2"), {"date_format": "%d/%m/%Y"}),
        DataError, [r"1 row\(s\) with a date that cannot be read", "row 2: '2020-01-31'"], id="date-format-mismatch",
    ),
    pytest.param(
        lambda p: (ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"], "timestamp": ["2020-01-01", "2020-01-02"], "amount": ["1", "twelve"]})), {}),
        DataError, ["'amount'", r"1 row\(s\) with an amount that is not a number", "row 2: 'twelve'"], id="ibis-table-text-in-amount",
    ),
    pytest.param(
        lambda p: (ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"], "timestamp": ["2020-01-01", "soon"], "amount": [1.0, 2.0]})), {}),
        DataError, ["'timestamp'", r"1 row\(s\) with a date that cannot be read", "row 2: 'soon'"], id="ibis-table-unparseable-date",
    ),
    pytest.param(
        lambda p: (csv(p, "a,2020-01-01,1", "b,2020-01-02,2", "c,2020-01-03,3"), {"columns": {"customer_id": "cust"}}),
        DataError, [r"'cust' \(mapped from 'customer_id'\) not found", r"available columns: \['customer_id'"], id="mapping-to-absent-column",
    ),
]


@pytest.mark.parametrize(("build", "error", "patterns"), REJECTED)
def test_rejected(tmp_path: Path, build: Builder, error: type[Exception], patterns: list[str]) -> None:
    source, kwargs = build(tmp_path)
    with pytest.raises(error) as info:
        load_transactions(source, **kwargs)
    message = str(info.value)
    for pattern in patterns:
        assert pd.Series([message]).str.contains(pattern, regex=True).iloc[0], f"{pattern!r} not in: {message}"


def test_lazy_parquet_nan_and_infinite_amounts(tmp_path: Path) -> None:
    """NaN stored as a value (not a NULL) and inf in a Parquet file are no amounts on the engine path either."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    amounts = pa.array([1.0, float("nan"), 3.0, float("inf"), 5.0], from_pandas=False)
    pq.write_table(pa.table({"customer_id": list("abcde"), "timestamp": ["2020-01-0%d" % i for i in range(1, 6)], "amount": amounts}), tmp_path / "tx.parquet")
    with pytest.raises(DataError, match=r"2 row\(s\) with an amount that is not a number; examples: row 2: 'nan'; row 4: 'inf'"):
        load_transactions(tmp_path / "tx.parquet", lazy=True)
    eager = load_transactions(tmp_path / "tx.parquet", invalid="drop")
    lazy = load_transactions(tmp_path / "tx.parquet", lazy=True, invalid="drop")
    assert lazy.to_pandas()["amount"].tolist() == eager.data["amount"].tolist() == [1.0, 3.0, 5.0]


def test_empty_parquet(tmp_path: Path) -> None:
    path = tmp_path / "tx.parquet"
    pd.DataFrame({"customer_id": pd.Series([], dtype=str), "timestamp": pd.Series([], dtype="datetime64[ns]"), "amount": pd.Series([], dtype=float)}).to_parquet(path)
    with pytest.raises(DataError, match=r"tx\.parquet: the Parquet file has no rows"):
        load_transactions(path)


# ------------------------------------------------------------------------------------------------
# inputs that load, with a documented cleaning result


def _ids(tx) -> list[str]:
    return tx.data["customer_id"].tolist()


def check_missing_ids(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "a,2020-01-01,1", ",2020-01-02,2", "b,2020-01-03,3", "  ,2020-01-04,4"))
    row = step(tx, "missing_customer_id")
    assert (row["rows"], row["action"]) == (2, "dropped")
    assert row["examples"].startswith("row 2: empty; row 4: empty")
    assert _ids(tx) == ["a", "b"]


def check_ids_that_look_missing(tmp: Path) -> None:
    """Ids are strings: NA, null, None and nan are customers; only empty cells are missing."""
    tx = load_transactions(csv(tmp, "NA,2020-01-01,1", "null,2020-01-02,2", "None,2020-01-03,3", "nan,2020-01-04,4",
                               ",2020-01-05,5"))
    assert _ids(tx) == ["NA", "null", "None", "nan"]
    assert step(tx, "missing_customer_id")["rows"] == 1


def check_ids_that_look_missing_in_an_engine_table(tmp: Path) -> None:
    frame = pd.DataFrame({"customer_id": ["NA", "null", "", "B"], "timestamp": ["2020-01-01"] * 4, "amount": [1.0] * 4})
    tx = load_transactions(ibis.memtable(frame))
    assert sorted(tx.to_pandas()["customer_id"]) == ["B", "NA", "null"]


def check_ids_differing_by_spaces_are_merged_and_counted(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "A1,2020-01-01,1", "A1 ,2020-01-02,2", "A1  ,2020-01-03,3", "B,2020-01-04,4"))
    assert _ids(tx) == ["A1", "A1", "A1", "B"]
    row = step(tx, "id_spaces")
    assert (row["rows"], row["action"]) == (2, "stripped") and "2 id spelling(s) merged" in row["detail"]
    frame = pd.DataFrame({"customer_id": ["A1", " A1", "B"], "timestamp": ["2020-01-01"] * 3, "amount": [1.0, 2.0, 3.0]})
    lazy = load_transactions(ibis.memtable(frame))
    assert step(lazy, "id_spaces")["rows"] == 1 and sorted(lazy.to_pandas()["customer_id"]) == ["A1", "A1", "B"]


def check_nan_amounts(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "a,2020-01-01,1", "b,2020-01-02,", "c,2020-01-03,NaN", "d,2020-01-04,4"))
    row = step(tx, "missing_amount")
    assert (row["rows"], row["action"]) == (2, "dropped")
    assert "row 2" in row["examples"] and "row 3" in row["examples"]
    assert tx.data["amount"].tolist() == [1.0, 4.0]


def check_future_dates(tmp: Path) -> None:
    tx = load_transactions(
        csv(tmp, "a,2020-01-31,1", "a,2020-01-31 23:59,2", "b,2020-02-01,3", "c,2031-01-01,4"), observation_end="2020-01-31"
    )
    row = step(tx, "after_observation_end")
    assert (row["rows"], row["action"]) == (2, "dropped")
    assert "row 3" in row["examples"] and "row 4" in row["examples"]
    assert tx.data["amount"].tolist() == [1.0, 2.0]


ORDERS = (
    "customer_id,timestamp,amount,order_id",
    ["a,2020-01-01,100,o1", "a,2020-01-01,20,o1", "a,2020-01-09,-30,o1",  # partial return of o1 a week later
     "b,2020-01-02,50,o2", "b,2020-01-04,-50,o2",  # fully returned
     "b,2020-01-05,-15,o9",  # return whose purchase is not in the data
     "c,2020-01-03,40,o3"],
)


def check_returns_net_order(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, *ORDERS[1], header=ORDERS[0]))
    row = step(tx, "returns")
    assert (row["rows"], row["action"]) == (3, "merged")
    assert "6 rows became 3" in row["detail"] and "1 with a positive net" in row["detail"] and "2 with net <= 0 dropped" in row["detail"]
    got = tx.data[["customer_id", "timestamp", "amount", "order_id"]].values.tolist()
    assert got == [["a", pd.Timestamp("2020-01-01"), 90.0, "o1"], ["c", pd.Timestamp("2020-01-03"), 40.0, "o3"]]
    assert step(tx, "order_conflicts")["rows"] == 0  # a return on a later day is no conflict


def check_returns_net_customer_day(tmp: Path) -> None:
    rows = ["a,2020-01-01,100", "a,2020-01-01,-30", "a,2020-01-09,-10", "b,2020-01-02,5"]
    tx = load_transactions(csv(tmp, *rows), returns="net_customer_day")
    row = step(tx, "returns")
    assert (row["rows"], row["action"]) == (2, "merged")
    assert tx.data[["customer_id", "amount"]].values.tolist() == [["a", 70.0], ["b", 5.0]]


def check_returns_net_order_without_order_id(tmp: Path) -> None:
    """Without an order_id column the default nets within customer and day (documented)."""
    tx = load_transactions(csv(tmp, "a,2020-01-01 10:00,100", "a,2020-01-01 15:00,-30", "a,2020-01-09,-10"))
    assert "customer-day" in step(tx, "returns")["detail"]
    assert tx.data[["timestamp", "amount"]].values.tolist() == [[pd.Timestamp("2020-01-01 10:00"), 70.0]]


def check_returns_drop(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, *ORDERS[1], header=ORDERS[0]), returns="drop")
    row = step(tx, "returns")
    assert (row["rows"], row["action"]) == (3, "dropped")
    assert tx.data["amount"].tolist() == [100.0, 20.0, 50.0, 40.0]


def check_returns_keep(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, *ORDERS[1], header=ORDERS[0]), returns="keep")
    row = step(tx, "returns")
    assert (row["rows"], row["action"]) == (3, "kept")
    assert tx.data["amount"].tolist() == [100.0, 20.0, -30.0, 50.0, -50.0, -15.0, 40.0]


def check_zero_amounts(tmp: Path) -> None:
    rows = ["a,2020-01-01,0", "b,2020-01-02,0.00", "c,2020-01-03,5"]
    kept = load_transactions(csv(tmp, *rows))
    assert (step(kept, "zero_amounts")["rows"], step(kept, "zero_amounts")["action"]) == (2, "kept")
    assert len(kept.data) == 3
    dropped = load_transactions(csv(tmp, *rows), zero_amounts="drop")
    assert step(dropped, "zero_amounts")["action"] == "dropped"
    assert _ids(dropped) == ["c"]


def check_currency_text(tmp: Path) -> None:
    rows = ['a,2020-01-01,"¥1,234.50"', "b,2020-01-02,$12", "c,2020-01-03,€3.5", "d,2020-01-04,£4",
            "e,2020-01-05,5元", "f,2020-01-06,RMB 6", 'g,2020-01-07,"1,000,000"', "h,2020-01-08,7"]
    tx = load_transactions(csv(tmp, *rows))
    assert tx.data["amount"].tolist() == [1234.5, 12.0, 3.5, 4.0, 5.0, 6.0, 1_000_000.0, 7.0]
    assert step(tx, "amount_text")["rows"] == 7


def check_parentheses_negative(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "a,2020-01-01,(12.50)", 'b,2020-01-02,"(1,000)"', "c,2020-01-03,3.00-"), returns="keep")
    assert tx.data["amount"].tolist() == [-12.5, -1000.0, -3.0]


def check_decimal_comma(tmp: Path) -> None:
    path = write(tmp, "tx.csv", "customer_id;timestamp;amount\na;2020-01-01;12,50\nb;2020-01-02;1.234,5\n")
    tx = load_transactions(path, decimal=",")
    assert tx.data["amount"].tolist() == [12.5, 1234.5]


SEMICOLON_COMMAS = "customer_id;timestamp;amount\na;2020-01-01;12,250\nb;2020-01-02;0,500\n"


def check_decimal_comma_given(tmp: Path) -> None:
    """With decimal=',' a ';' file's '12,250' is 12.25 and '0,500' is 0.5; with decimal='.' told
    explicitly, '12,250' is twelve thousand and '0,500' (no valid grouping) is not a number."""
    assert load_transactions(write(tmp, "tx.csv", SEMICOLON_COMMAS), decimal=",").data["amount"].tolist() == [12.25, 0.5]
    dot = load_transactions(write(tmp, "tx.csv", SEMICOLON_COMMAS), decimal=".", invalid="drop")
    assert dot.data["amount"].tolist() == [12250.0]
    assert (step(dot, "invalid_amount")["rows"], step(dot, "invalid_amount")["examples"]) == (1, "row 2: '0,500'")


def check_comma_thousands_with_evidence(tmp: Path) -> None:
    """'12,250' in a ';' file is twelve thousand when other values show '.' as the decimal mark;
    in a ',' file (quoted) it is twelve thousand without further evidence."""
    path = write(tmp, "tx.csv", "customer_id;timestamp;amount\na;2020-01-01;12,250\nb;2020-01-02;1,234.50\n")
    assert load_transactions(path).data["amount"].tolist() == [12250.0, 1234.5]
    assert load_transactions(csv(tmp, 'a,2020-01-01,"12,250"', "b,2020-01-02,3")).data["amount"].tolist() == [12250.0, 3.0]


def check_exact_duplicates(tmp: Path) -> None:
    rows = ["a,2020-01-01,10", "a,2020-01-01,10", "a,2020-01-01,11", "b,2020-01-02,5", "a,2020-01-01,10"]
    tx = load_transactions(csv(tmp, *rows))
    row = step(tx, "exact_duplicates")
    assert (row["rows"], row["action"]) == (2, "dropped")
    assert row["examples"].startswith("row 2: (customer_id='a', timestamp=2020-01-01, amount=10.0, first_row=1); row 5:")
    assert tx.data["amount"].tolist() == [10.0, 11.0, 5.0]
    kept = load_transactions(csv(tmp, *rows), duplicates="keep")
    assert (step(kept, "exact_duplicates")["action"], len(kept.data)) == ("kept", 5)


def check_duplicate_order_ids(tmp: Path) -> None:
    rows = ["a,2020-01-01,10,o1", "a,2020-01-01,25,o1",  # two lines of one order: not a conflict
            "b,2020-01-02,5,o2", "c,2020-01-02,7,o2",  # one order id, two customers
            "d,2020-01-03,8,o3", "d,2020-01-05,9,o3"]  # one order id, purchases on two days
    tx = load_transactions(csv(tmp, *rows, header="customer_id,timestamp,amount,order_id"))
    row = step(tx, "order_conflicts")
    assert (row["rows"], row["action"]) == (4, "flagged")
    assert "row 3" in row["examples"] and "row 6" in row["examples"] and "row 1" not in row["examples"]
    lines = step(tx, "order_lines")
    assert (lines["rows"], lines["action"]) == (2, "kept") and lines["examples"].startswith("row 1: ") and "row 2: " in lines["examples"]
    assert len(tx.data) == 6


def check_repeated_unused_column(tmp: Path) -> None:
    """A repeated header name that no contract column uses is harmless (its copies are numbered)."""
    tx = load_transactions(csv(tmp, "a,2020-01-01,1,x,y", header="customer_id,timestamp,amount,note,note"))
    assert _ids(tx) == ["a"] and list(tx.data.columns) == ["customer_id", "timestamp", "amount", "is_outlier"]


def check_mapped_column_not_reused(tmp: Path) -> None:
    """A column mapped to customer_id is not also picked up by name as the optional order_id."""
    tx = load_transactions(csv(tmp, "a,2020-01-01,1,o1", header="x,timestamp,amount,order_id"), {"customer_id": "order_id"})
    assert _ids(tx) == ["o1"] and "order_id" not in tx.data.columns


def check_one_customer(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "solo,2020-01-01,1", "solo,2020-02-01,2"))
    assert (tx.n_customers, tx.n_rows) == (1, 2)


def check_one_date(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "a,2020-01-01,1", "b,2020-01-01,2"))
    assert tx.first_date == tx.last_date == pd.Timestamp("2020-01-01")


CN_HEADER = "客户编号,交易日期,金额"
CN_MAP = {"customer_id": "客户编号", "timestamp": "交易日期", "amount": "金额"}


def check_chinese_columns(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "00012,2020-01-01,￥88", header=CN_HEADER), columns=CN_MAP)
    assert tx.data.iloc[0].tolist()[:3] == ["00012", pd.Timestamp("2020-01-01"), 88.0]
    assert step(tx, "columns")["detail"].startswith("customer_id <- '客户编号'")


def check_gbk(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "张三,2020年1月5日,100元", header=CN_HEADER, encoding="gbk"), columns=CN_MAP)
    assert tx.data.iloc[0].tolist()[:3] == ["张三", pd.Timestamp("2020-01-05"), 100.0]
    assert "gb18030" in step(tx, "read")["detail"]


def check_gb18030(tmp: Path) -> None:
    # U+3400 is in GB18030 but not in GBK
    path = csv(tmp, "c1,2020-01-05,1,㐀专辑", header=CN_HEADER + ",product", encoding="gb18030")
    tx = load_transactions(path, columns=CN_MAP)
    assert tx.data["product"].tolist() == ["㐀专辑"]


def check_utf8_bom(tmp: Path) -> None:
    tx = load_transactions(write(tmp, "tx.csv", "\ufeffcustomer_id,timestamp,amount\na,2020-01-01,1\n"))
    assert _ids(tx) == ["a"] and "with BOM" in step(tx, "read")["detail"]


def check_utf16(tmp: Path) -> None:
    tx = load_transactions(write(tmp, "tx.txt", "customer_id\ttimestamp\tamount\na\t2020-01-01\t1\n", "utf-16"))
    assert _ids(tx) == ["a"]


def check_semicolon(tmp: Path) -> None:
    tx = load_transactions(write(tmp, "tx.csv", "customer_id;timestamp;amount\na;2020-01-01;1\nb;2020-01-02;2\n"))
    assert _ids(tx) == ["a", "b"] and "delimiter ';'" in step(tx, "read")["detail"]


def check_tab(tmp: Path) -> None:
    tx = load_transactions(write(tmp, "tx.tsv", "customer_id\ttimestamp\tamount\tproduct\na\t2020-01-01\t1\tBlue shirt\n"))
    assert tx.data["product"].tolist() == ["Blue shirt"]


def check_pipe(tmp: Path) -> None:
    tx = load_transactions(write(tmp, "tx.txt", "customer_id|timestamp|amount\na|2020-01-01|1\n"))
    assert _ids(tx) == ["a"]


def check_whitespace(tmp: Path) -> None:
    text = " customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n 00002 19970112  5   77.00\n"
    tx = load_transactions(write(tmp, "cd.txt", text), {"timestamp": "date", "amount": "dollar_value", "quantity": "number_of_cds"})
    assert tx.data.values.tolist() == [["00001", pd.Timestamp("1997-01-01"), 11.77, 1, False], ["00002", pd.Timestamp("1997-01-12"), 77.0, 5, False]]
    assert "whitespace" in step(tx, "read")["detail"]


def check_headerless_positions(tmp: Path) -> None:
    tx = load_transactions(write(tmp, "s.txt", "00004 0001 19970101 2 29.33\n"), {"customer_id": 0, "timestamp": 2, "amount": 4})
    assert tx.data.iloc[0].tolist()[:3] == ["00004", pd.Timestamp("1997-01-01"), 29.33]


def check_excel_sheet_given(tmp: Path) -> None:
    path = excel(tmp, TWO_SHEETS)
    by_name = load_transactions(path, sheet="orders")
    by_index = load_transactions(path, sheet=1)
    assert _ids(by_name) == _ids(by_index) == ["a", "b"]


def check_huge_amount(tmp: Path) -> None:
    rows = [f"c{i},2020-01-{i + 1:02d},{10 + i}" for i in range(20)] + ["z,2020-01-25,1e15"]
    tx = load_transactions(csv(tmp, *rows))
    row = step(tx, "outliers")
    assert (row["rows"], row["action"]) == (1, "flagged")
    assert "row 21" in row["examples"]
    assert tx.data["is_outlier"].tolist() == [False] * 20 + [True]
    dropped = load_transactions(csv(tmp, *rows), outliers="drop")
    assert len(dropped.data) == 20 and "is_outlier" not in dropped.data


def check_tz_aware_text(tmp: Path) -> None:
    """By default each value keeps its own wall-clock time (offsets dropped, not converted)."""
    rows = ["a,2020-01-01T08:30:00+08:00,1", "b,2020-01-01 09:00:00Z,2", "c,2020-01-01 12:00,3", "d,2020-01-01T23:30-05:00,4",
            "e,2020-01-02 01:15:00 UTC,5"]
    local = load_transactions(csv(tmp, *rows))
    assert local.data["timestamp"].tolist() == list(pd.to_datetime(["2020-01-01 08:30", "2020-01-01 09:00", "2020-01-01 12:00", "2020-01-01 23:30", "2020-01-02 01:15"]))
    row = step(local, "timezone")
    assert (row["rows"], row["action"]) == (4, "zone dropped") and "wall-clock" in row["detail"]
    utc = load_transactions(csv(tmp, *rows), timezone="UTC")
    assert utc.data["timestamp"].tolist() == list(pd.to_datetime(["2020-01-01 00:30", "2020-01-01 09:00", "2020-01-01 12:00", "2020-01-02 04:30", "2020-01-02 01:15"]))
    assert (step(utc, "timezone")["rows"], step(utc, "timezone")["action"]) == (4, "converted")
    shanghai = load_transactions(csv(tmp, *rows), timezone="Asia/Shanghai")
    assert shanghai.data["timestamp"].tolist()[:2] == [pd.Timestamp("2020-01-01 08:30"), pd.Timestamp("2020-01-01 17:00")]


SHANGHAI = pd.DataFrame({
    "customer_id": ["a", "a"], "amount": [1.0, 2.0],
    "timestamp": pd.to_datetime(["2023-12-31 20:00", "2024-01-01 07:30"]).tz_localize("Asia/Shanghai"),
})


def check_tz_aware_dtype(tmp: Path) -> None:
    """Shanghai purchases on two local days stay on two days; converted to UTC they share one."""
    tx = load_transactions(SHANGHAI)
    assert tx.data["timestamp"].tolist() == [pd.Timestamp("2023-12-31 20:00"), pd.Timestamp("2024-01-01 07:30")]
    assert tx.data["timestamp"].dtype == "datetime64[ns]"
    assert (step(tx, "timezone")["rows"], step(tx, "timezone")["action"]) == (2, "zone dropped")
    utc = load_transactions(SHANGHAI, timezone="UTC")
    assert utc.data["timestamp"].tolist() == [pd.Timestamp("2023-12-31 12:00"), pd.Timestamp("2023-12-31 23:30")]
    ny = pd.DataFrame({"customer_id": ["a"], "timestamp": pd.to_datetime(["2020-01-01 23:30"]).tz_localize("America/New_York"), "amount": [1.0]})
    assert load_transactions(ny).data["timestamp"].tolist() == [pd.Timestamp("2020-01-01 23:30")]
    assert load_transactions(ny, timezone="UTC").data["timestamp"].tolist() == [pd.Timestamp("2020-01-02 04:30")]


def check_tz_aware_engine_table(tmp: Path) -> None:
    """A zone-aware engine column keeps the wall-clock time of its type's zone, like a DataFrame."""
    lazy = load_transactions(ibis.memtable(SHANGHAI))
    assert lazy.to_pandas()["timestamp"].tolist() == [pd.Timestamp("2023-12-31 20:00"), pd.Timestamp("2024-01-01 07:30")]
    assert (step(lazy, "timezone")["rows"], step(lazy, "timezone")["action"]) == (2, "zone dropped")
    utc = load_transactions(ibis.memtable(SHANGHAI), timezone="UTC")
    assert utc.to_pandas()["timestamp"].tolist() == [pd.Timestamp("2023-12-31 12:00"), pd.Timestamp("2023-12-31 23:30")]


def check_tz_aware_observation_end(tmp: Path) -> None:
    """A zone-aware observation_end is read as its own wall-clock time too (or converted with timezone=)."""
    end = pd.Timestamp("2024-01-01 07:00", tz="UTC")
    assert load_transactions(SHANGHAI, observation_end=end).data["amount"].tolist() == [1.0]
    assert load_transactions(SHANGHAI, observation_end=end, timezone="UTC").data["amount"].tolist() == [1.0, 2.0]


def check_leading_zero_csv(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "00001,2020-01-01,1", "0002 ,2020-01-02,2", " 000,2020-01-03,3"))
    assert _ids(tx) == ["00001", "0002", "000"]


def check_leading_zero_excel(tmp: Path) -> None:
    tx = load_transactions(text_ids_excel(tmp))
    assert _ids(tx) == ["00001", "00002", "123"]
    assert tx.data["timestamp"].tolist() == list(pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"]))


def check_numeric_ids_parquet(tmp: Path) -> None:
    path = tmp / "tx.parquet"
    pd.DataFrame({
        "customer_id": [1.0, 2.0, np.nan, 40.0], "order_id": [10, 11, 12, 13],
        "timestamp": pd.to_datetime(["2020-01-01"] * 4), "amount": [1.0, 2.0, 3.0, 4.0],
    }).to_parquet(path)
    tx = load_transactions(path)
    assert _ids(tx) == ["1", "2", "40"] and tx.data["order_id"].tolist() == ["10", "11", "13"]
    assert step(tx, "missing_customer_id")["rows"] == 1


def check_yyyymmdd_integers(tmp: Path) -> None:
    df = pd.DataFrame({"customer_id": ["a", "b"], "timestamp": [19970101, 19980630], "amount": [1.0, 2.0]})
    tx = load_transactions(df)
    assert tx.data["timestamp"].tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("1998-06-30")]


def check_dayfirst(tmp: Path) -> None:
    """Told the order, ambiguous dates load (the note stays); a day > 12 settles it untold."""
    rows = ["a,03/04/2020,1", "b,05/06/2020,2"]
    us = load_transactions(csv(tmp, *rows), dayfirst=False)
    eu = load_transactions(csv(tmp, *rows), dayfirst=True)
    assert us.data["timestamp"].tolist() == [pd.Timestamp("2020-03-04"), pd.Timestamp("2020-05-06")]
    assert eu.data["timestamp"].tolist() == [pd.Timestamp("2020-04-03"), pd.Timestamp("2020-06-05")]
    assert "ambiguous" in step(us, "date_format")["detail"]
    given = load_transactions(csv(tmp, *rows), date_format="%d/%m/%Y")
    assert given.data["timestamp"].tolist() == eu.data["timestamp"].tolist()
    unambiguous = load_transactions(csv(tmp, "a,25/12/2020,1", "b,05/06/2020,2"))
    assert unambiguous.data["timestamp"].tolist() == [pd.Timestamp("2020-12-25"), pd.Timestamp("2020-06-05")]
    assert "ambiguous" not in step(unambiguous, "date_format")["detail"]


def check_day_order_settled_outside_the_sample(tmp: Path) -> None:
    """Formats are chosen on a sample of distinct values; one day > 12 outside it still settles
    the order (every value is read day-first, no ambiguity or mixed-format error)."""
    days = pd.date_range("1950-01-01", periods=40_000, freq="D")
    days = days[days.day <= 12][:5000]  # 5,001 distinct values: the sample (seed 0) misses the last one
    text = list(days.strftime("%d/%m/%Y")) + ["25/12/2000"]
    frame = pd.DataFrame({"customer_id": "a", "timestamp": text, "amount": 1.0})
    tx = load_transactions(frame, duplicates="keep", outliers="keep")
    assert tx.data["timestamp"].tolist() == [*days, pd.Timestamp("2000-12-25")]


def check_out_of_range_drop(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "a,2020-01-01,1", "b,2300-01-01,2", "c,someday,3"), invalid="drop")
    oor = step(tx, "out_of_range_timestamp")
    assert (oor["rows"], oor["action"], oor["examples"]) == (1, "dropped", "row 2: '2300-01-01'")
    assert (step(tx, "invalid_timestamp")["rows"], step(tx, "invalid_timestamp")["examples"]) == (1, "row 3: 'someday'")


def check_invalid_drop(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "a,2020-01-01,1", "b,2020-01-02,n/a?", "c,not a date,3"), invalid="drop")
    assert step(tx, "invalid_amount")["rows"] == 1 and step(tx, "invalid_timestamp")["rows"] == 1
    assert "row 3: 'not a date'" in step(tx, "invalid_timestamp")["examples"]
    assert _ids(tx) == ["a"]


def check_blank_rows(tmp: Path) -> None:
    tx = load_transactions(csv(tmp, "a,2020-01-01,1", ",,", "b,2020-01-02,2", " , , "))
    assert step(tx, "blank_rows")["rows"] == 2 and _ids(tx) == ["a", "b"]


def check_excel_date_cells(tmp: Path) -> None:
    frame = pd.DataFrame({"id": ["x", "y"], "when": pd.to_datetime(["2020-01-01 10:00", "2020-02-01"], format="ISO8601"), "amt": [1.5, 2]})
    tx = load_transactions(excel(tmp, {"Sheet1": frame}), {"customer_id": "id", "timestamp": "when", "amount": "amt"})
    assert tx.data["timestamp"].tolist() == frame["when"].tolist()


def check_ibis_table_policies(tmp: Path) -> None:
    frame = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b"], "timestamp": pd.to_datetime(["2020-01-01"] * 3 + ["2020-01-02", "2020-03-01"]),
        "amount": [10.0, 10.0, -4.0, 0.0, 5.0],
    })
    eager = load_transactions(frame, observation_end="2020-02-01")
    lazy = load_transactions(ibis.memtable(frame), observation_end="2020-02-01")
    assert lazy.lazy and not eager.lazy
    pd.testing.assert_frame_equal(lazy.to_pandas(), eager.data)
    assert lazy.log["rows"].tolist() == eager.log["rows"].tolist()
    assert eager.data["amount"].tolist() == [6.0, 0.0]  # duplicate dropped, then 10 - 4 netted; March row after the end


def check_ibis_text_columns(tmp: Path) -> None:
    """An engine table with float ids, YYYYMMDD integers and text amounts, parsed by ibis."""
    frame = pd.DataFrame({
        "customer_id": [7.0, 8.0, np.nan, 9.0], "timestamp": [19970101, 19970102, 19970103, 19970104],
        "amount": ["¥1,234.50", " ", "3", "(2)"],
    })
    tx = load_transactions(ibis.memtable(frame), returns="keep")
    data = tx.to_pandas()
    assert data.values.tolist() == [["7", pd.Timestamp("1997-01-01"), 1234.5, False], ["9", pd.Timestamp("1997-01-04"), -2.0, False]]
    assert (step(tx, "missing_customer_id")["rows"], step(tx, "missing_customer_id")["examples"]) == (1, "row 3: empty")
    assert (step(tx, "missing_amount")["rows"], step(tx, "missing_amount")["examples"]) == (1, "row 2: empty")


CLEANED: list[Any] = [
    pytest.param(check_missing_ids, id="some-missing-ids"),
    pytest.param(check_ids_that_look_missing, id="ids-NA-null-None-nan-are-ids"),
    pytest.param(check_ids_that_look_missing_in_an_engine_table, id="ids-NA-null-in-engine-table"),
    pytest.param(check_ids_differing_by_spaces_are_merged_and_counted, id="ids-differing-by-spaces"),
    pytest.param(check_nan_amounts, id="nan-amounts"),
    pytest.param(check_future_dates, id="future-dates-after-observation-end"),
    pytest.param(check_returns_net_order, id="negative-net-order"),
    pytest.param(check_returns_net_customer_day, id="negative-net-customer-day"),
    pytest.param(check_returns_net_order_without_order_id, id="negative-net-order-without-order-id"),
    pytest.param(check_returns_drop, id="negative-drop"),
    pytest.param(check_returns_keep, id="negative-keep"),
    pytest.param(check_zero_amounts, id="zero-amounts"),
    pytest.param(check_currency_text, id="thousands-and-currency-symbols"),
    pytest.param(check_parentheses_negative, id="parentheses-negatives"),
    pytest.param(check_decimal_comma, id="decimal-comma"),
    pytest.param(check_decimal_comma_given, id="decimal-comma-given-on-semicolon-file"),
    pytest.param(check_comma_thousands_with_evidence, id="comma-thousands-with-evidence"),
    pytest.param(check_exact_duplicates, id="exact-duplicate-rows"),
    pytest.param(check_duplicate_order_ids, id="duplicate-order-ids"),
    pytest.param(check_repeated_unused_column, id="repeated-unused-header-name"),
    pytest.param(check_mapped_column_not_reused, id="mapped-column-not-reused-as-optional"),
    pytest.param(check_one_customer, id="one-customer"),
    pytest.param(check_one_date, id="one-date"),
    pytest.param(check_chinese_columns, id="chinese-column-names"),
    pytest.param(check_gbk, id="gbk-file"),
    pytest.param(check_gb18030, id="gb18030-file"),
    pytest.param(check_utf8_bom, id="utf8-bom"),
    pytest.param(check_utf16, id="utf16-bom"),
    pytest.param(check_semicolon, id="semicolon-delimiter"),
    pytest.param(check_tab, id="tab-delimiter"),
    pytest.param(check_pipe, id="pipe-delimiter"),
    pytest.param(check_whitespace, id="whitespace-delimited-cdnow-style"),
    pytest.param(check_headerless_positions, id="headerless-positional-mapping"),
    pytest.param(check_excel_sheet_given, id="excel-two-sheets-sheet-given"),
    pytest.param(check_huge_amount, id="huge-amount-flagged"),
    pytest.param(check_tz_aware_text, id="timezone-aware-text"),
    pytest.param(check_tz_aware_dtype, id="timezone-aware-dtype"),
    pytest.param(check_tz_aware_engine_table, id="timezone-aware-engine-table"),
    pytest.param(check_tz_aware_observation_end, id="timezone-aware-observation-end"),
    pytest.param(check_leading_zero_csv, id="leading-zero-ids-csv"),
    pytest.param(check_leading_zero_excel, id="leading-zero-ids-excel"),
    pytest.param(check_numeric_ids_parquet, id="numeric-ids-parquet"),
    pytest.param(check_yyyymmdd_integers, id="yyyymmdd-integers"),
    pytest.param(check_dayfirst, id="ambiguous-day-month"),
    pytest.param(check_day_order_settled_outside_the_sample, id="day-order-settled-outside-the-sample"),
    pytest.param(check_out_of_range_drop, id="out-of-range-dates-drop"),
    pytest.param(check_invalid_drop, id="invalid-policy-drop"),
    pytest.param(check_blank_rows, id="blank-rows"),
    pytest.param(check_excel_date_cells, id="excel-date-cells"),
    pytest.param(check_ibis_table_policies, id="ibis-table"),
    pytest.param(check_ibis_text_columns, id="ibis-table-text-columns"),
]


@pytest.mark.parametrize("check", CLEANED)
def test_cleaned(tmp_path: Path, check: Callable[[Path], None]) -> None:
    check(tmp_path)


def test_catalogue_size() -> None:
    assert len(REJECTED) + len(CLEANED) >= 30
