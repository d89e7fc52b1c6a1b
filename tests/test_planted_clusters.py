"""The planted-cluster generator behind the clustering tests and benchmark: its truth is what it says.

Checked against its own definition: shares by cluster, numeric means at the centres (within
four standard errors), the categorical own-level probability purity + (1 - purity) / levels,
determinism by seed, and clear errors for impossible settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data.synthetic import make_planted_clusters
from workbench.errors import ParamsError


def test_shares_centres_and_purity_follow_the_settings():
    n, k, levels, purity = 20_000, 3, 4, 0.7
    frame, truth = make_planted_clusters(n, k, n_numeric=3, n_categorical=2, levels=levels, purity=purity,
                                         weights=[0.5, 0.3, 0.2], seed=11)
    assert list(frame.columns) == ["x0", "x1", "x2", "a0", "a1"] and frame.index.name == "customer_id"
    shares = np.bincount(truth, minlength=k) / n
    np.testing.assert_allclose(shares, [0.5, 0.3, 0.2], atol=4 * np.sqrt(0.25 / n))
    centres = np.asarray(frame.attrs["centres"])
    for c in range(k):
        rows = frame[truth == c]
        se = 1 / np.sqrt(len(rows))
        np.testing.assert_allclose(rows[["x0", "x1", "x2"]].mean(), centres[c], atol=4 * se)
        np.testing.assert_allclose(rows[["x0", "x1", "x2"]].std(), 1.0, atol=0.05)
        for j in range(2):
            own = f"L{(c + j) % levels}"
            expected = purity + (1 - purity) / levels
            share = (rows[f"a{j}"] == own).mean()
            assert share == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / len(rows)))


def test_the_same_seed_gives_the_same_customers_and_another_seed_does_not():
    a, ta = make_planted_clusters(500, 4, seed=3)
    b, tb = make_planted_clusters(500, 4, seed=3)
    c, tc = make_planted_clusters(500, 4, seed=4)
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_array_equal(ta, tb)
    assert not a.equals(c) and not np.array_equal(ta, tc)


def test_purity_one_makes_attributes_name_the_cluster():
    frame, truth = make_planted_clusters(1000, 4, n_numeric=0, n_categorical=1, levels=4, purity=1.0, seed=1)
    assert (frame["a0"] == pd.Series(truth, index=frame.index).map(lambda c: f"L{c}")).all()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"k": 1}, "k must be from 2"),
    ({"purity": 1.5}, r"purity must be in \[0, 1\]"),
    ({"separation": 0}, "separation must be a positive number"),
    ({"levels": 1}, "levels must be at least 2"),
    ({"n_numeric": 0, "n_categorical": 0}, "give at least one column"),
    ({"weights": [0.5, 0.5]}, "weights must be 4 positive shares"),
])
def test_impossible_settings_are_named(kwargs, message):
    with pytest.raises(ParamsError, match=message):
        make_planted_clusters(100, **{"k": 4, **kwargs})
