"""Tests of workbench.summary.rfm_summary.

Expected values come from hand computation, from lifetimes 0.11.3 (an independent implementation,
dev-only), from a brute-force pure-Python summary written here, and from figures published with the
CDNOW 1/10 sample (Fader, Hardie & Lee 2005).
"""

from __future__ import annotations

import importlib
import datetime as dt
import warnings
from pathlib import Path
from types import SimpleNamespace

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import DataError, ParamsError
from workbench.summary import rfm_summary

lifetimes_utils = importlib.import_module("lifetimes.utils")
# ibis 12 calls a DuckDB 2 method that DuckDB marks deprecated (not ours to fix)
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table.. is deprecated:DeprecationWarning")

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow"
CDNOW_END, CDNOW_CAL_END = "1998-06-30", "1997-09-30"
CONTRACT = ["customer_id", "timestamp", "amount"]


# ---------------------------------------------------------------------------------------------
# data


def _read_cdnow(name: str, names: list[str], skiprows: int) -> pd.DataFrame:
    raw = pd.read_csv(DATA / name, sep=r"\s+", header=None, skiprows=skiprows, names=names,
                      dtype={"customer_id": str, "date": str})
    return pd.DataFrame({
        "customer_id": raw["customer_id"],
        "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
        "amount": raw["amount"].astype(float),
    })


@pytest.fixture(scope="module")
def cdnow_master() -> pd.DataFrame:
    return _read_cdnow("CDNOW_master.txt", ["customer_id", "date", "quantity", "amount"], 1)


@pytest.fixture(scope="module")
def cdnow_sample() -> pd.DataFrame:
    return _read_cdnow("CDNOW_sample.txt", ["customer_id", "sample_id", "date", "quantity", "amount"], 0)


def synthetic_log(n_customers: int = 3000, seed: int = 7) -> pd.DataFrame:
    """Seeded log with random gaps, times of day, same-day repeats, returns and late rows."""
    rng = np.random.default_rng(seed)
    counts = 1 + rng.poisson(rng.gamma(0.6, 4.0, n_customers))
    cust = np.repeat(np.arange(n_customers), counts)
    first = rng.uniform(0, 200, n_customers)
    gaps = rng.exponential(rng.uniform(0.3, 40, n_customers)[cust])
    starts = np.cumsum(counts) - counts
    gaps[starts] = 0.0
    days = first[cust] + np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[starts], counts)
    amount = np.round(rng.lognormal(3, 1, cust.size), 2)
    amount[rng.random(cust.size) < 0.03] *= -1  # returns
    log = pd.DataFrame({
        "customer_id": np.char.add("c", cust.astype(str)).astype(object),
        "timestamp": pd.Timestamp("2021-01-01") + pd.to_timedelta(np.round(days * 86400), unit="s"),
        "amount": amount,
    })
    return log.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return synthetic_log()


SYN_END, SYN_CAL_END = "2021-09-30", "2021-06-15"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


@pytest.fixture
def small() -> pd.DataFrame:
    """Five customers whose summaries are worked out by hand below (observation end 2020-01-31)."""
    rows = [
        ("A", "2020-01-01 09:00", 10.0),
        ("A", "2020-01-01 15:00", 5.0),   # same day as the first: merged into 15.0
        ("A", "2020-01-05 12:00", 20.0),
        ("A", "2020-01-15 08:00", 30.0),
        ("B", "2020-01-10 00:00", 7.5),   # a single purchase
        ("C", "2020-01-20 10:00", 10.0),
        ("C", "2020-01-31 23:30", 4.0),   # on observation_end: counts
        ("D", "2020-01-03 00:00", 2.0),
        ("D", "2020-02-01 00:00", 100.0),  # after observation_end: ignored
        ("E", "2020-02-03 00:00", 1.0),   # only after observation_end: no row
    ]
    return pd.DataFrame(
        {"customer_id": [r[0] for r in rows], "timestamp": [ts(r[1]) for r in rows],
         "amount": [r[2] for r in rows]}
    )


# ---------------------------------------------------------------------------------------------
# hand-computed histories


def test_small_history_by_hand_in_days(small):
    s = rfm_summary(small, observation_end="2020-01-31")
    assert list(s.index) == ["A", "B", "C", "D"]
    expected = pd.DataFrame(
        {
            "frequency": [2, 0, 1, 0],
            "recency": [14.0, 0.0, 11.0, 0.0],
            "T": [30.0, 21.0, 11.0, 28.0],
            "monetary_value": [25.0, 0.0, 4.0, 0.0],
            "revenue": [65.0, 7.5, 14.0, 2.0],
            "n_transactions": [3, 1, 2, 1],
            "first_purchase": [ts("2020-01-01"), ts("2020-01-10"), ts("2020-01-20"), ts("2020-01-03")],
            "last_purchase": [ts("2020-01-15"), ts("2020-01-10"), ts("2020-01-31"), ts("2020-01-03")],
        },
        index=pd.Index(["A", "B", "C", "D"], name="customer_id"),
    )
    pd.testing.assert_frame_equal(s, expected)
    assert s.attrs == {
        "observation_end": "2020-01-31", "calibration_end": None, "time_unit": "D", "merge_same_day": True,
        "amounts": True,
    }


def test_regularity_by_hand(small):
    """Sum of log inter-purchase times (BTYDplus' litt): A's merged days 1, 5, 15 give log 4 + log 10
    days, or log(4/7) + log(10/7) weeks; one purchase gives 0; unmerged same-day rows have no log."""
    days = rfm_summary(small, observation_end="2020-01-31", regularity=True)["sum_log_interpurchase"]
    assert days.to_dict() == pytest.approx({"A": np.log(40), "B": 0.0, "C": np.log(11), "D": 0.0})
    weeks = rfm_summary(small, observation_end="2020-01-31", time_unit="W", regularity=True)
    assert weeks.loc["A", "sum_log_interpurchase"] == pytest.approx(np.log(4 / 7) + np.log(10 / 7))
    split = rfm_summary(small, observation_end="2020-01-31", calibration_end="2020-01-10", regularity=True)
    assert split.loc["A", "sum_log_interpurchase"] == pytest.approx(np.log(4))  # the holdout gap is not counted
    rows = rfm_summary(small, observation_end="2020-01-31", merge_same_day=False, regularity=True)
    assert np.isnan(rows.loc["A", "sum_log_interpurchase"]) and rows.loc["C", "sum_log_interpurchase"] == pytest.approx(np.log(11))
    assert "sum_log_interpurchase" not in rfm_summary(small, observation_end="2020-01-31").columns


def test_parquet_round_trip_keeps_metadata(small, tmp_path):
    s = rfm_summary(small, observation_end="2020-01-31", calibration_end="2020-01-10", time_unit="W")
    s.to_parquet(tmp_path / "summary.parquet")
    back = pd.read_parquet(tmp_path / "summary.parquet")
    pd.testing.assert_frame_equal(back, s)
    assert back.attrs == s.attrs


def test_weeks_are_days_over_seven(small):
    days = rfm_summary(small, observation_end="2020-01-31")
    weeks = rfm_summary(small, observation_end="2020-01-31", time_unit="W")
    assert weeks.loc["A", "recency"] == 14.0 / 7 and weeks.loc["A", "T"] == 30.0 / 7
    pd.testing.assert_series_equal(weeks["T"], days["T"] / 7)
    pd.testing.assert_series_equal(weeks["frequency"], days["frequency"])
    assert weeks.attrs["time_unit"] == "W"


def test_observation_end_time_of_day_is_ignored(small):
    a = rfm_summary(small, observation_end="2020-01-31")
    b = rfm_summary(small, observation_end=dt.datetime(2020, 1, 31, 6, 0))
    pd.testing.assert_frame_equal(a, b)


def test_calibration_holdout_by_hand(small):
    s = rfm_summary(small, observation_end="2020-01-31", calibration_end="2020-01-10")
    assert list(s.index) == ["A", "B", "D"]  # C starts after calibration_end
    assert s.loc["A"].to_dict() == {
        "frequency": 1, "recency": 4.0, "T": 9.0, "monetary_value": 20.0, "revenue": 35.0,
        "n_transactions": 2, "first_purchase": ts("2020-01-01"), "last_purchase": ts("2020-01-05"),
        "frequency_holdout": 1, "revenue_holdout": 30.0, "monetary_value_holdout": 30.0,
        "duration_holdout": 21.0,
    }
    assert s.loc["B", ["frequency", "T", "frequency_holdout", "revenue_holdout"]].tolist() == [0, 0.0, 0, 0.0]
    assert s.loc["D", ["T", "frequency_holdout", "monetary_value_holdout"]].tolist() == [7.0, 0, 0.0]
    assert s["frequency_holdout"].dtype == np.int64
    assert s.attrs["calibration_end"] == "2020-01-10"


def test_without_merging_each_row_is_a_transaction(small):
    s = rfm_summary(small, observation_end="2020-01-31", merge_same_day=False)
    # A: rows 10.0 (09:00, first), 5.0, 20.0, 30.0; ages still in whole days
    assert s.loc["A", ["frequency", "recency", "T", "n_transactions"]].tolist() == [3, 14.0, 30.0, 4]
    assert s.loc["A", "monetary_value"] == pytest.approx((5.0 + 20.0 + 30.0) / 3, rel=1e-15)
    assert s.loc["A", "revenue"] == 65.0


def test_without_merging_ties_break_by_smaller_amount():
    tx = pd.DataFrame({"customer_id": ["x", "x", "x"],
                       "timestamp": [ts("2020-01-02"), ts("2020-01-02"), ts("2020-01-09")],
                       "amount": [9.0, 3.0, 6.0]})
    s = rfm_summary(tx, observation_end="2020-01-31", merge_same_day=False)
    assert s.loc["x", "monetary_value"] == (9.0 + 6.0) / 2  # 3.0 is the first transaction
    merged = rfm_summary(tx, observation_end="2020-01-31")
    assert merged.loc["x", ["frequency", "monetary_value"]].tolist() == [1, 6.0]


# ---------------------------------------------------------------------------------------------
# against lifetimes (independent implementation)


def _lifetimes_summary(tx, end, unit):
    ref = lifetimes_utils.summary_data_from_transaction_data(
        tx, "customer_id", "timestamp", "amount", observation_period_end=end, freq="D",
        freq_multiplier={"D": 1, "W": 7}[unit],
    )
    return ref.sort_index()


def _lifetimes_holdout(tx, cal_end, end, unit):
    """lifetimes compares raw timestamps with the end dates' midnight: give it whole days."""
    tx = tx.assign(timestamp=tx["timestamp"].dt.normalize())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas SettingWithCopy noise inside lifetimes
        ref = lifetimes_utils.calibration_and_holdout_data(
            tx, "customer_id", "timestamp", cal_end, end, freq="D",
            freq_multiplier={"D": 1, "W": 7}[unit], monetary_value_col="amount",
        )
    return ref.sort_index()


def _merged_days(tx: pd.DataFrame) -> pd.DataFrame:
    day = tx.assign(timestamp=tx["timestamp"].dt.normalize())
    return day.groupby(["customer_id", "timestamp"], as_index=False)["amount"].sum()


def _assert_close(actual: pd.Series, expected: pd.Series) -> None:
    np.testing.assert_allclose(actual.to_numpy(float), expected.to_numpy(float), rtol=1e-12, atol=1e-9)


def _check_summary(s, ref):
    assert s.index.equals(ref.index)
    np.testing.assert_array_equal(s["frequency"].to_numpy(float), ref["frequency"].to_numpy())
    np.testing.assert_array_equal(s["recency"].to_numpy(), ref["recency"].to_numpy())
    np.testing.assert_array_equal(s["T"].to_numpy(), ref["T"].to_numpy())
    _assert_close(s["monetary_value"], ref["monetary_value"])


def _check_holdout(s, ref, ref_merged):
    assert s.index.equals(ref.index)
    for ours, theirs in [("frequency", "frequency_cal"), ("recency", "recency_cal"), ("T", "T_cal"),
                         ("frequency_holdout", "frequency_holdout"), ("duration_holdout", "duration_holdout")]:
        np.testing.assert_array_equal(s[ours].to_numpy(float), ref[theirs].to_numpy(), err_msg=ours)
    _assert_close(s["monetary_value"], ref["monetary_value_cal"])
    # lifetimes averages unmerged holdout rows; fed day-merged rows it must agree with us
    _assert_close(s["monetary_value_holdout"], ref_merged["monetary_value_holdout"])


@pytest.mark.parametrize("unit", ["D", "W"])
def test_cdnow_master_matches_lifetimes(cdnow_master, unit):
    s = rfm_summary(cdnow_master, observation_end=CDNOW_END, time_unit=unit)
    assert len(s) == 23_570
    _check_summary(s, _lifetimes_summary(cdnow_master, CDNOW_END, unit))


@pytest.mark.parametrize("unit", ["D", "W"])
def test_cdnow_master_holdout_matches_lifetimes(cdnow_master, unit):
    s = rfm_summary(cdnow_master, observation_end=CDNOW_END, calibration_end=CDNOW_CAL_END, time_unit=unit)
    ref = _lifetimes_holdout(cdnow_master, CDNOW_CAL_END, CDNOW_END, unit)
    _check_holdout(s, ref, _lifetimes_holdout(_merged_days(cdnow_master), CDNOW_CAL_END, CDNOW_END, unit))
    # the one documented difference: only customers with same-day holdout rows differ from
    # lifetimes' raw-row mean
    hold = cdnow_master[(cdnow_master.timestamp > CDNOW_CAL_END) & (cdnow_master.timestamp <= CDNOW_END)]
    has_same_day = hold.groupby("customer_id")["timestamp"].agg(lambda d: d.duplicated().any())
    differs = ~np.isclose(s["monetary_value_holdout"], ref["monetary_value_holdout"], rtol=1e-12)
    assert differs.any()
    assert has_same_day.reindex(s.index[differs]).fillna(False).all()


@pytest.mark.parametrize("unit", ["D", "W"])
def test_synthetic_matches_lifetimes(synthetic, unit):
    s = rfm_summary(synthetic, observation_end=SYN_END, time_unit=unit)
    assert s["frequency"].sum() > 0 and (s["T"] > s["recency"]).any()
    _check_summary(s, _lifetimes_summary(synthetic, SYN_END, unit))
    h = rfm_summary(synthetic, observation_end=SYN_END, calibration_end=SYN_CAL_END, time_unit=unit)
    ref = _lifetimes_holdout(synthetic, SYN_CAL_END, SYN_END, unit)
    _check_holdout(h, ref, _lifetimes_holdout(_merged_days(synthetic), SYN_CAL_END, SYN_END, unit))


def test_synthetic_log_exercises_the_edge_cases(synthetic):
    """Guard for the generator itself: the cases above must really occur in it."""
    day = synthetic["timestamp"].dt.normalize()
    assert synthetic.assign(day=day).duplicated(["customer_id", "day"]).sum() > 100
    assert (synthetic["amount"] < 0).sum() > 10
    assert (synthetic["timestamp"] > pd.Timestamp(SYN_END) + pd.Timedelta(days=1)).sum() > 100


# ---------------------------------------------------------------------------------------------
# published figures (Fader, Hardie & Lee 2005, CDNOW 1/10 sample)


def test_cdnow_sample_published_figures(cdnow_sample):
    s = rfm_summary(cdnow_sample, observation_end=CDNOW_END, calibration_end=CDNOW_CAL_END, time_unit="W")
    assert len(s) == 2357
    assert s["frequency_holdout"].sum() == 1882
    jan1 = s[s["first_purchase"] == pd.Timestamp("1997-01-01")]
    assert len(jan1) > 0 and np.allclose(jan1["T"].round(2), 38.86)
    assert s["duration_holdout"].iloc[0] == pytest.approx(39.0, abs=0.15)  # 273 days
    assert (s["frequency"] > 0).sum() == 946  # the repeaters of the Gamma-Gamma paper


# ---------------------------------------------------------------------------------------------
# brute force: an independent pure-Python definition on random small logs


def _brute_force(rows, end: dt.date, cal_end: dt.date | None):
    """Merged-day summary straight from the definitions, one customer at a time."""
    out = {}
    period_end = cal_end or end
    for cid in sorted({r[0] for r in rows}):
        days: dict[dt.date, float] = {}
        for c, stamp, amount in rows:
            if c == cid and stamp.date() <= end:
                days[stamp.date()] = days.get(stamp.date(), 0.0) + amount
        cal = sorted(d for d in days if d <= period_end)
        if not cal:
            continue
        hold = [d for d in days if d > period_end]
        record = {
            "frequency": len(cal) - 1,
            "recency": (cal[-1] - cal[0]).days,
            "T": (period_end - cal[0]).days,
            "monetary_value": float(np.mean([days[d] for d in cal[1:]])) if len(cal) > 1 else 0.0,
            "revenue": sum(days[d] for d in cal),
        }
        record["sum_log_interpurchase"] = float(sum(np.log((b - a).days) for a, b in zip(cal, cal[1:])))
        if cal_end:
            record["frequency_holdout"] = len(hold)
            record["revenue_holdout"] = sum(days[d] for d in hold)
        out[cid] = record
    return out


_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "00d"]),
        st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2020, 3, 10)),
        st.floats(min_value=-50, max_value=500, allow_nan=False).map(lambda v: round(v, 2)),
    ),
    min_size=1, max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, split=st.booleans())
def test_matches_brute_force(rows, split):
    end, cal_end = dt.date(2020, 3, 1), (dt.date(2020, 1, 31) if split else None)
    expected = _brute_force(rows, end, cal_end)
    tx = pd.DataFrame(rows, columns=CONTRACT)
    if not expected:
        with pytest.raises(DataError, match="no purchase on or before"):
            rfm_summary(tx, observation_end=end, calibration_end=cal_end)
        return
    s = rfm_summary(tx, observation_end=end, calibration_end=cal_end, regularity=True)
    assert list(s.index) == list(expected)
    for cid, record in expected.items():
        for column, value in record.items():
            assert s.loc[cid, column] == pytest.approx(value, rel=1e-12, abs=1e-9), (cid, column)


# ---------------------------------------------------------------------------------------------
# invariants


def test_holdout_adds_up_to_the_full_period(synthetic):
    full = rfm_summary(synthetic, observation_end=SYN_END)
    split = rfm_summary(synthetic, observation_end=SYN_END, calibration_end=SYN_CAL_END)
    both = full.loc[split.index]
    np.testing.assert_array_equal(both["n_transactions"], split["n_transactions"] + split["frequency_holdout"])
    np.testing.assert_allclose(both["revenue"], split["revenue"] + split["revenue_holdout"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(split["revenue_holdout"], split["frequency_holdout"] * split["monetary_value_holdout"],
                               rtol=1e-12, atol=1e-9)


def test_merging_only_matters_for_same_day_rows(synthetic):
    merged = rfm_summary(synthetic, observation_end=SYN_END)
    rows = rfm_summary(synthetic, observation_end=SYN_END, merge_same_day=False)
    assert (rows["frequency"] >= merged["frequency"]).all()
    assert (rows["frequency"] > merged["frequency"]).any()
    np.testing.assert_allclose(rows["revenue"], merged["revenue"], rtol=1e-12, atol=1e-9)
    pd.testing.assert_series_equal(rows["T"], merged["T"])
    one_per_day = synthetic[~synthetic.assign(day=synthetic.timestamp.dt.normalize())
                            .duplicated(["customer_id", "day"])]
    pd.testing.assert_frame_equal(
        rfm_summary(one_per_day, observation_end=SYN_END, merge_same_day=False).drop(columns="monetary_value"),
        rfm_summary(one_per_day, observation_end=SYN_END).drop(columns="monetary_value"),
    )


# ---------------------------------------------------------------------------------------------
# inputs: DataFrame, files, ibis tables, wrappers, column names


@pytest.fixture(scope="module")
def reference(cdnow_sample):
    return rfm_summary(cdnow_sample, observation_end=CDNOW_END, calibration_end=CDNOW_CAL_END, time_unit="W")


@pytest.fixture(scope="module")
def files(tmp_path_factory, cdnow_sample):
    root = tmp_path_factory.mktemp("tx")
    cdnow_sample.to_parquet(root / "all.parquet")
    parts = root / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, len(cdnow_sample), 2500)):
        cdnow_sample.iloc[start:start + 2500].to_parquet(parts / f"part-{i}.parquet")
    cdnow_sample.assign(timestamp=cdnow_sample.timestamp.dt.strftime("%Y-%m-%d")).to_csv(root / "all.csv", index=False)
    renamed = cdnow_sample.rename(columns={"customer_id": "客户编号", "timestamp": "date", "amount": "value"})
    renamed.to_csv(root / "renamed.csv", index=False)
    return root


def _summary(source, **kwargs):
    return rfm_summary(source, observation_end=CDNOW_END, calibration_end=CDNOW_CAL_END, time_unit="W", **kwargs)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda f: f / "all.parquet", id="parquet-path"),
        pytest.param(lambda f: str(f / "all.parquet"), id="parquet-str"),
        pytest.param(lambda f: str(f / "parts" / "*.parquet"), id="parquet-glob"),
        pytest.param(lambda f: f / "parts", id="parquet-directory"),
        pytest.param(lambda f: f / "all.csv", id="csv-path"),
        pytest.param(lambda f: ibis.memtable(pd.read_parquet(f / "all.parquet")), id="ibis-memtable"),
        pytest.param(lambda f: ibis.duckdb.connect().read_parquet(f / "all.parquet"), id="ibis-bound-table"),
        pytest.param(lambda f: SimpleNamespace(data=pd.read_parquet(f / "all.parquet")), id="wrapper-frame"),
        pytest.param(lambda f: SimpleNamespace(data=f / "all.parquet"), id="wrapper-path"),
    ],
)
def test_inputs_give_identical_summaries(files, reference, make):
    pd.testing.assert_frame_equal(_summary(make(files)), reference)


def test_csv_keeps_leading_zeros(files):
    s = _summary(files / "all.csv")
    assert s.index[0] == "00004" and all(len(c) == 5 for c in s.index)


def test_column_mapping(files, cdnow_sample, reference):
    mapping = {"customer_id": "客户编号", "timestamp": "date", "amount": "value"}
    pd.testing.assert_frame_equal(_summary(files / "renamed.csv", columns=mapping), reference)
    renamed = cdnow_sample.rename(columns={"customer_id": "cust"})
    pd.testing.assert_frame_equal(_summary(renamed, columns={"customer_id": "cust"}), reference)


def test_given_connection_is_used_and_left_open(files, reference):
    con = ibis.duckdb.connect()
    pd.testing.assert_frame_equal(_summary(files / "all.parquet", con=con), reference)
    assert con.to_pyarrow(ibis.literal(1).name("one")).as_py() == 1  # still open
    pd.testing.assert_frame_equal(_summary(pd.read_parquet(files / "all.parquet"), con=con), reference)


def test_extra_columns_and_other_types_are_accepted():
    tx = pd.DataFrame({
        "customer_id": [1, 1, 2], "timestamp": ["2020-01-01", "2020-01-04 10:00:00", "2020-01-02"],
        "amount": [1, 2, 3], "channel": ["web", "shop", "web"],
    })
    s = rfm_summary(tx, observation_end="2020-01-10")
    assert list(s.index) == ["1", "2"] and s.loc["1", "recency"] == 3.0 and s.loc["1", "monetary_value"] == 2.0
    dates = tx.assign(timestamp=pd.to_datetime(tx.timestamp, format="ISO8601").dt.date)
    pd.testing.assert_frame_equal(rfm_summary(dates, observation_end="2020-01-10"), s)


def test_zone_aware_timestamps_are_cut_at_local_wall_clock(tmp_path):
    """Shanghai 2023-12-31 20:00 and 2024-01-01 07:30 are two purchase days (both fall on
    2023-12-31 in UTC): from a DataFrame and from an ibis table with the zone in its type alike.
    In a Parquet file DuckDB keeps instants only (type zone UTC): days are cut in UTC there."""
    stamps = pd.to_datetime(["2023-12-31 20:00", "2024-01-01 07:30"]).tz_localize("Asia/Shanghai")
    tx = pd.DataFrame({"customer_id": ["a", "a"], "timestamp": stamps, "amount": [1.0, 2.0]})
    for source in (tx, ibis.memtable(tx)):
        s = rfm_summary(source, observation_end="2024-01-10")
        assert (s.loc["a", "frequency"], s.loc["a", "recency"]) == (1, 1.0)
        assert s.loc["a", "first_purchase"] == pd.Timestamp("2023-12-31")
    tx.astype({"timestamp": "datetime64[us, Asia/Shanghai]"}).to_parquet(tmp_path / "tz.parquet")
    s = rfm_summary(tmp_path / "tz.parquet", observation_end="2024-01-10")
    assert (s.loc["a", "frequency"], s.loc["a", "n_transactions"], s.loc["a", "revenue"]) == (0, 1, 3.0)


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(lambda d: d.astype({"customer_id": "category"}), id="categorical-ids"),
        pytest.param(lambda d: d.astype({"customer_id": "string[pyarrow]"}), id="arrow-string-ids"),
        pytest.param(lambda d: d.astype({"timestamp": "datetime64[s]"}), id="seconds-timestamps"),
        pytest.param(lambda d: d.astype({"amount": "float32"}), id="float32-amounts"),
    ],
)
def test_pandas_dtype_variants(small, convert):
    pd.testing.assert_frame_equal(
        rfm_summary(convert(small), observation_end="2020-01-31"), rfm_summary(small, observation_end="2020-01-31")
    )


# ---------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"time_unit": "M"}, "time_unit must be one of"),
        ({"time_unit": "w"}, "time_unit must be one of"),
        ({"calibration_end": "2020-01-31"}, r"calibration_end \(2020-01-31\) must be before observation_end"),
        ({"calibration_end": "2020-02-05"}, "must be before observation_end"),
        ({"observation_end": None}, "observation_end is required"),
        ({"observation_end": "not a date"}, "observation_end must be a date"),
        ({"calibration_end": "soon"}, "calibration_end must be a date"),
        ({"columns": {"client": "customer_id"}}, r"columns: unknown contract name\(s\) \['client'\]"),
        ({"merge_same_day": "yes"}, "merge_same_day must be True or False"),
        ({"regularity": 1}, "regularity must be True or False"),
        ({"columns": ["customer_id", "timestamp", "amount"]}, "columns must be a mapping .*got list"),
    ],
)
def test_bad_params(small, kwargs, message):
    params = {"observation_end": "2020-01-31"} | kwargs
    with pytest.raises(ParamsError, match=message):
        rfm_summary(small, **params)


def test_missing_column_is_named_with_the_available_ones(small):
    with pytest.raises(DataError, match=r"required column 'value' \(for amount\) is missing; available columns: \['customer_id', 'timestamp', 'amount'\]"):
        rfm_summary(small, observation_end="2020-01-31", columns={"amount": "value"})
    # without an amount column (none mapped) the log counts purchases only
    counts = rfm_summary(small.rename(columns={"amount": "value"}), observation_end="2020-01-31")
    assert counts.attrs["amounts"] is False and "revenue" not in counts.columns
    with pytest.raises(DataError, match=r"required column 'cust' \(for customer_id\) is missing"):
        rfm_summary(small, observation_end="2020-01-31", columns={"customer_id": "cust"})


def test_missing_column_in_a_file(files):
    with pytest.raises(DataError, match=r"renamed.csv'.*required column 'customer_id' is missing"):
        _summary(files / "renamed.csv")


def test_empty_input(small):
    with pytest.raises(DataError, match=r"no transactions \(0 rows\)"):
        rfm_summary(small.iloc[:0], observation_end="2020-01-31")


def test_nothing_before_observation_end(small):
    with pytest.raises(DataError, match="no purchase on or before 2019-12-31 "):
        rfm_summary(small, observation_end="2019-12-31")


@pytest.mark.parametrize("column", CONTRACT)
def test_missing_values_are_counted_with_examples(small, column):
    bad = small.astype({"customer_id": object, "amount": float})
    bad.loc[[2, 5], column] = None
    with pytest.raises(DataError, match=rf"column '{column}' has 2 missing or unparsable value\(s\) out of 10 rows; e.g. \["):
        rfm_summary(bad, observation_end="2020-01-31")


def test_infinite_and_nan_amounts_are_counted_with_examples(small, tmp_path):
    """inf, -inf and NaN (a float value, not a NULL, as a Parquet file can hold) are no amounts."""
    bad = small.copy()
    bad.loc[[1, 4], "amount"] = [np.inf, -np.inf]
    with pytest.raises(DataError, match=r"column 'amount' has 2 infinite or NaN value\(s\) out of 10 rows; e.g. \[.*'A'.*inf.*'B'.*-inf"):
        rfm_summary(bad, observation_end="2020-01-31")
    amounts = small["amount"].to_numpy().copy()
    amounts[3] = np.nan
    table = pa.table({
        "customer_id": small["customer_id"].to_numpy(), "timestamp": small["timestamp"].to_numpy(),
        "amount": pa.array(amounts, from_pandas=False),  # NaN kept as a value
    })
    assert table["amount"].null_count == 0
    pq.write_table(table, tmp_path / "nan.parquet")
    with pytest.raises(DataError, match=r"nan.parquet'?: column 'amount' has 1 infinite or NaN value\(s\) out of 10 rows; e.g. \[.*'A'"):
        rfm_summary(tmp_path / "nan.parquet", observation_end="2020-01-31")


def test_duplicate_or_shared_columns(small):
    doubled = pd.concat([small, small[["amount"]]], axis=1)
    with pytest.raises(DataError, match=r"column name\(s\) \['amount'\] appear more than once"):
        rfm_summary(doubled, observation_end="2020-01-31")
    extra = pd.concat([small, small[["amount"]].rename(columns={"amount": "note"})] * 1, axis=1)
    extra = pd.concat([extra, extra[["note"]]], axis=1)  # an unused repeated column is harmless
    pd.testing.assert_frame_equal(rfm_summary(extra, observation_end="2020-01-31"), rfm_summary(small, observation_end="2020-01-31"))
    with pytest.raises(DataError, match=r"source column 'amount' is used for both 'customer_id' and 'amount'"):
        rfm_summary(small, observation_end="2020-01-31", columns={"customer_id": "amount"})


def test_unparsable_timestamp_strings(small):
    bad = small.assign(timestamp=small.timestamp.astype(str))
    bad.loc[3, "timestamp"] = "yesterday"
    with pytest.raises(DataError, match=r"column 'timestamp' has 1 missing or unparsable.*yesterday"):
        rfm_summary(bad, observation_end="2020-01-31")


def test_wrong_column_types(small):
    with pytest.raises(DataError, match=r"column 'timestamp' has type int64; expected dates or timestamps"):
        rfm_summary(small.assign(timestamp=20200101), observation_end="2020-01-31")
    with pytest.raises(DataError, match=r"column 'amount' has type string; expected numbers"):
        rfm_summary(small.assign(amount="12.50"), observation_end="2020-01-31")


def test_bad_sources(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        rfm_summary(tmp_path / "absent.parquet", observation_end="2020-01-31")
    with pytest.raises(DataError, match="no such file or no file matches"):
        rfm_summary(str(tmp_path / "*.parquet"), observation_end="2020-01-31")
    (tmp_path / "log.xlsx").write_bytes(b"")
    with pytest.raises(ParamsError, match="cannot tell the file format"):
        rfm_summary(tmp_path / "log.xlsx", observation_end="2020-01-31")
    with pytest.raises(ParamsError, match="transactions must be a pandas DataFrame.*got list"):
        rfm_summary([("a", "2020-01-01", 1.0)], observation_end="2020-01-31")


# ---------------------------------------------------------------------------------------------
# memory: the private DuckDB's cap and the result frame


def _spy_queries(monkeypatch):
    """Record the memory limit and the outcome of every query run on the private DuckDB."""
    from workbench.engine.duckdb import DuckDBEngine

    seen = []
    original = DuckDBEngine._to_pyarrow

    def spy(self, expr):
        limit = self.setting("memory_limit")
        try:
            result = original(self, expr)
        except Exception as exc:
            seen.append((limit, type(exc).__name__))
            raise
        seen.append((limit, "ok"))
        return result

    monkeypatch.setattr(DuckDBEngine, "_to_pyarrow", spy)
    return seen


def test_private_duckdb_runs_the_summary_under_a_memory_cap(files, reference, monkeypatch):
    import workbench.engine.duckdb as module

    default = ibis.duckdb.connect().raw_sql("SELECT current_setting('memory_limit')").fetchall()[0][0]
    seen = _spy_queries(monkeypatch)
    pd.testing.assert_frame_equal(_summary(files / "all.parquet"), reference)
    limits = [limit for limit, _ in seen]
    assert limits[0] == default  # the row count runs uncapped
    assert module.parse_bytes(limits[-1]) < module.parse_bytes(default)  # the summary is capped
    assert module.parse_bytes(limits[-1]) >= 256 * 2**20 * 0.99  # never below the floor


def test_out_of_memory_under_the_cap_runs_again_uncapped(files, reference, monkeypatch):
    import workbench.engine.duckdb as module

    monkeypatch.setattr(module, "CAP_FLOOR", 2**20)
    monkeypatch.setattr(module, "CAP_FLOOR_PER_THREAD", 2**18)
    monkeypatch.setattr(module, "CAP_BYTES_PER_ROW", 1)
    seen = _spy_queries(monkeypatch)
    pd.testing.assert_frame_equal(_summary(files / "all.parquet"), reference)
    assert [outcome for _, outcome in seen[-2:]] == ["OutOfMemoryException", "ok"]


def test_summary_frame_is_writable(small):
    s = rfm_summary(small, observation_end="2020-01-31", calibration_end="2020-01-10")
    for column in s.columns:
        s.loc["A", column] = s.loc["B", column]  # no read-only Arrow buffer behind any column
    assert s.loc["A"].equals(s.loc["B"])
