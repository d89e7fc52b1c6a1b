"""Churn from inactivity gaps: hand-made histories for every edge, and a brute-force second
implementation on random logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.churn import churn_durations, gap_quantile, tier_thresholds
from workbench.errors import DataError, ParamsError

END = "2020-03-31"


def log(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [c for c, _ in rows], "timestamp": pd.to_datetime([t for _, t in rows], format="ISO8601"),
                         "amount": 10.0})


def test_hand_made_histories():
    frame = churn_durations(log([
        ("one_churned", "2020-01-05"),                         # one purchase, 86 days before the end
        ("one_recent", "2020-03-10"),                          # one purchase, 21 days before: censored at 0
        ("on_the_end", "2020-03-10"), ("on_the_end", END),     # a purchase on observation_end
        ("exact", "2020-01-01"), ("exact", "2020-01-31"),      # a gap of exactly 30 days is not churn
        ("exact", "2020-03-01"),                               # ... and 30 days to the end neither
        ("won_back", "2020-01-01"), ("won_back", "2020-01-11"), ("won_back", "2020-03-01"),
        ("same_day", "2020-03-20 09:00"), ("same_day", "2020-03-20 18:00"),
        ("late", "2020-03-30"), ("late", "2020-04-02"),        # the purchase after the end is ignored
    ]), observation_end=END, inactivity_days=30)
    expect = {  # duration (days), churned, churn day, purchase days, days after churn
        "one_churned": (0, True, "2020-01-05", 1, 0),
        "one_recent": (0, False, None, 1, 0),
        "on_the_end": (0, False, None, 2, 0),                  # censored at age 21 - 30 < 0
        "exact": (60, False, None, 3, 0),                      # censored at age 90 - 30
        "won_back": (10, True, "2020-01-11", 3, 1),
        "same_day": (0, False, None, 1, 0),
        "late": (0, False, None, 1, 0),
    }
    assert sorted(frame.index) == sorted(expect)
    for customer, (duration, churned, day, days, after) in expect.items():
        row = frame.loc[customer]
        assert row["duration"] == duration and row["churned"] == churned, customer
        assert (pd.isna(row["churn_day"]) if day is None else row["churn_day"] == pd.Timestamp(day)), customer
        assert row["purchase_days"] == days and row["days_after_churn"] == after, customer
    assert frame.attrs["inactivity_days"] == 30.0 and frame.attrs["observation_end"] == END


def test_weeks_are_days_over_seven():
    history = log([("a", "2020-01-01"), ("a", "2020-01-15"), ("a", "2020-03-01")])
    days = churn_durations(history, observation_end=END, inactivity_days=30)
    weeks = churn_durations(history, observation_end=END, inactivity_days=30, time_unit="W")
    assert weeks.loc["a", "duration"] == pytest.approx(days.loc["a", "duration"] / 7) == pytest.approx(2.0)


def brute_force(frame: pd.DataFrame, end: str, threshold, dates: dict | None = None) -> pd.DataFrame:
    """Loops over customers: ``threshold`` a number or a dict customer -> days; ``dates``
    customer -> known churn date (or None)."""
    stop = pd.Timestamp(end)
    rows = []
    for customer, group in frame.groupby("customer_id"):
        days = sorted({t.normalize() for t in group["timestamp"] if t.normalize() <= stop})
        if not days:
            continue
        date = (dates or {}).get(customer)
        if date is not None:
            date = pd.Timestamp(date)
            if date <= stop:
                rows.append((customer, (date - days[0]).days, True, sum(d > date for d in days)))
            else:
                rows.append((customer, float((stop - days[0]).days), False, 0))
            continue
        threshold_i = threshold[customer] if isinstance(threshold, dict) else threshold
        gaps = [(b - a).days for a, b in zip(days, days[1:])] + [(stop - days[-1]).days]
        long = [i for i, g in enumerate(gaps) if g > threshold_i]
        if long:
            i = long[0]
            rows.append((customer, (days[i] - days[0]).days, True, len(days) - i - 1))
        else:  # censored at the end: the lifetime exceeds age - threshold
            rows.append((customer, max((stop - days[0]).days - threshold_i, 0.0), False, 0))
    return pd.DataFrame(rows, columns=["customer_id", "duration", "churned", "days_after_churn"]).set_index("customer_id")


@pytest.mark.parametrize("threshold", [7, 30.5, 90])
def test_random_logs_match_a_brute_force_implementation(threshold):
    rng = np.random.default_rng(int(threshold * 10))
    n = 1500
    customers = rng.choice([f"c{i:03d}" for i in range(200)], size=n)
    stamps = (pd.Timestamp("2019-06-01") + pd.to_timedelta(rng.uniform(0, 320, n), unit="D")).floor("s")
    frame = pd.DataFrame({"customer_id": customers, "timestamp": stamps, "amount": 1.0})
    got = churn_durations(frame, observation_end=END, inactivity_days=threshold)
    expected = brute_force(frame, END, threshold)
    assert list(got.index) == list(expected.index)
    np.testing.assert_array_equal(got["duration"], expected["duration"].astype(float))
    np.testing.assert_array_equal(got["churned"], expected["churned"])
    np.testing.assert_array_equal(got["days_after_churn"], expected["days_after_churn"])
    assert got["churned"].any() and (threshold < 90 or not got["churned"].all())


def test_gap_quantile_is_the_quantile_of_consecutive_purchase_gaps():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"customer_id": rng.choice(list("abcdefgh"), 300),
                          "timestamp": pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 400, 300), unit="D"),
                          "amount": 1.0})
    gaps = []
    for _, group in frame.groupby("customer_id"):
        days = np.unique(group["timestamp"].dt.normalize().to_numpy())
        days = days[days <= np.datetime64(END)]
        gaps += list(np.diff(days).astype("timedelta64[D]").astype(float))
    for q in (0.5, 0.9):
        assert gap_quantile(frame, observation_end=END, quantile=q) == pytest.approx(np.quantile(gaps, q))


@pytest.mark.parametrize("bad", [0, -3, float("nan"), "30", True])
def test_a_bad_threshold_is_named(bad):
    with pytest.raises(ParamsError, match="inactivity_days must be a positive number of days"):
        churn_durations(log([("a", "2020-01-01")]), observation_end=END, inactivity_days=bad)


def test_no_gap_to_measure_and_bad_quantiles_are_clear():
    with pytest.raises(DataError, match="no customer bought on two days"):
        gap_quantile(log([("a", "2020-01-01"), ("b", "2020-01-02")]), observation_end=END)
    with pytest.raises(ParamsError, match="quantile must be a fraction"):
        gap_quantile(log([("a", "2020-01-01")]), observation_end=END, quantile=1.5)
    with pytest.raises(DataError, match="no purchase on or before 2019-01-01"):
        churn_durations(log([("a", "2020-01-01")]), observation_end="2019-01-01", inactivity_days=30)


def test_until_known_earliest_known_and_age_in_time_units():
    """Churned: until_known = earliest_known = duration + threshold; censored: until_known = age
    and earliest_known = last - first purchase + threshold; weeks here."""
    log = pd.DataFrame({"customer_id": ["a", "a", "b"],
                        "timestamp": pd.to_datetime(["2020-01-01", "2020-01-15", "2020-03-01"]),
                        "amount": [1.0, 2.0, 3.0]})
    out = churn_durations(log, observation_end="2020-03-29", inactivity_days=28, time_unit="W")
    assert out.loc["a", "churned"] and not out.loc["b", "churned"]
    np.testing.assert_allclose(out["age"], [88 / 7, 28 / 7])
    np.testing.assert_allclose(out["duration"], [2.0, 0.0])
    np.testing.assert_allclose(out["until_known"], [6.0, 4.0])
    np.testing.assert_allclose(out["earliest_known"], [6.0, 4.0])
    later = churn_durations(log, observation_end="2020-03-10", inactivity_days=28, time_unit="W")
    np.testing.assert_allclose(later.loc["b", ["duration", "until_known", "earliest_known"]].to_numpy(float), [0.0, 9 / 7, 4.0])


def random_log(seed: int, n: int = 1500, customers: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = rng.choice([f"c{i:03d}" for i in range(customers)], size=n)
    stamps = (pd.Timestamp("2019-06-01") + pd.to_timedelta(rng.uniform(0, 320, n), unit="D")).floor("s")
    return pd.DataFrame({"customer_id": ids, "timestamp": stamps, "amount": 1.0})


def test_per_customer_thresholds_and_churn_dates_match_the_brute_force():
    frame = random_log(11)
    rng = np.random.default_rng(12)
    ids = sorted(frame["customer_id"].unique())
    thresholds = pd.Series(rng.choice([7.0, 20.5, 60.0], size=len(ids)), index=ids)
    dates = {c: (pd.Timestamp("2019-09-01") + pd.Timedelta(days=int(d))).date().isoformat()
             for c, d in zip(ids[::4], rng.integers(0, 300, len(ids[::4])))}
    first = frame.groupby("customer_id")["timestamp"].min().dt.normalize()
    dates = {c: d for c, d in dates.items() if pd.Timestamp(d) >= first[c]}
    got = churn_durations(frame, observation_end=END, inactivity_days=thresholds,
                          churn_dates=pd.Series(dates, dtype=object).map(pd.Timestamp))
    expected = brute_force(frame, END, thresholds.to_dict(), dates)
    assert list(got.index) == list(expected.index)
    np.testing.assert_array_equal(got["duration"], expected["duration"].astype(float))
    np.testing.assert_array_equal(got["churned"], expected["churned"])
    np.testing.assert_array_equal(got["days_after_churn"], expected["days_after_churn"])
    dated = got.index.isin(list(dates))
    assert got.loc[dated, "dated"].all() and not got.loc[~dated, "dated"].any()
    np.testing.assert_array_equal(got.loc[dated, "threshold_days"], 0.0)
    np.testing.assert_array_equal(got.loc[~dated, "threshold_days"], thresholds.reindex(got.index[~dated]))
    # a known date shows at once; a censored dated customer is known alive up to the end
    churned = got["churned"] & got["dated"]
    assert churned.any() and (got["dated"] & ~got["churned"]).any()
    np.testing.assert_array_equal(got.loc[churned, "until_known"], got.loc[churned, "duration"])
    censored = got["dated"] & ~got["churned"]
    np.testing.assert_array_equal(got.loc[censored, "earliest_known"], got.loc[censored, "age"])
    assert got.attrs["inactivity_days"] == "per customer"


def test_contract_end_dates_on_hand_made_histories():
    history = log([("ended", "2020-01-01"), ("ended", "2020-01-20"), ("ended", "2020-03-01"),
                   ("future", "2020-01-01"), ("nodate", "2020-01-01"), ("same_day", "2020-02-01")])
    dates = pd.Series({"ended": "2020-02-15", "future": "2020-12-31", "nodate": None, "same_day": "2020-02-01",
                       "not_a_buyer": "2020-01-01"})
    out = churn_durations(history, observation_end=END, inactivity_days=30, churn_dates=dates)
    assert sorted(out.index) == ["ended", "future", "nodate", "same_day"]
    assert tuple(out.loc["ended", ["duration", "churned", "days_after_churn", "until_known"]]) == (45, True, 1, 45)
    assert tuple(out.loc["future", ["duration", "churned", "until_known", "earliest_known"]]) == (90, False, 90, 90)
    assert out.loc["nodate", "churned"] and out.loc["nodate", "threshold_days"] == 30 and not out.loc["nodate", "dated"]
    assert tuple(out.loc["same_day", ["duration", "churned"]]) == (0, True)
    assert out.loc["ended", "churn_day"] == pd.Timestamp("2020-02-15")


def test_bad_thresholds_and_churn_dates_are_named():
    history = log([("a", "2020-01-01"), ("b", "2020-02-01")])
    with pytest.raises(ParamsError, match="1 customers have no positive number of days.*e.g. b"):
        churn_durations(history, observation_end=END, inactivity_days=pd.Series({"a": 30, "b": -1}))
    with pytest.raises(ParamsError, match="1 customers of .* have no threshold \\(e.g. b\\)"):
        churn_durations(history, observation_end=END, inactivity_days=pd.Series({"a": 30}))
    with pytest.raises(DataError, match="churn_dates: 1 customers .* churned before their first purchase \\(e.g. b\\)"):
        churn_durations(history, observation_end=END, inactivity_days=30, churn_dates=pd.Series({"b": "2020-01-15"}))
    with pytest.raises(ParamsError, match="churn_dates: not dates"):
        churn_durations(history, observation_end=END, inactivity_days=30, churn_dates=pd.Series({"b": "soon"}))
    with pytest.raises(ParamsError, match="customers listed twice \\(e.g. a\\)"):
        churn_durations(history, observation_end=END, inactivity_days=pd.Series([30, 40], index=["a", "a"]))


def test_tier_thresholds_are_quantiles_within_each_tier():
    frame = random_log(5, n=3000, customers=300)
    rng = np.random.default_rng(6)
    ids = sorted(frame["customer_id"].unique())
    tiers = pd.Series(pd.Categorical(rng.choice(["gold", "silver", "tiny"], size=len(ids), p=[0.5, 0.49, 0.01]),
                                     categories=["gold", "silver", "tiny", "empty"]), index=ids)
    out = tier_thresholds(frame, tiers, observation_end=END, quantile=0.8)
    assert list(out.index) == ["gold", "silver", "tiny", "empty"]
    gaps: dict[str, list[float]] = {}
    for customer, group in frame.groupby("customer_id"):
        days = np.unique(group["timestamp"].dt.normalize().to_numpy())
        days = days[days <= np.datetime64(END)]
        gaps.setdefault(tiers[customer], []).extend(np.diff(days).astype("timedelta64[D]").astype(float))
    pooled = np.quantile(sum(gaps.values(), []), 0.8)
    for tier in ("gold", "silver"):
        assert out.loc[tier, "threshold_days"] == pytest.approx(np.quantile(gaps[tier], 0.8))
        assert out.loc[tier, "gaps"] == len(gaps[tier]) and not out.loc[tier, "pooled"]
    assert out.loc["tiny", "pooled"] and out.loc["tiny", "threshold_days"] == pytest.approx(pooled)
    assert out.loc["empty", "customers"] == 0 and out.loc["empty", "threshold_days"] == pytest.approx(pooled)
    assert out.loc["gold", "threshold_days"] != out.loc["silver", "threshold_days"]
    per_customer = tiers.map(out["threshold_days"]).astype(float)
    durations = churn_durations(frame, observation_end=END, inactivity_days=per_customer)
    np.testing.assert_array_equal(durations["threshold_days"], per_customer.reindex(durations.index))
