"""Customer attributes: loading, checks, and the join onto a per-customer summary.

Expected counts are written by hand from the small inputs, or recomputed with plain set
operations for the synthetic B2B demo.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pytest

from workbench.data.attributes import join_attributes, load_customers
from workbench.data.load import load_transactions
from workbench.data.synthetic import make_b2b_demo
from workbench.errors import DataError, ParamsError

CN = "客户编号,客户性质,industry,size,signup_date,employees,zip\n"
CN_ROWS = [
    "00001,企业,retail,small,2019-01-05,12,01234",
    "00002,个人,,large,2019-02-01,,20000",
    "00003,政府,gov,medium,,100,30000",
]
CN_MAP = {"customer_id": "客户编号", "nature": "客户性质"}


def write(tmp: Path, *rows: str, header: str = CN, name: str = "customers.csv", encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes((header + "\n".join(rows) + "\n").encode(encoding))
    return path


def summary_of(ids: list[str], **attrs) -> pd.DataFrame:
    out = pd.DataFrame({"frequency": range(len(ids))}, index=pd.Index(ids, name="customer_id"))
    out.attrs.update(attrs)
    return out


def test_load_customers_types(tmp_path: Path) -> None:
    c = load_customers(write(tmp_path, *CN_ROWS, encoding="gbk"), CN_MAP, order={"size": ["small", "medium", "large"]})
    assert c.index.name == "customer_id" and c.index.tolist() == ["00001", "00002", "00003"]
    assert list(c.columns) == ["nature", "industry", "size", "signup_date", "employees", "zip"]
    assert c["nature"].dtype == "category" and c["nature"].tolist() == ["企业", "个人", "政府"]
    assert c["industry"].isna().tolist() == [False, True, False]
    assert c["size"].cat.ordered and list(c["size"].cat.categories) == ["small", "medium", "large"]
    assert c["size"].max() == "large"
    assert c["signup_date"].tolist()[:2] == [pd.Timestamp("2019-01-05"), pd.Timestamp("2019-02-01")] and pd.isna(c["signup_date"].iloc[2])
    assert c["employees"].dtype == "float64" and c["employees"].tolist()[0] == 12.0
    assert c["zip"].tolist() == ["01234", "20000", "30000"]  # a code with a leading zero stays text
    assert c.attrs["source"] == "customers.csv" and "duplicate_customer_id" in c.attrs["log"]["step"].tolist()


@pytest.mark.parametrize(
    ("rows", "kwargs", "patterns"),
    [
        pytest.param([CN_ROWS[0], CN_ROWS[1], CN_ROWS[0].replace("企业", "个人"), CN_ROWS[2]], {}, [r"1 customer id\(s\) appear on more than one row \(2 rows\)", "row 1: '00001'; row 3: '00001'"], id="duplicate-ids"),
        pytest.param([",企业,a,small,,,", " ,个人,b,small,,,"], {}, ["all 2 rows have an empty customer id"], id="all-ids-empty"),
        pytest.param([CN_ROWS[0], ",个人,b,small,,,"], {"missing": "error"}, [r"1 row\(s\) with an empty customer id", "row 2"], id="missing-id-error"),
        pytest.param([CN_ROWS[0], "00002,个人,b,huge,,,"], {"order": {"size": ["small", "medium", "large"]}}, ["'size'", "outside order", "row 2: 'huge'"], id="value-outside-order"),
        pytest.param([CN_ROWS[0], "00002,个人,b,small,2019-02-30,,"], {}, ["'signup_date'", "cannot be read", "row 2: '2019-02-30'"], id="bad-signup-date"),
        pytest.param(
            ["00001,企业,a,small,01/02/2019,,", "00002,个人,b,small,03/04/2019,,"], {},
            ["'signup_date'", "ambiguous dates", "row 1: '01/02/2019'", "dayfirst"], id="ambiguous-signup-dates",
        ),
        pytest.param([CN_ROWS[0], "00002,个人,b,small,2300-01-01,,"], {}, ["'signup_date'", "out of range", "row 2: '2300-01-01'"], id="signup-date-out-of-range"),
    ],
)
def test_load_customers_rejects(tmp_path: Path, rows: list[str], kwargs: dict, patterns: list[str]) -> None:
    with pytest.raises(DataError) as info:
        load_customers(write(tmp_path, *rows), CN_MAP, **kwargs)
    for pattern in patterns:
        assert pd.Series([str(info.value)]).str.contains(pattern).iloc[0], f"{pattern!r} not in {info.value}"


def test_load_customers_missing_column_and_params(tmp_path: Path) -> None:
    path = write(tmp_path, *CN_ROWS)
    with pytest.raises(DataError, match=r"column 'customer_id' not found; available columns: \['客户编号'"):
        load_customers(path)
    with pytest.raises(ParamsError, match="order: unknown attribute"):
        load_customers(path, CN_MAP, order={"tier": ["a"]})
    with pytest.raises(ParamsError, match="missing"):
        load_customers(path, CN_MAP, missing="keep")
    with pytest.raises(ParamsError, match="columns must be a mapping"):
        load_customers(path, ["客户编号", "客户性质"])
    repeated = write(tmp_path, "00001,企业,retail,x", header="客户编号,客户性质,industry,industry\n")
    with pytest.raises(DataError, match="customers.csv: column 'industry' appears 2 times in the header"):
        load_customers(repeated, CN_MAP)
    with pytest.raises(DataError, match="source column '客户编号' .* both 'customer_id' and 'nature'"):
        load_customers(path, {"customer_id": "客户编号", "nature": "客户编号"})


def test_load_customers_dayfirst_given(tmp_path: Path) -> None:
    path = write(tmp_path, "00001,01/02/2019", header="customer_id,signup_date\n")
    assert load_customers(path, dayfirst=True)["signup_date"].tolist() == [pd.Timestamp("2019-02-01")]


def test_load_customers_zone_aware_dates(tmp_path: Path) -> None:
    """A signup at 23:00 New York time is on January 5th there (January 6th in UTC)."""
    path = write(tmp_path, "00001,2019-01-05T23:00:00-05:00", header="customer_id,signup_date\n")
    assert load_customers(path)["signup_date"].tolist() == [pd.Timestamp("2019-01-05 23:00")]
    assert load_customers(path, timezone="UTC")["signup_date"].tolist() == [pd.Timestamp("2019-01-06 04:00")]


def test_load_customers_drops_empty_ids(tmp_path: Path) -> None:
    c = load_customers(write(tmp_path, CN_ROWS[0], ",个人,b,small,,,", CN_ROWS[2]), CN_MAP)
    row = c.attrs["log"].set_index("step").loc["missing_customer_id"]
    assert (row["rows"], row["action"], row["examples"]) == (1, "dropped", "row 2: empty")
    assert c.index.tolist() == ["00001", "00003"]


def test_load_customers_excel_and_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"customer_id": [1, 2, 3], "region": ["north", "south", "north"], "signup_date": pd.to_datetime(["2020-01-01"] * 3)})
    xlsx, pq = tmp_path / "c.xlsx", tmp_path / "c.parquet"
    frame.to_excel(xlsx, index=False)
    frame.assign(customer_id=frame["customer_id"].astype(float)).to_parquet(pq)
    for source in (xlsx, pq, ibis.memtable(frame)):
        c = load_customers(source)
        assert c.index.tolist() == ["1", "2", "3"], source
        assert c["region"].dtype == "category" and c["signup_date"].dtype == "datetime64[ns]"


def test_join_reports_both_sides(tmp_path: Path) -> None:
    c = load_customers(write(tmp_path, *CN_ROWS), CN_MAP, order={"size": ["small", "medium", "large"]})
    summary = summary_of(["00001", "00003", "00009", "00010"], time_unit="W", observation_end=pd.Timestamp("2020-01-01"))
    out, report = join_attributes(summary, c)
    assert out.index.tolist() == summary.index.tolist() and out.attrs == summary.attrs
    assert out["nature"].dtype == "category" and out["size"].cat.ordered
    assert out["nature"].tolist()[:2] == ["企业", "政府"] and out["nature"].isna().tolist() == [False, False, True, True]
    rep = report.set_index("step")
    assert rep.loc["matched", "rows"] == 2
    assert (rep.loc["customers_without_attributes", "rows"], rep.loc["customers_without_attributes", "examples"]) == (2, "'00009', '00010'")
    assert (rep.loc["attributes_without_transactions", "rows"], rep.loc["attributes_without_transactions", "examples"]) == (1, "'00002'")
    filled, _ = join_attributes(summary, c, missing_label="unknown")
    assert filled["nature"].tolist()[2:] == ["unknown", "unknown"]
    assert filled["size"].isna().tolist() == [False, False, True, True]  # ordered: no rank for "unknown"


def test_join_rejects() -> None:
    summary = summary_of(["a", "b"])
    dup = pd.DataFrame({"customer_id": ["a", "b", "a"], "region": ["x", "y", "z"]})
    with pytest.raises(DataError, match=r"appear on more than one row \(2 rows\); examples: row 1: 'a'; row 3: 'a'"):
        join_attributes(summary, dup)
    with pytest.raises(DataError, match=r"\['frequency'\] also exist in the summary"):
        join_attributes(summary, pd.DataFrame({"customer_id": ["a"], "frequency": [1]}))
    with pytest.raises(DataError, match="no customer id in common"):
        join_attributes(summary_of(["00012"]), pd.DataFrame({"customer_id": [12], "region": ["x"]}))


def test_b2b_demo_round_trip(tmp_path: Path) -> None:
    """The synthetic B2B demo: attributes written to Excel, transactions cleaned, joined back."""
    transactions, customers = make_b2b_demo(n_customers=300, seed=7)
    path = tmp_path / "customers.xlsx"
    customers.to_excel(path, index=False)
    loaded = load_customers(path, order={"size": list(customers["size"].cat.categories)})
    tx = load_transactions(transactions)
    kept = customers["customer_id"].iloc[::2]
    summary = tx.data[tx.data["customer_id"].isin(kept)].groupby("customer_id").agg(revenue=("amount", "sum"))
    out, report = join_attributes(summary, loaded)
    rep = report.set_index("step")["rows"]
    assert rep["matched"] == len(set(summary.index) & set(customers["customer_id"]))
    assert rep["attributes_without_transactions"] == len(set(customers["customer_id"]) - set(summary.index))
    assert rep["customers_without_attributes"] == 0
    expected = customers.set_index("customer_id").loc[out.index]
    assert out["nature"].astype(str).tolist() == expected["nature"].astype(str).tolist()
    assert out["size"].cat.ordered and out["size"].astype(str).tolist() == expected["size"].astype(str).tolist()
    assert (out["signup_date"] == expected["signup_date"]).all()
