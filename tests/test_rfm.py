"""RFM scores and named RFM segments: hand-computed cases, the tie rule, CDNOW smoke test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from workbench.errors import DataError, ParamsError
from workbench.segment import RFMScorer, RFMScoreTiers, RFMSegmenter, build_segmenters, rfm_scores


def summary(**columns) -> pd.DataFrame:
    """A Summary-contract frame from columns; ids c0, c1, ...; T defaults to 100 for all."""
    n = len(next(iter(columns.values())))
    data = {"frequency": [0] * n, "recency": [0.0] * n, "T": [100.0] * n, "revenue": [1.0] * n}
    data.update(columns)
    data.setdefault("monetary_value", [0.0] * n)
    frame = pd.DataFrame(data, index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))
    frame.attrs["time_unit"] = "D"
    return frame


# ----------------------------------------------------------------------------- scores by hand


def test_distinct_values_n5_give_equal_groups():
    s = summary(revenue=[float(v) for v in range(10, 0, -1)])  # c0 best ... c9 worst
    assert rfm_scores(s, n=5)["M"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_distinct_values_n3_uneven_count():
    # b = customers strictly worse; score = 1 + floor(3 b / 7): b 0,1,2 -> 1; 3,4 -> 2; 5,6 -> 3
    s = summary(revenue=[float(v) for v in range(7)])
    assert rfm_scores(s, n=3)["M"].tolist() == [1, 1, 1, 2, 2, 3, 3]


def test_ties_share_the_score_of_their_worst_placed_member_n5():
    # 6 zeros (b=0 -> 1); two 1s (b=6 -> 1+30//10 = 4); 2 (b=8 -> 5); 5 (b=9 -> 5)
    s = summary(frequency=[0, 0, 0, 0, 0, 0, 1, 1, 2, 5])
    assert rfm_scores(s, n=5)["F"].tolist() == [1] * 6 + [4, 4, 5, 5]


def test_ties_n3():
    # same data, n = 3: zeros -> 1; 1s: 1+18//10 = 2; 2: 1+24//10 = 3; 5: 1+27//10 = 3
    s = summary(frequency=[0, 0, 0, 0, 0, 0, 1, 1, 2, 5])
    assert rfm_scores(s, n=3)["F"].tolist() == [1] * 6 + [2, 2, 3, 3]


@pytest.mark.parametrize("n", [3, 5])
def test_all_zero_frequency_scores_one(n):
    s = summary(frequency=[0] * 8)
    assert set(rfm_scores(s, n=n)["F"]) == {1}


def test_recency_score_uses_time_since_last_purchase():
    # T - recency = 0, 2, 2, 10, 5 (smaller is better); strictly worse counts 4, 2, 2, 0, 1
    s = summary(T=[10.0] * 5, recency=[10.0, 8.0, 8.0, 0.0, 5.0])
    assert rfm_scores(s, n=5)["R"].tolist() == [5, 3, 3, 1, 2]


def test_recency_compares_across_different_tenures():
    # same age at last purchase, different T: the one who bought more recently scores higher
    s = summary(T=[50.0, 200.0], recency=[40.0, 40.0])
    assert rfm_scores(s, n=2)["R"].tolist() == [2, 1]


def test_monetary_column_is_a_parameter():
    s = summary(revenue=[1.0, 2.0, 3.0], monetary_value=[3.0, 2.0, 1.0])
    assert rfm_scores(s, n=3)["M"].tolist() == [1, 2, 3]
    assert rfm_scores(s, n=3, monetary="monetary_value")["M"].tolist() == [3, 2, 1]


def test_frequency_can_come_from_n_transactions():
    s = summary(frequency=[0, 0, 0], n_transactions=[1, 2, 3])
    assert rfm_scores(s, n=3, frequency="n_transactions")["F"].tolist() == [1, 2, 3]


def test_cell_string_and_weighted_score():
    s = summary(T=[10.0] * 3, recency=[10.0, 5.0, 0.0], frequency=[0, 3, 1], revenue=[5.0, 1.0, 9.0])
    out = rfm_scores(s, n=3, weights=(3, 2, 1))
    # R: since_last 0,5,10 -> 3,2,1; F: 0,3,1 -> 1,3,2; M: 5,1,9 -> 2,1,3
    assert out["rfm_cell"].tolist() == ["312", "231", "123"]
    assert out["rfm_score"].tolist() == [3 * 3 + 2 * 1 + 2, 3 * 2 + 2 * 3 + 1, 3 * 1 + 2 * 2 + 3]
    assert out.index.name == "customer_id"


def test_new_customers_are_scored_against_the_reference_and_clipped():
    scorer = RFMScorer(5).fit(summary(revenue=[1.0, 2.0, 3.0, 4.0, 5.0]))
    new = summary(revenue=[100.0, -1.0, 3.0])
    # 100 beats all 5 -> 1 + 25//5 = 6 -> clipped to 5; -1 beats none -> 1; 3 beats two -> 1 + 10//5 = 3
    assert scorer.transform(new)["M"].tolist() == [5, 1, 3]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=60),
    n=st.integers(min_value=2, max_value=9),
)
def test_scores_match_scipy_min_rank_formula(values, n):
    s = summary(revenue=[float(v) for v in values])
    scores = rfm_scores(s, n=n)["M"].to_numpy()
    expected = 1 + np.floor(n * (rankdata(values, method="min") - 1) / len(values)).astype(int)
    np.testing.assert_array_equal(scores, expected)
    assert scores.min() >= 1 and scores.max() <= n
    for v in set(values):  # ties never split
        assert len(set(scores[np.array(values) == v])) == 1


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=2, max_value=80), n=st.integers(min_value=2, max_value=9))
def test_without_ties_groups_differ_by_at_most_one(size, n):
    s = summary(revenue=[float(v) for v in np.random.default_rng(size).permutation(size)])
    counts = rfm_scores(s, n=n)["M"].value_counts().reindex(range(1, n + 1), fill_value=0)
    if size >= n:
        assert counts.max() - counts.min() <= 1


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs, word",
    [({"n": 1}, "n: Input should be"), ({"n": 10}, "n: Input should be"), ({"frequency": "freq"}, "frequency"), ({"monetary": "x"}, "monetary"),
     ({"weights": (1, 1)}, "weights")],
)
def test_bad_parameters_name_the_parameter(kwargs, word):
    with pytest.raises(ParamsError, match=word):
        rfm_scores(summary(revenue=[1.0, 2.0]), **kwargs)


def test_missing_column_is_a_data_error_naming_it():
    s = summary(revenue=[1.0, 2.0]).drop(columns="T")
    with pytest.raises(DataError, match="'T'.*available"):
        rfm_scores(s)


def test_missing_values_name_column_count_and_customer():
    s = summary(revenue=[1.0, np.nan, 3.0])
    with pytest.raises(DataError, match=r"'revenue'.*1 missing.*c1"):
        rfm_scores(s)


# ----------------------------------------------------------------------------- named segments


def test_default_map_cells_by_hand():
    # since_last 0..4 -> R 5..1; frequency -> F: b(0)=1, d(10)=2, c(20)=3, e(30)=4, a(40)=5
    s = summary(T=[10.0] * 5, recency=[10.0, 9.0, 8.0, 7.0, 6.0], frequency=[40, 0, 20, 10, 30])
    labels = RFMSegmenter().fit_assign(s)
    # (R, F): a (5,5) Champions; b (4,1) Promising; c (3,3) Need attention; d (2,2) Hibernating;
    # e (1,4) At risk -- the practitioners' 5 x 5 map
    assert labels.astype(str).tolist() == ["Champions", "Promising", "Need attention", "Hibernating", "At risk"]


def test_segments_are_ordered_best_first_with_chinese_labels():
    seg = RFMSegmenter(language="zh").fit(summary(revenue=[1.0, 2.0], frequency=[0, 1]))
    expected_en = ["Champions", "Loyal", "Potential loyalist", "New", "Promising", "Need attention",
                   "About to sleep", "At risk", "Can't lose", "Hibernating", "Lost"]
    assert list(seg.tier_labels_["en"]) == expected_en
    assert seg.tiers_[0] == "冠军客户" and seg.tiers_[-1] == "已流失客户"


def test_most_one_time_buyers_fall_in_f1_segments():
    # 7 of 10 bought once: all F = 1; recent ones are New/Promising, old ones Lost/About to sleep
    s = summary(T=[100.0] * 10, recency=[float(r) for r in range(100, 0, -10)], frequency=[0] * 7 + [3, 4, 5])
    labels = RFMSegmenter().fit_assign(s)
    scores = rfm_scores(s)
    assert (scores["F"].iloc[:7] == 1).all()
    assert set(labels.iloc[:7].astype(str)) <= {"New", "Promising", "About to sleep", "Hibernating", "Lost"}


def test_custom_map_for_n3():
    segments = [
        {"label": {"en": "Best", "zh": "最佳"}, "cells": [{"r": 3, "f": [2, 3]}]},
        {"label": {"en": "Fading", "zh": "减弱"}, "cells": [{"r": [1, 2], "f": [2, 3]}]},
        {"label": {"en": "Once", "zh": "一次"}, "cells": [{"r": [1, 3], "f": 1}]},
    ]
    # R from since_last 0, 5, 10 -> 3, 2, 1; F from frequency 5, 5, 0 -> 2, 2, 1
    s = summary(T=[10.0] * 3, recency=[10.0, 5.0, 0.0], frequency=[5, 5, 0])
    labels = RFMSegmenter(3, segments=segments).fit_assign(s)
    assert labels.astype(str).tolist() == ["Best", "Fading", "Once"]
    assert list(labels.cat.categories) == ["Best", "Fading", "Once"]


@pytest.mark.parametrize(
    "segments, key",
    [
        ([{"label": "A", "cells": [{"r": [1, 5], "f": [1, 5]}]}, {"label": "B", "cells": [{"r": 1, "f": 1}]}], r"segments\[1\]\.cells\[0\].*already in segment 'A'"),
        ([{"label": "A", "cells": [{"r": [1, 5], "f": [1, 4]}]}], r"segments: 5 cells .* in no segment"),
        ([{"label": "A", "cells": [{"r": [1, 6], "f": [1, 5]}]}], r"segments\[0\]\.cells\[0\]\.r.*outside the scores 1\.\.5"),
        ([{"label": "A", "cells": [{"r": [5, 1], "f": [1, 5]}]}], r"segments\[0\]\.cells\[0\]\.r.*reversed"),
        ([{"cells": [{"r": [1, 5], "f": [1, 5]}]}], r"segments\[0\]\.label"),
    ],
)
def test_bad_segment_maps_name_the_key(segments, key):
    with pytest.raises(ParamsError, match=key):
        RFMSegmenter(segments=segments).fit(summary(revenue=[1.0, 2.0]))


def test_default_map_does_not_fit_n3():
    with pytest.raises(ParamsError, match=r"outside the scores 1\.\.3"):
        RFMSegmenter(3).fit(summary(revenue=[1.0, 2.0]))


def test_score_tiers_on_the_weighted_score():
    # n = 4. since_last 0, 5, 10, 0 -> R 3, 2, 1, 3; frequency 0, 3, 1, 3 -> F 1, 3, 2, 3;
    # revenue 5, 1, 9, 9 -> M 2, 1, 3, 3; rfm_score = 6, 6, 6, 9
    s = summary(T=[10.0] * 4, recency=[10.0, 5.0, 0.0, 10.0], frequency=[0, 3, 1, 3], revenue=[5.0, 1.0, 9.0, 9.0])
    tiers = RFMScoreTiers(n=4, thresholds=[9, 6], labels=["A", "B", "C"]).fit_assign(s)
    assert tiers.astype(str).tolist() == ["B", "B", "B", "A"]
    f_tiers = RFMScoreTiers("F", n=4, thresholds=[3], labels=["F3+", "F<3"]).fit_assign(s)
    assert f_tiers.astype(str).tolist() == ["F<3", "F3+", "F<3", "F3+"]


# ----------------------------------------------------------------------------- CDNOW smoke test


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    from workbench.data.datasets import load_cdnow

    return load_cdnow("master")


@pytest.fixture(scope="module")
def cdnow_summary(cdnow_transactions) -> pd.DataFrame:
    from workbench.summary import rfm_summary

    return rfm_summary(cdnow_transactions, observation_end="1998-06-30", time_unit="D")


def test_cdnow_scores(cdnow_summary):
    s = cdnow_summary
    assert len(s) == 23_570
    scores = rfm_scores(s)
    assert scores[["R", "F", "M"]].isin(range(1, 6)).all().all()
    # about half the customers never came back (frequency 0): they, and only they, have F = 1
    one_timers = s["frequency"] == 0
    assert 0.45 < one_timers.mean() < 0.6
    assert (scores["F"] == 1).equals(one_timers)
    # M on total spend has few ties: five near-equal groups
    assert scores["M"].value_counts(normalize=True).between(0.18, 0.22).all()
    labels = RFMSegmenter().fit_assign(s)
    assert labels.notna().all() and len(labels) == len(s)
    # CDNOW's customers were all acquired in 1997 Q1: no one-time buyer is recent, New is empty
    assert (labels == "New").sum() == 0
    champions = labels == "Champions"
    assert s.loc[champions, "revenue"].mean() > 3 * s.loc[labels == "Lost", "revenue"].mean()


def test_cdnow_tiers_do_not_depend_on_the_time_unit(cdnow_transactions, cdnow_summary):
    """Weeks are days / 7: every default scheme must give the same tiers (no float-noise ties)."""
    from workbench.summary import rfm_summary

    from workbench.models.selection import fit_and_predict

    weeks = fit_and_predict(rfm_summary(cdnow_transactions, observation_end="1998-06-30", time_unit="W"))
    days = fit_and_predict(cdnow_summary)
    for seg in build_segmenters():
        days_labels = seg.fit_assign(days).cat.codes
        assert seg.fit_assign(weeks).cat.codes.equals(days_labels), seg.name
