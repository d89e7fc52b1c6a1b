"""load_transactions on the bundled CDNOW data, and the same data through every kind of source.

Reference figures for the CDNOW master file (69,659 rows, 23,570 customers, 1997-01-01 to
1998-06-30, 255 exact duplicate rows, 80 zero-value rows) are the ones measured in the project's
NOTES; the tests recount them from the raw file with plain pandas as a second, independent count.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.data.amounts import parse_amounts
from workbench.data.clean import outlier_fence
from workbench.data.dates import date_candidates, parse_timestamps
from workbench.data.datasets import cdnow_path, load_cdnow
from workbench.data.load import Transactions, load_transactions
from workbench.data.read import sniff_delimiter

CDNOW_COLUMNS = {"customer_id": "customer_id", "timestamp": "date", "amount": "dollar_value", "quantity": "number_of_cds"}
EXPECTED_STEPS = [
    "read", "columns", "blank_rows", "missing_customer_id", "id_spaces", "missing_timestamp", "out_of_range_timestamp", "invalid_timestamp", "date_format",
    "timezone", "missing_amount", "invalid_amount", "amount_text", "invalid_quantity", "after_observation_end",
    "exact_duplicates", "order_lines", "order_conflicts", "returns", "zero_amounts", "outliers", "result",
]
EXCEL_ROWS = 4000  # openpyxl needs seconds per 10k rows: the Excel comparison uses the first rows


@pytest.fixture(scope="module")
def raw_master() -> pd.DataFrame:
    """The master file read as plain text columns, independently of the loader."""
    return pd.read_csv(cdnow_path("master"), sep=r"\s+", dtype=str)


@pytest.fixture(scope="module")
def master() -> Transactions:
    return load_transactions(cdnow_path("master"), CDNOW_COLUMNS, observation_end="1998-06-30")


def step(tx: Transactions, name: str) -> pd.Series:
    return tx.log.set_index("step").loc[name]


def test_cdnow_master_figures(master: Transactions, raw_master: pd.DataFrame) -> None:
    assert len(raw_master) == master.n_input_rows == 69_659
    assert raw_master.duplicated().sum() == 255
    assert (step(master, "exact_duplicates")["rows"], step(master, "exact_duplicates")["action"]) == (255, "dropped")
    assert master.n_rows == len(master.data) == 69_659 - 255 == 69_404
    assert (raw_master["dollar_value"].astype(float) == 0).sum() == 80
    assert (step(master, "zero_amounts")["rows"], step(master, "zero_amounts")["action"]) == (80, "kept")
    assert master.n_customers == master.data["customer_id"].nunique() == raw_master["customer_id"].nunique() == 23_570
    assert (master.first_date, master.last_date) == (pd.Timestamp("1997-01-01"), pd.Timestamp("1998-06-30"))
    assert master.data["customer_id"].iloc[0] == "00001"
    expected = raw_master.drop_duplicates()
    assert master.data["amount"].sum() == pytest.approx(expected["dollar_value"].astype(float).sum(), rel=1e-12)
    assert master.data["quantity"].sum() == expected["number_of_cds"].astype(int).sum()


def test_cdnow_log_lists_every_check(master: Transactions) -> None:
    assert master.log["step"].tolist() == EXPECTED_STEPS
    assert list(master.log.columns) == ["step", "column", "rows", "action", "detail", "examples"]
    quiet = master.log.set_index("step").loc[["missing_customer_id", "invalid_timestamp", "missing_amount", "returns", "after_observation_end"]]
    assert (quiet["rows"] == 0).all() and (quiet["action"] == "none").all()
    assert step(master, "order_conflicts")["action"] == "skipped"
    assert set(master.actions()["step"]) == {"exact_duplicates", "zero_amounts", "outliers"}


def test_cdnow_outliers_match_numpy_fence(master: Transactions, raw_master: pd.DataFrame) -> None:
    amounts = raw_master.drop_duplicates()["dollar_value"].astype(float)
    logs = np.log10(amounts[amounts > 0])
    q1, q3 = np.percentile(logs, [25, 75])
    fence = 10 ** (q3 + 3 * (q3 - q1))
    assert outlier_fence(q1, q3, 3.0) == pytest.approx(fence)
    assert f"amount > {fence:,.2f} " in step(master, "outliers")["detail"]
    assert step(master, "outliers")["rows"] == (amounts > fence).sum() == master.data["is_outlier"].sum()


def test_cdnow_contract_dtypes(master: Transactions) -> None:
    dtypes = master.data.dtypes.astype(str).to_dict()
    assert dtypes == {"customer_id": "object", "timestamp": "datetime64[ns]", "amount": "float64", "quantity": "int64", "is_outlier": "bool"}
    assert all(isinstance(v, str) for v in master.data["customer_id"].head(100))


def test_repr_and_html(master: Transactions) -> None:
    text = repr(master)
    assert "rows=69,404 of 69,659" in text and "customers=23,570" in text and "1997-01-01..1998-06-30" in text
    assert "<table" in master._repr_html_()


@pytest.fixture(scope="module")
def cdnow_frame() -> pd.DataFrame:
    return load_cdnow("master")


def test_same_result_from_every_source(tmp_path_factory: pytest.TempPathFactory, cdnow_frame: pd.DataFrame, master: Transactions) -> None:
    folder = tmp_path_factory.mktemp("sources")
    from_frame = load_transactions(cdnow_frame, observation_end="1998-06-30")
    pd.testing.assert_frame_equal(from_frame.data, master.data)

    csv_path = folder / "cdnow.csv"
    cdnow_frame.assign(timestamp=cdnow_frame["timestamp"].dt.strftime("%Y-%m-%d")).to_csv(csv_path, index=False, sep=";")
    parquet_path = folder / "cdnow.parquet"
    cdnow_frame.to_parquet(parquet_path)
    con = ibis.duckdb.connect()  # a database table, as a warehouse would hold it
    con.raw_sql(f"CREATE TABLE tx AS SELECT * FROM read_parquet('{parquet_path.as_posix()}')")
    sources = {
        "csv": load_transactions(csv_path, observation_end="1998-06-30"),
        "parquet": load_transactions(parquet_path, observation_end="1998-06-30"),
        "parquet-lazy": load_transactions(parquet_path, observation_end="1998-06-30", lazy=True),
        "duckdb-table": load_transactions(con.table("tx"), observation_end="1998-06-30"),
    }
    for name, tx in sources.items():
        pd.testing.assert_frame_equal(tx.to_pandas(), from_frame.data, obj=name)
        assert tx.log["rows"].iloc[2:].tolist() == from_frame.log["rows"].iloc[2:].tolist(), name
    assert sources["parquet-lazy"].lazy and sources["duckdb-table"].lazy and not sources["csv"].lazy


def test_excel_equals_dataframe(tmp_path: Path, cdnow_frame: pd.DataFrame) -> None:
    head = cdnow_frame.head(EXCEL_ROWS)
    path = tmp_path / "cdnow.xlsx"
    head.to_excel(path, index=False, sheet_name="orders")
    pd.testing.assert_frame_equal(load_transactions(path).data, load_transactions(head).data)


def test_cdnow_sample_headerless(cdnow_frame: pd.DataFrame) -> None:
    """The sample file has no header: positions map the columns; same data as load_cdnow."""
    raw = pd.read_csv(cdnow_path("sample"), sep=r"\s+", header=None, dtype=str)
    tx = load_transactions(cdnow_path("sample"), {"customer_id": 0, "timestamp": 2, "quantity": 3, "amount": 4})
    assert tx.n_input_rows == len(raw) == 6_919
    assert tx.n_customers == 2_357
    assert tx.n_rows == len(raw) - raw.duplicated().sum()
    pd.testing.assert_frame_equal(tx.data, load_transactions(load_cdnow("sample")).data)


def test_sniff_delimiter() -> None:
    assert sniff_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert sniff_delimiter("a,b\n1,2\n") == ","
    assert sniff_delimiter("a\tb c\n1\t2 3\n") == "\t"
    assert sniff_delimiter(" a  b c\n 1 2  3\n") == r"\s+"


# ------------------------------------------------------------------------------------------------
# parsers against values formatted independently (Python's format and strftime)

money = st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(money, min_size=1, max_size=20), style=st.sampled_from(["plain", "grouped", "yuan", "dollar", "paren", "rmb"]))
def test_parse_amounts_round_trip(values, style) -> None:
    def fmt(v) -> str:
        x = float(v)
        body = f"{abs(x):,.2f}"
        sign = "-" if x < 0 else ""
        return {
            "plain": f"{x:.2f}", "grouped": f"{sign}{body}", "yuan": f"{sign}¥{body}", "dollar": f"{sign}${body}",
            "paren": f"({body})" if x < 0 else body, "rmb": f"RMB {sign}{body}",
        }[style]

    parsed = parse_amounts(pd.Series([fmt(v) for v in values], dtype=object))
    assert not parsed.invalid.any() and not parsed.missing.any()
    np.testing.assert_allclose(parsed.values.to_numpy(), [float(v) for v in values], rtol=0, atol=1e-9)


def test_parse_amounts_comma_grouping_rule() -> None:
    """A comma groups thousands only in valid grouping (1-3 digits, not '0', then groups of 3)."""
    texts = pd.Series(["1,000", "-12,250.5", "0,500", "12,5", "1234,567", "1,00", "0,000", "+999,999,999"], dtype=object)
    dot = parse_amounts(texts, ".")
    assert dot.invalid.tolist() == [False, False, True, True, True, True, True, False]
    assert dot.values[~dot.invalid].tolist() == [1000.0, -12250.5, 999_999_999.0]
    comma = parse_amounts(texts[2:4], ",")
    assert comma.values.tolist() == [0.5, 12.5] and not comma.invalid.any()


date_formats = [f for f in date_candidates(dayfirst=False) if f != "ISO8601" and "%y" not in f] + ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]


@settings(max_examples=80, deadline=None)
@given(
    stamps=st.lists(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 12, 31)), min_size=1, max_size=15),
    fmt=st.sampled_from(date_formats),
)
def test_parse_timestamps_round_trip(stamps, fmt) -> None:
    """A column written in any candidate format reads back (with date_format, and inferred with
    the matching dayfirst, where the format is unambiguous for these values)."""
    stamps = [s.replace(microsecond=0, second=s.second if "%S" in fmt else 0) for s in stamps]
    if "%H" not in fmt:
        stamps = [s.replace(hour=0, minute=0, second=0) for s in stamps]
    text = pd.Series([s.strftime(fmt) for s in stamps], dtype=object)
    expected = pd.Series(pd.to_datetime(stamps), dtype="datetime64[ns]")
    given_fmt = parse_timestamps(text, date_format=fmt)
    pd.testing.assert_series_equal(given_fmt.values, expected, check_names=False)
    inferred = parse_timestamps(text, dayfirst=fmt.startswith("%d"))
    assert not inferred.invalid.any()
    if all(s.day > 12 for s in stamps) or "%b" in fmt or "%B" in fmt or fmt.startswith("%Y"):
        pd.testing.assert_series_equal(inferred.values, expected, check_names=False)
