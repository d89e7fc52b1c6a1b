"""The clustering report's helpers: the default scheme, the profile ranks, the feature table in the
report's language, the projection and the findings (the notebook itself runs in test_e2e)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.cluster import KMeansTiers, KPrototypesTiers
from workbench.data.synthetic import make_planted_clusters
from workbench.report.clustering import (
    Clusterings,
    cluster_findings,
    default_clustering,
    feature_table,
    profile_ranks,
    projection,
)


@pytest.fixture(scope="module")
def fitted():
    frame, truth = make_planted_clusters(2000, 3, n_numeric=2, n_categorical=1, separation=3.0, seed=21)
    frame["a0"] = frame["a0"].where(np.arange(len(frame)) % 50 != 0)  # some attributes missing
    seg = KPrototypesTiers(features=[{"column": "x0"}, {"column": "x1", "transform": "quantile"},
                                     {"column": "a0", "kind": "categorical"}],
                           missing="category", k=3, value_column="x0", bootstrap=5).fit(frame)
    return frame, seg


def test_default_clustering_uses_every_attribute_and_spend_only_with_amounts():
    summary = pd.DataFrame({"frequency": [1, 2], "recency": [1.0, 2.0], "T": [3.0, 4.0], "revenue": [5.0, 6.0],
                            "nature": pd.Categorical(["a", "b"]), "note": ["x", "y"]})
    columns = [f["column"] for f in default_clustering(summary, "en").features]
    assert columns == ["frequency", "since_last", "T", "spend_per_purchase", "nature"]
    counts_only = summary.drop(columns="revenue")
    counts_only.attrs["amounts"] = False
    assert "spend_per_purchase" not in [f["column"] for f in default_clustering(counts_only, "zh").features]


def test_profile_ranks_are_mean_percentile_ranks_per_tier(fitted):
    frame, seg = fitted
    ranks = profile_ranks(seg, frame)
    tiers = seg.assign(frame)
    assert list(ranks.index) == seg.tiers_ and list(ranks.columns) == ["x0", "x1", "a0"]
    pct = frame["x0"].rank(pct=True)
    for tier in seg.tiers_:
        assert ranks.loc[tier, "x0"] == pytest.approx(pct[tiers == tier].mean())
        values = frame.loc[tiers == tier, "a0"].fillna("unknown")
        assert ranks.loc[tier, "a0"] == pytest.approx(values.value_counts(normalize=True).iloc[0])
    assert ranks.loc[seg.tiers_[0], "x0"] > ranks.loc[seg.tiers_[-1], "x0"]  # ordered by x0, best first


def test_the_feature_table_speaks_the_report_language(fitted):
    _, seg = fitted
    zh = feature_table(seg.features_.report_, "zh")
    assert list(zh["transform"]) == ["标准化", "秩的正态得分", f"{len(seg.features_.categories_['a0'])} 个类别"]
    assert zh.loc[2, "action"] == "40 个缺失值：单独归为类别“unknown”" and zh.loc[0, "action"] == "无缺失"
    en = feature_table(seg.features_.report_, "en")
    assert en.loc[2, "kind"] == "attribute (categories)" and en.loc[2, "action"].startswith("40 missing")


def test_projection_is_two_components_of_a_sample_with_its_tiers(fitted):
    frame, seg = fitted
    points, tiers = projection(seg, frame, size=500)
    assert points.shape == (500, 2) and len(tiers) == 500
    assert tiers.index.isin(frame.index).all()
    assert np.var(points[:, 0]) >= np.var(points[:, 1]) > 0  # principal components, largest first


def test_findings_name_the_tiers_the_bootstrap_does_not_support(fitted):
    frame, seg = fitted
    fitted_schemes = Clusterings()
    fitted_schemes[seg.name] = seg
    stability, _ = seg.stability(frame)
    weak = stability.assign(flagged=[False, True, False])
    lines = cluster_findings(fitted_schemes, {seg.name: weak}, "en")
    assert lines[0].startswith(f"{seg.name}: 3 clusters; the largest is")
    assert seg.tiers_[1] in lines[-1] and "does not support" in lines[-1]
    assert "every tier is stable" in cluster_findings(fitted_schemes, {seg.name: stability.assign(flagged=False)}, "en")[-1]


def test_a_numeric_only_scheme_projects_without_attributes():
    frame, _ = make_planted_clusters(300, 2, n_numeric=3, n_categorical=0, seed=3)
    seg = KMeansTiers(features=[{"column": c} for c in ("x0", "x1", "x2")], k=2, value_column="x0").fit(frame)
    points, tiers = projection(seg, frame)
    assert points.shape == (300, 2) and tiers.equals(seg.assign(frame))


def test_the_report_adds_the_clv_columns_only_for_a_scheme_that_reads_them(tmp_path):
    from workbench.config import Params
    from workbench.report.clustering import fit_clusterings
    from workbench.scenario import Scenario

    base = {"data": {"transactions": "synthetic:b2b", "n_customers": 600, "seed": 5}, "observation_end": "2025-12-31"}
    plain = Scenario(Params.model_validate({**base, "tiers": {"schemes": [{"name": "c", "kind": "kmeans", "k": 3}]}}), tmp_path)
    summary, fitted = fit_clusterings(plain)
    assert "clv" not in summary.columns and fitted["c"].k_ == 3
    on_clv = {"name": "c", "kind": "kmeans", "k": 3, "features": [{"column": "clv", "transform": "log1p"}, {"column": "frequency"}]}
    with_clv = Scenario(Params.model_validate({**base, "tiers": {"schemes": [on_clv]}}), tmp_path)
    summary, fitted = fit_clusterings(with_clv)
    assert "clv" in summary.columns and list(fitted) == ["c"]
