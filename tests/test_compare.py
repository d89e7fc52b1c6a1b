"""The method comparison's scores against planted truth and second implementations: an oracle
tiering ranks first and a random one last on value (and on churn with planted churn); the
normalised Gini with ties equals the mean over random tie-breaks; migration tables agree with the
assignments; a two-state chain has its analytic stationary distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.compare.migration import churn_tiers
from workbench.compare import (
    agreement_matrix,
    bootstrap_scores,
    churn_scores,
    cost_scores,
    crosstab,
    migration_table,
    migration_rates,
    normalized_gini,
    recommendation,
    rank_methods,
    shape_scores,
    shift_scores,
    stationary_distribution,
    tier_churn,
    tier_value,
    transition_matrix,
    value_calibration,
    value_scores,
)
from workbench.errors import DataError
from workbench.segment.score import ScoreTiers

N = 4000


def tiers(codes, k: int, name: str = "s") -> pd.Series:
    labels = [f"T{i}" for i in range(k)]
    index = pd.Index([f"c{i:05d}" for i in range(len(codes))], name="customer_id")
    return pd.Series(pd.Categorical.from_codes(np.asarray(codes), categories=labels, ordered=True), index=index, name=name)


def by_quartile(score: np.ndarray, name: str) -> pd.Series:
    """Four tiers, best (highest score) first."""
    ranks = pd.Series(score).rank(method="first", ascending=False).to_numpy()
    return tiers(((ranks - 1) * 4 // len(score)).astype(int), 4, name)


@pytest.fixture(scope="module")
def planted():
    """Customers with a latent value (log-normal) and a churn hazard that falls with it: holdout
    revenue is gamma noise around the value; time to churn is exponential with that hazard,
    censored at 180 days."""
    rng = np.random.default_rng(11)
    value = rng.lognormal(3, 1, N)
    revenue = rng.gamma(2.0, value / 2.0) * (rng.random(N) < 0.8)
    hazard = 0.01 * np.exp(-0.8 * (np.log(value) - 3))
    life = rng.exponential(1 / hazard)
    index = pd.Index([f"c{i:05d}" for i in range(N)], name="customer_id")
    summary = pd.DataFrame({"revenue_holdout": revenue, "frequency_holdout": (revenue > 0).astype(int),
                            "value": value}, index=index)
    outcomes = pd.DataFrame({"residual": np.minimum(life, 180.0), "churned": life <= 180}, index=index)
    labels = {"oracle": by_quartile(value, "oracle"),
              "noisy": by_quartile(value * rng.lognormal(0, 1.5, N), "noisy"),
              "random": tiers(rng.integers(0, 4, N), 4, "random")}
    return summary, outcomes, labels


def test_the_oracle_ranks_first_and_random_last_on_value(planted):
    summary, outcomes, labels = planted
    scores = {name: {**value_scores(lab, summary["revenue_holdout"]), **churn_scores(lab, summary, outcomes)}
              for name, lab in labels.items()}
    assert scores["oracle"]["normalized_gini"] > scores["noisy"]["normalized_gini"] > scores["random"]["normalized_gini"]
    assert abs(scores["random"]["normalized_gini"]) < 0.05 and scores["oracle"]["normalized_gini"] > 0.6
    assert scores["oracle"]["monotone"] == 1.0 and scores["oracle"]["spearman"] > scores["random"]["spearman"] + 0.3
    card = rank_methods(scores)
    assert list(card.index) == ["oracle", "noisy", "random"]
    assert card["rank_value"].idxmin() == "oracle" and card["rank_value"].idxmax() == "random"
    assert card["rank_churn"].idxmin() == "oracle" and recommendation(card)["churn"] == "oracle"
    assert scores["oracle"]["churn_c"] > 0.6 and abs(scores["random"]["churn_c"] - 0.5) < 0.03
    assert scores["oracle"]["logrank_p"] < 1e-6 < scores["random"]["logrank_p"]


def test_a_churn_oracle_wins_on_churn_but_not_on_value():
    """Churn planted independently of value: the tiering by hazard is first on churn, the
    tiering by value first on value."""
    rng = np.random.default_rng(5)
    value, hazard = rng.lognormal(3, 1, N), rng.lognormal(-4.5, 0.8, N)
    life = rng.exponential(1 / hazard)
    summary = pd.DataFrame({"revenue_holdout": rng.gamma(2.0, value / 2.0), "frequency_holdout": (life > 60).astype(int)},
                           index=pd.Index([f"c{i:05d}" for i in range(N)], name="customer_id"))
    outcomes = pd.DataFrame({"residual": np.minimum(life, 200.0), "churned": life <= 200}, index=summary.index)
    labels = {"by_value": by_quartile(value, "by_value"), "by_hazard": by_quartile(-hazard, "by_hazard")}
    scores = {n: {**value_scores(lab, summary["revenue_holdout"]), **churn_scores(lab, summary, outcomes)}
              for n, lab in labels.items()}
    card = rank_methods(scores)
    assert card["rank_churn"].idxmin() == "by_hazard" and card["rank_value"].idxmin() == "by_value"
    assert scores["by_hazard"]["inactive_spearman"] > 0.2 > abs(scores["by_value"]["inactive_spearman"])


def test_normalized_gini_with_ties_is_the_mean_over_random_tie_breaks(planted):
    summary, _, labels = planted
    values = summary["revenue_holdout"].to_numpy()
    lab = labels["noisy"]
    rng = np.random.default_rng(0)

    def gini_of_order(order: np.ndarray) -> float:  # a second implementation: per-customer steps
        y = np.r_[0.0, np.cumsum(values[order])] / values.sum()
        x = np.linspace(0, 1, len(order) + 1)
        return 2 * np.trapezoid(y, x) - 1

    best = gini_of_order(np.argsort(-values))
    draws = [gini_of_order(np.lexsort((rng.random(N), lab.cat.codes.to_numpy()))) / best for _ in range(200)]
    assert normalized_gini(lab, summary["revenue_holdout"]) == pytest.approx(np.mean(draws), abs=3 * np.std(draws) / np.sqrt(200) + 1e-4)
    # one customer per tier: no ties, the plain normalised Gini of the ranking
    order = np.argsort(-summary["value"].to_numpy(), kind="stable")
    codes = np.empty(N, dtype=int)
    codes[order] = np.arange(N)
    assert normalized_gini(tiers(codes, N), summary["revenue_holdout"]) == pytest.approx(gini_of_order(order) / best, abs=1e-12)


def test_tier_tables_add_up(planted):
    summary, outcomes, labels = planted
    lab = labels["oracle"]
    table = tier_value(lab, summary["revenue_holdout"])
    assert table["customers"].sum() == N and table["value_share"].sum() == pytest.approx(1.0)
    assert table["value_per_customer"].is_monotonic_decreasing
    np.testing.assert_allclose(table["lift"], table["value_share"] / table["customer_share"])
    churn = tier_churn(lab, summary, outcomes, horizon=90)
    idle = summary["frequency_holdout"] == 0
    assert churn.loc["T3", "inactive_share"] == pytest.approx(idle[lab == "T3"].mean())
    expected = ((outcomes["residual"] <= 90) & outcomes["churned"])[lab == "T0"].mean()
    assert churn.loc["T0", "churn_share"] == pytest.approx(expected) and churn["at_risk"].sum() == N
    with pytest.raises(DataError, match="labelled customers have no holdout value"):
        tier_value(lab, summary["revenue_holdout"].iloc[:-3])
    with pytest.raises(DataError, match="ordered categorical"):
        value_scores(lab.astype(str), summary["revenue_holdout"])


def test_shape_cost_and_calibration_on_hand_examples():
    even = tiers([0, 1, 2, 3] * 25, 4)
    assert shape_scores(even) == {"tiers": 4.0, "entropy": pytest.approx(1.0), "smallest_share": 0.25, "largest_share": 0.25}
    skewed = tiers([0] * 90 + [1] * 10, 3)
    share = np.array([0.9, 0.1])
    assert shape_scores(skewed)["entropy"] == pytest.approx(-(share * np.log(share)).sum() / np.log(2))
    assert shape_scores(skewed)["tiers"] == 2.0
    labels = tiers([0, 0, 1, 1], 2)
    revenue = pd.Series([10.0, 0.0, 2.0, 4.0], index=labels.index)
    flat = cost_scores(labels, pd.Series({"T0": 5.0, "T1": 5.0}), revenue)
    assert flat["targeting_lift"] == pytest.approx(1.0) and flat["idle_cost_share"] == pytest.approx(0.25)
    scores = cost_scores(labels, pd.Series({"T0": 3.0, "T1": 1.0}), revenue)
    # cost-weighted revenue (3*10 + 3*0 + 1*2 + 1*4) / 8 = 4.5 against mean 4
    assert scores["targeting_lift"] == pytest.approx(4.5 / 4.0) and scores["idle_cost_share"] == pytest.approx(3 / 8)
    assert np.isnan(cost_scores(labels, pd.Series({"T0": 3.0}), revenue)["targeting_lift"])
    actual = pd.Series(np.arange(1.0, 101.0), index=[f"c{i}" for i in range(100)])
    _, perfect = value_calibration(actual, actual)
    assert perfect["decile_error"] == pytest.approx(0.0) and perfect["total_error"] == pytest.approx(0.0)
    table, doubled = value_calibration(2 * actual, actual)
    assert doubled["total_error"] == pytest.approx(1.0) and doubled["decile_error"] == pytest.approx(1.0)
    assert list(table["customers"]) == [10] * 10 and table["actual"].is_monotonic_decreasing


def test_migration_tables_agree_with_the_assignments():
    rng = np.random.default_rng(2)
    before = tiers(rng.integers(0, 3, 600), 3, "s")
    moved = np.clip(before.cat.codes.to_numpy() + rng.integers(-1, 2, 600), 0, 2)
    after = tiers(moved, 3, "s").iloc[50:]  # 50 customers gone from the later snapshot
    extra = tiers([1] * 20, 3, "s")
    extra.index = pd.Index([f"n{i}" for i in range(20)], name="customer_id")
    after = pd.concat([after, extra])
    matrix = transition_matrix(before, after)
    common = before.index.intersection(after.index)
    assert matrix.to_numpy().sum() == len(common) == 550
    np.testing.assert_array_equal(matrix.sum(axis=1), before.reindex(common).value_counts(sort=False).to_numpy())
    np.testing.assert_array_equal(matrix.sum(axis=0), after.reindex(common).value_counts(sort=False).to_numpy())
    rates = migration_rates(before, after)
    assert rates["stay"] + rates["up"] + rates["down"] == pytest.approx(1.0)
    c = matrix.to_numpy()
    assert rates["up"] == pytest.approx(np.tril(c, -1).sum() / c.sum()) and rates["new"] == 20
    assert rates["to_churned"] == pytest.approx(c[:2, 2].sum() / c.sum())  # no label names churn: the last tier
    table = migration_table([("2020-01", before), ("2020-04", after), ("2020-07", after)])
    assert list(table["from"]) == ["2020-01", "2020-04"] and table.loc[1, "stay"] == 1.0


def test_churned_tiers_are_named_by_their_english_label():
    labels = tiers([0, 1, 2, 3, 2, 1], 4)
    labels.attrs["tier_labels"] = {"en": ["Loyal", "Churned", "Lost", "Prospect"], "zh": ["忠诚", "流失", "已流失", "潜在"]}
    assert churn_tiers(labels) == ["T1", "T2"]
    later = tiers([1, 1, 2, 3, 0, 2], 4)
    later.attrs = labels.attrs
    assert migration_rates(labels, later)["to_churned"] == pytest.approx(1 / 6)  # only c0 moves in from outside
    assert churn_tiers(tiers([0, 1], 2)) == ["T1"]


def test_a_two_state_chain_settles_at_its_analytic_distribution():
    p, q = 0.2, 0.05  # leave state 0 with p, state 1 with q
    matrix = pd.DataFrame([[800, 200], [50, 950]], index=pd.Index(["a", "b"], name="before"), columns=["a", "b"])
    pi = stationary_distribution(matrix)
    np.testing.assert_allclose(pi.to_numpy(), [q / (p + q), p / (p + q)])
    P = matrix.to_numpy() / matrix.to_numpy().sum(axis=1, keepdims=True)
    np.testing.assert_allclose(pi.to_numpy() @ P, pi.to_numpy())


def test_agreement_is_one_for_a_relabelling_and_near_zero_for_random():
    rng = np.random.default_rng(4)
    a = tiers(rng.integers(0, 4, 2000), 4, "a")
    relabelled = tiers(3 - a.cat.codes.to_numpy(), 4, "b")
    noise = tiers(rng.integers(0, 3, 2000), 3, "c")
    ari, nmi = agreement_matrix({"a": a, "b": relabelled, "c": noise})
    assert ari.loc["a", "b"] == pytest.approx(1.0) and nmi.loc["a", "b"] == pytest.approx(1.0)
    assert abs(ari.loc["a", "c"]) < 0.01 and ari.equals(ari.T)
    table = crosstab(a, noise)
    assert table.to_numpy().sum() == 2000 and list(table.index) == ["T0", "T1", "T2", "T3"]
    assert crosstab(a, noise, normalize=True).sum(axis=1).to_numpy() == pytest.approx(np.ones(4))


def test_bootstrap_is_exact_for_fixed_thresholds_and_high_for_quantiles():
    rng = np.random.default_rng(8)
    summary = pd.DataFrame({"revenue": rng.lognormal(3, 1, 3000), "frequency": rng.integers(0, 5, 3000),
                            "recency": 1.0, "T": 10.0}, index=pd.Index([f"c{i}" for i in range(3000)], name="customer_id"))
    summary.attrs["time_unit"] = "W"
    fixed = ScoreTiers("revenue", thresholds=[40, 15], name="fixed")
    scores, table = bootstrap_scores(fixed, summary, fixed.fit_assign(summary), rounds=4, random_state=1)
    assert scores["bootstrap_ari"] == 1.0 and (table["jaccard"] == 1.0).all()
    shares = ScoreTiers("revenue", shares=[0.2, 0.3, 0.5], name="shares")
    scores, table = bootstrap_scores(shares, summary, shares.fit_assign(summary), rounds=6, random_state=1)
    assert 0.8 < scores["bootstrap_ari"] < 1.0 and scores["weakest_jaccard"] > 0.8
    assert list(table.index) == shares.tiers_
    again, _ = bootstrap_scores(shares, summary, shares.fit_assign(summary), rounds=6, random_state=1)
    assert again == scores  # the same seed, the same draws
    labels = shares.fit_assign(summary)
    assert shift_scores(labels, labels) == {"shift_ari": 1.0, "shift_same_tier": 1.0, "shift_customers": 3000.0}
    half = shift_scores(labels, shares.fit_assign(summary.iloc[:1500]))
    assert half["shift_customers"] == 1500 and half["shift_same_tier"] > 0.9


def test_the_same_scores_give_a_byte_identical_scorecard(planted):
    summary, outcomes, labels = planted
    scores = {n: {**value_scores(lab, summary["revenue_holdout"]), **churn_scores(lab, summary, outcomes)} for n, lab in labels.items()}
    assert rank_methods(scores).to_csv().encode() == rank_methods(dict(scores)).to_csv().encode()
