"""Clustering tiers against known truth: planted clusters (make_planted_clusters) recovered by every
method, attributes used by k-prototypes, k chosen right, a planted unstable cluster flagged by the
bootstrap, determinism, new customers assigned by the fitted rule, and k-prototypes' objective
checked against a brute-force second implementation and against the kmodes package."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from workbench.cluster import (
    FeatureSet,
    GaussianMixtureTiers,
    HDBSCANTiers,
    KMeansTiers,
    KPrototypesTiers,
    WardTiers,
)
from workbench.cluster.kprototypes import KPrototypes, default_gamma
from workbench.cluster.methods import embedding
from workbench.cluster.naming import describe
from workbench.cluster.stability import band, jaccard_matrix
from workbench.data.synthetic import make_planted_clusters
from workbench.errors import DataError, ParamsError
from workbench.segment import TiersConfig, build_segmenters

NUMERIC3 = [{"column": c} for c in ("x0", "x1", "x2")]
ALL_METHODS = (KMeansTiers, GaussianMixtureTiers, WardTiers, HDBSCANTiers, KPrototypesTiers)


def codes(series: pd.Series) -> np.ndarray:
    return series.cat.codes.to_numpy()


@pytest.fixture(scope="module")
def numeric_planted():
    return make_planted_clusters(3000, 4, n_numeric=3, n_categorical=0, separation=3.0, seed=5)


@pytest.fixture(scope="module")
def mixed_planted():
    """Numeric columns on raw scales 1, 10, 1000 that alone separate the clusters only partly,
    and three attributes that lean towards their cluster's level."""
    frame, truth = make_planted_clusters(4000, 4, n_numeric=3, n_categorical=3, separation=1.5, purity=0.9,
                                         scales=[1, 10, 1000], seed=2)
    features = NUMERIC3 + [{"column": c, "kind": "categorical"} for c in ("a0", "a1", "a2")]
    return frame, truth, features


# ----------------------------------------------------------------------------- recovery


@pytest.mark.parametrize("method", ALL_METHODS, ids=lambda m: m.KIND)
def test_every_method_recovers_planted_numeric_clusters_and_their_number(method, numeric_planted):
    frame, truth = numeric_planted
    seg = method(features=NUMERIC3, value_column="x0").fit(frame)
    assert seg.k_ == 4
    assert adjusted_rand_score(truth, codes(seg.assign(frame))) > 0.9
    if seg.selection_ is not None:  # every index finds the planted k on clear clusters
        assert set(seg.selection_.picks.values()) == {4}, seg.selection_.table


def test_kprototypes_recovers_planted_mixed_clusters_using_the_attributes(mixed_planted):
    frame, truth, features = mixed_planted
    mixed = adjusted_rand_score(truth, codes(KPrototypesTiers(features=features, k=4, value_column="x0").fit_assign(frame)))
    numeric_only = adjusted_rand_score(truth, codes(KMeansTiers(features=NUMERIC3, k=4, value_column="x0").fit_assign(frame)))
    assert mixed > 0.9
    assert mixed > numeric_only + 0.15  # the attributes carry the rest of the signal


def test_tiers_are_ordered_by_the_value_column_best_first(numeric_planted):
    frame, truth = numeric_planted
    tiers = KPrototypesTiers(features=NUMERIC3, k=4, value_column="x1").fit_assign(frame)
    means = frame["x1"].groupby(tiers, observed=True).mean()
    assert list(means.index) == list(tiers.cat.categories) and means.is_monotonic_decreasing


# ----------------------------------------------------------------------------- assignment and determinism


@pytest.mark.parametrize("method", ALL_METHODS, ids=lambda m: m.KIND)
def test_new_customers_are_assigned_by_the_fitted_rule(method):
    frame, truth = make_planted_clusters(4000, 4, n_numeric=3, n_categorical=0, separation=3.0, seed=5)
    fit_rows = np.arange(len(frame)) < 3000
    seg = method(features=NUMERIC3, k=4, value_column="x0") if method.METHOD.uses_k else method(features=NUMERIC3, value_column="x0")
    fitted = seg.fit_assign(frame[fit_rows])
    everyone = seg.assign(frame)
    pd.testing.assert_series_equal(everyone[fit_rows], fitted)  # the fitted customers keep their tiers
    new, new_truth = codes(everyone[~fit_rows]), truth[~fit_rows]
    if not method.METHOD.uses_k:  # HDBSCAN: the last tier is noise, as often for new customers as at fit
        noise = len(seg.tiers_) - 1
        assert abs((new == noise).mean() - (codes(fitted) == noise).mean()) < 0.05
        new, new_truth = new[new != noise], new_truth[new != noise]
    assert adjusted_rand_score(new_truth, new) > 0.9
    assert everyone.name == seg.name and list(everyone.cat.categories) == seg.tiers_


@pytest.mark.parametrize("method", ALL_METHODS, ids=lambda m: m.KIND)
def test_fits_are_deterministic_under_random_state(method, mixed_planted):
    frame, _, _ = mixed_planted
    sub = frame.iloc[:1500]
    first = method(features=NUMERIC3, value_column="x0", random_state=3).fit_assign(sub)
    again = method(features=NUMERIC3, value_column="x0", random_state=3).fit_assign(sub)
    pd.testing.assert_series_equal(first, again)


def test_a_category_not_seen_at_fit_matches_no_mode():
    frame, _ = make_planted_clusters(600, 3, n_numeric=2, n_categorical=1, separation=3.0, seed=4)
    features = [{"column": "x0"}, {"column": "x1"}, {"column": "a0", "kind": "categorical"}]
    seg = KPrototypesTiers(features=features, k=3, value_column="x0").fit(frame)
    changed = frame.assign(a0="never seen")
    X, C = seg.features_.transform(changed)
    assert (C == -1).all()
    gamma = seg.method_.model.gamma_
    dist = seg.method_.model._distances(X, C, seg.method_.model.centroids_, seg.method_.model.modes_)
    numeric_part = ((X[:, None, :] - seg.method_.model.centroids_[None]) ** 2).sum(axis=2)
    np.testing.assert_allclose(dist, numeric_part + gamma, atol=1e-9)
    assert len(seg.assign(changed)) == len(frame)


# ----------------------------------------------------------------------------- k-prototypes numerics


def brute_force_cost(numeric, cats, centroids, modes, gamma, labels):
    total = 0.0
    for i in range(len(numeric)):
        c = labels[i]
        total += float(((numeric[i] - centroids[c]) ** 2).sum()) + gamma * int((cats[i] != modes[c]).sum())
    return total


def test_kprototypes_cost_and_prototypes_match_their_definition():
    frame, _ = make_planted_clusters(500, 3, n_numeric=2, n_categorical=2, separation=2.0, seed=12)
    X, C = FeatureSet([{"column": "x0"}, {"column": "x1"}, {"column": "a0", "kind": "categorical"},
                       {"column": "a1", "kind": "categorical"}]).fit_transform(frame)
    model = KPrototypes(3, random_state=0).fit(X, C)
    labels = model.labels_
    # every customer sits with its nearest prototype, and the cost is the sum of those dissimilarities
    brute = np.array([[((X[i] - model.centroids_[c]) ** 2).sum() + model.gamma_ * (C[i] != model.modes_[c]).sum()
                       for c in range(3)] for i in range(len(X))])
    np.testing.assert_array_equal(labels, brute.argmin(axis=1))
    assert model.cost_ == pytest.approx(brute_force_cost(X, C, model.centroids_, model.modes_, model.gamma_, labels), rel=1e-9)
    # at convergence the prototypes are their members' means and modes
    for c in range(3):
        np.testing.assert_allclose(model.centroids_[c], X[labels == c].mean(axis=0), atol=1e-9)
        for j in range(C.shape[1]):
            counts = np.bincount(C[labels == c, j], minlength=C[:, j].max() + 1)
            assert counts[model.modes_[c, j]] == counts.max()
    assert model.gamma_ == pytest.approx(0.5 * X.std(axis=0).mean())


def test_kprototypes_reaches_the_kmodes_package_optimum():
    """kmodes.KPrototypes (the reference implementation) on the same features and gamma: ours
    finds a partition at least as good (within 0.1 %) and essentially the same one."""
    kmodes = pytest.importorskip("kmodes.kprototypes", reason="kmodes is a dev dependency (pip install -e .[dev])")
    frame, _ = make_planted_clusters(1500, 3, n_numeric=2, n_categorical=2, separation=2.0, seed=13)
    X, C = FeatureSet([{"column": "x0"}, {"column": "x1"}, {"column": "a0", "kind": "categorical"},
                       {"column": "a1", "kind": "categorical"}]).fit_transform(frame)
    gamma = default_gamma(X)
    ours = KPrototypes(3, gamma=gamma, random_state=0).fit(X, C)
    ref = kmodes.KPrototypes(3, gamma=gamma, init="Huang", n_init=4, random_state=0, n_jobs=1)
    ref_labels = ref.fit_predict(np.column_stack([X, C]).astype(object), categorical=[2, 3])
    assert ours.cost_ <= ref.cost_ * 1.001
    assert adjusted_rand_score(ref_labels, ours.labels_) > 0.95


def test_the_embedding_turns_the_dissimilarity_into_squared_distances():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    C = rng.integers(0, 3, size=(40, 2))
    Z = embedding(X, C, np.array([3, 3]), gamma=0.7)
    for i, j in itertools.combinations(range(40), 2):
        expected = ((X[i] - X[j]) ** 2).sum() + 0.7 * (C[i] != C[j]).sum()
        assert ((Z[i] - Z[j]) ** 2).sum() == pytest.approx(expected)


# ----------------------------------------------------------------------------- stability


def square_and_two_blobs(seed: int = 3) -> pd.DataFrame:
    """Two round clusters and one uniform square: with k = 4 the square is cut in two, along
    either of its two equally good axes, so those two halves are not real clusters."""
    rng = np.random.default_rng(seed)
    n = 600
    X = np.vstack([rng.normal([0, 0], 1, (n, 2)), rng.normal([12, 0], 1, (n, 2)), rng.uniform([3, 8], [9, 14], (n, 2))])
    return pd.DataFrame(X, columns=["x0", "x1"], index=pd.Index([f"C{i:05d}" for i in range(len(X))], name="customer_id"))


def test_the_bootstrap_flags_a_planted_unstable_cluster_and_keeps_the_real_ones():
    frame = square_and_two_blobs()
    features = [{"column": "x0"}, {"column": "x1"}]
    seg = KPrototypesTiers(features=features, k=4, n_init=1, value_column="x0").fit(frame)
    table, ari = seg.stability(frame, rounds=20)
    tiers = seg.assign(frame)
    in_square = frame["x1"] > 5
    halves = {t for t in tiers[in_square].unique()}
    assert len(halves) == 2
    assert table.loc[table["tier"].isin(halves), "flagged"].all()
    assert table.loc[~table["tier"].isin(halves), "jaccard"].min() >= 0.85
    right = KPrototypesTiers(features=features, k=3, n_init=1, value_column="x0").fit(frame)
    table3, ari3 = right.stability(frame, rounds=20)
    assert (table3["band"] == "highly stable").all() and ari3.mean() > ari.mean()


def test_jaccard_matrix_matches_sets():
    rng = np.random.default_rng(0)
    a, b = rng.integers(-1, 3, 200), rng.integers(-1, 4, 200)
    got = jaccard_matrix(a, b, 3, 4)
    for i in range(3):
        for j in range(4):
            A, B = set(np.flatnonzero(a == i)), set(np.flatnonzero(b == j))
            assert got[i, j] == pytest.approx(len(A & B) / len(A | B))


@pytest.mark.parametrize("score, expected", [(0.5, "dissolved"), (0.55, "unstable"), (0.6, "doubtful"),
                                             (0.75, "stable"), (0.85, "highly stable"), (1.0, "highly stable")])
def test_hennig_bands(score, expected):
    assert band(score) == expected


# ----------------------------------------------------------------------------- names


def test_clusters_are_named_from_their_profile_in_both_languages():
    rng = np.random.default_rng(2)
    n = 300
    profile = pd.DataFrame({
        "frequency": np.r_[rng.poisson(20, n), rng.poisson(1, n)],
        "since_last": np.r_[rng.uniform(0, 5, n), rng.uniform(30, 60, n)],
        "spend_per_purchase": np.r_[rng.lognormal(5, 0.2, n), rng.lognormal(3, 0.2, n)],
        # 80 % enterprise in the first cluster, 20 % in the second: weaker than the behaviour
        "nature": np.r_[np.where(np.arange(n) < 0.8 * n, "enterprise", "individual"),
                        np.where(np.arange(n) < 0.2 * n, "enterprise", "individual")],
    })
    labels = np.r_[np.zeros(n, int), np.ones(n, int)]
    top, low = describe(profile, labels, ["frequency", "since_last", "spend_per_purchase"], ["nature"], 2)
    assert top.en == "frequent, recent, high spend" and top.zh == "高频、近期、高消费"
    assert low.en == "infrequent, lapsed, low spend" and low.zh == "低频、久未购买、低消费"
    same = describe(profile.assign(frequency=1, since_last=1.0, spend_per_purchase=1.0), labels,
                    ["frequency", "since_last", "spend_per_purchase"], ["nature"], 2)
    assert [s.en for s in same] == ["mostly enterprise", "mostly individual"]
    assert [s.zh for s in same] == ["以enterprise为主", "以individual为主"]
    flat = describe(profile.assign(frequency=1, since_last=1.0, spend_per_purchase=1.0, nature="x"), labels,
                    ["frequency", "since_last", "spend_per_purchase"], ["nature"], 2)
    assert [(s.en, s.zh) for s in flat] == [("typical", "中等"), ("typical (2)", "中等（2）")]


# ----------------------------------------------------------------------------- params and bad input


def test_cluster_kinds_come_from_yaml_and_fit_like_any_scheme(mixed_planted):
    frame, truth, features = mixed_planted
    config = TiersConfig.parse({"schemes": [{"name": "segments", "kind": "kprototypes", "features": features,
                                             "value_column": "x0", "k_range": [2, 6], "criterion": "gap"}]})
    (seg,) = build_segmenters(config)
    tiers = seg.fit_assign(frame)
    assert seg.k_ == 4 and seg.selection_.criterion == "gap"
    assert "gap" in seg.selection_.reason() and "k = 4" in seg.selection_.reason()
    assert adjusted_rand_score(truth, codes(tiers)) > 0.9


@pytest.mark.parametrize("entry, message", [
    ({"kind": "kmeans", "k_range": [5, 3]}, "tiers.schemes[0].k_range"),
    ({"kind": "kmeans", "k": 1}, "tiers.schemes[0].k"),
    ({"kind": "kmeans", "criterion": "bic"}, "tiers.schemes[0].criterion"),
    ({"kind": "kprototypes", "criterion": "gap", "gap_references": 0}, "gap_references"),
    ({"kind": "kprototypes", "features": [{"column": "x0", "transform": "sqrt"}]}, "transform"),
    ({"kind": "hdbscan", "k": 3}, "unknown key"),
    ({"kind": "gmm", "covariance_type": "round"}, "covariance_type"),
])
def test_bad_cluster_params_are_named(entry, message):
    with pytest.raises(ParamsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        TiersConfig.parse({"schemes": [{"name": "c", **entry}]})


def test_attributes_in_a_numeric_only_method_are_refused_with_the_way_out(mixed_planted):
    frame, _, features = mixed_planted
    with pytest.raises(ParamsError, match=r"KMeansTiers\(name='kmeans'\): features a0, a1, a2 are attributes.*kprototypes"):
        KMeansTiers(features=features, k=3, value_column="x0").fit(frame)


def test_a_missing_feature_column_lists_what_there_is(numeric_planted):
    frame, _ = numeric_planted
    with pytest.raises(DataError, match=r"column 'visits' is not in the summary; available: x0, x1, x2.*since_last"):
        KMeansTiers(features=[{"column": "visits"}], k=3, value_column="x0").fit(frame)


@pytest.mark.parametrize("settings", [{"k": 5}, {"k_range": [5, 8]}], ids=["k", "k_range"])
def test_more_clusters_than_customers_is_a_clear_error(settings, numeric_planted):
    frame, _ = numeric_planted
    with pytest.raises(DataError, match=r"5 clusters need more customers than that; the summary has 4"):
        KPrototypesTiers(features=NUMERIC3, value_column="x0", **settings).fit(frame.iloc[:4])


def test_kmeans_switches_to_mini_batches_above_the_size_from_params(numeric_planted):
    from sklearn.cluster import KMeans, MiniBatchKMeans

    frame, truth = numeric_planted
    small = KMeansTiers(features=NUMERIC3, k=4, value_column="x0").fit(frame)
    large = KMeansTiers(features=NUMERIC3, k=4, value_column="x0", minibatch_above=1000).fit(frame)
    assert type(small.method_.model) is KMeans and type(large.method_.model) is MiniBatchKMeans
    assert adjusted_rand_score(truth, codes(large.assign(frame))) > 0.9
