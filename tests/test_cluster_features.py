"""Clustering features: each transform against its formula written out here, categories by
frequency, the fitted scale reused for new customers, and bad inputs named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench.cluster.features import FeatureSet
from workbench.errors import DataError, NotFittedError, ParamsError


@pytest.fixture
def summary() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame({
        "revenue": rng.gamma(1.2, 300, n),
        "frequency": rng.poisson(2, n).astype(float),
        "region": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]),
    }, index=pd.Index([f"{i:05d}" for i in range(n)], name="customer_id"))


def test_standard_and_log1p_use_the_fitted_mean_and_spread(summary):
    fs = FeatureSet([{"column": "revenue"}, {"column": "frequency", "transform": "log1p"}])
    x, codes = fs.fit_transform(summary)
    assert x.shape == (400, 2) and codes.shape == (400, 0)
    np.testing.assert_allclose(x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=0), 1, atol=1e-12)
    later = summary.head(10) * 2
    y, _ = fs.transform(later)
    rev, logf = summary["revenue"], np.log1p(summary["frequency"])
    np.testing.assert_allclose(y[:, 0], (later["revenue"] - rev.mean()) / rev.std(ddof=0))
    np.testing.assert_allclose(y[:, 1], (np.log1p(later["frequency"]) - logf.mean()) / logf.std(ddof=0))


def test_quantile_gives_normal_scores_with_ties_equal(summary):
    fs = FeatureSet([{"column": "frequency", "transform": "quantile"}]).fit(summary)
    x, _ = fs.transform(summary)
    scores = x[:, 0]
    f = summary["frequency"].to_numpy()
    ranks = stats.rankdata(f, method="average")  # mid-ranks: (below + at / 2) + 1/2
    np.testing.assert_allclose(scores, stats.norm.ppf(ranks / (len(f) + 1)))
    for v in np.unique(f):
        assert np.ptp(scores[f == v]) == 0  # ties share a score
    far, _ = fs.transform(pd.DataFrame({"frequency": [-5.0, 1e6]}, index=["a", "b"]))
    assert np.isfinite(far).all() and far[0, 0] < scores.min() <= scores.max() < far[1, 0]


def test_categories_by_frequency_unseen_as_minus_one_and_missing_by_choice(summary):
    fs = FeatureSet([{"column": "region", "kind": "categorical"}]).fit(summary)
    assert fs.categories_["region"] == ["north", "south", "east"]
    _, codes = fs.transform(pd.DataFrame({"region": ["east", "west", "north"]}, index=list("abc")))
    assert codes[:, 0].tolist() == [2, -1, 0]
    holes = summary.assign(region=summary["region"].where(summary.index != "00003"))
    with pytest.raises(DataError, match=r"attribute 'region' is missing for 1 customers .*set missing: category"):
        FeatureSet([{"column": "region", "kind": "categorical"}]).fit(holes)
    fs = FeatureSet([{"column": "region", "kind": "categorical"}], missing="category").fit(holes)
    assert "unknown" in fs.categories_["region"]
    row = fs.report_.set_index("feature").loc["region"]
    assert row["missing"] == 1 and row["action"] == "category" and row["categories"] == len(fs.categories_["region"])


@pytest.mark.parametrize(("features", "error", "message"), [
    ([{"column": "revenue"}, {"column": "revenue"}], ParamsError, r"features\[1\]\.column: 'revenue' is already features\[0\]"),
    ([{"column": "revenue", "transform": "cube"}], ParamsError, r"features\.\[0\]\.transform|features\[0\]\.transform"),
    ([{"column": "nope"}], DataError, "column 'nope' is not in the summary"),
    ([{"column": "region"}], DataError, "column 'region' is not numeric .*kind: categorical"),
])
def test_bad_features_are_named(summary, features, error, message):
    with pytest.raises(error, match=message):
        FeatureSet(features).fit(summary)


def test_bad_values_name_the_column_and_customers(summary):
    bad = summary.assign(frequency=summary["frequency"].where(summary.index != "00007", -3.0))
    with pytest.raises(DataError, match=r"'frequency' has 1 values missing, infinite or <= -1 \(log1p\); e\.g\. customers"):
        FeatureSet([{"column": "frequency", "transform": "log1p"}]).fit(bad)
    with pytest.raises(NotFittedError):
        FeatureSet([{"column": "revenue"}]).transform(summary)
