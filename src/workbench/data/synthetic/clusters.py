"""Planted customer clusters on mixed data, for testing and benchmarking clustering methods: numeric
behaviour columns around one centre per cluster and categorical attributes that lean towards
their cluster's level, with the true cluster of every customer returned next to the data."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.data.synthetic._common import Seed, _count, _customer_ids, _rng
from workbench.errors import ParamsError


def make_planted_clusters(
    n_customers: int,
    k: int = 4,
    *,
    n_numeric: int = 4,
    n_categorical: int = 2,
    levels: int = 4,
    separation: float = 4.0,
    purity: float = 0.8,
    weights: Sequence[float] | None = None,
    scales: Sequence[float] | None = None,
    seed: Seed = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers drawn from ``k`` planted clusters, and their true cluster (0..k-1).

    Cluster c has ``weights[c]`` of the customers (default equal shares). Numeric columns
    ``x0 .. x{n_numeric-1}`` are Normal(centre_c, 1), with each centre coordinate drawn uniformly
    from [0, ``separation``] times the number of clusters, so that centres lie about
    ``separation`` standard deviations apart. Categorical columns ``a0 ..`` take values
    ``"L0" .. "L{levels-1}"``: cluster c's own level (``c % levels``, shifted per column) with
    probability ``purity``, otherwise a level drawn uniformly (which may be the own level too),
    so P(own level) = purity + (1 - purity) / levels. ``scales`` multiplies each numeric column
    (as raw customer data mixes counts, days and money), leaving the clusters unchanged up to a
    per-column scale. The frame is indexed by ``customer_id``.
    """
    n = _count("n_customers", n_customers)
    k = _count("k", k)
    if k < 2 or k > n:
        raise ParamsError(f"k must be from 2 to n_customers ({n}), got {k}")
    n_numeric, n_categorical = int(n_numeric), int(n_categorical)
    if n_numeric < 0 or n_categorical < 0 or n_numeric + n_categorical == 0:
        raise ParamsError(f"give at least one column: n_numeric={n_numeric}, n_categorical={n_categorical}")
    if int(levels) < 2:
        raise ParamsError(f"levels must be at least 2, got {levels!r}")
    if not (np.isfinite(separation) and separation > 0):
        raise ParamsError(f"separation must be a positive number, got {separation!r}")
    if not 0 <= purity <= 1:
        raise ParamsError(f"purity must be in [0, 1], got {purity!r}")
    shares = np.full(k, 1 / k) if weights is None else np.asarray(weights, dtype=float)
    if shares.shape != (k,) or not (np.all(shares > 0) and abs(shares.sum() - 1) < 1e-9):
        raise ParamsError(f"weights must be {k} positive shares summing to 1, got {weights!r}")
    factors = np.ones(n_numeric) if scales is None else np.asarray(scales, dtype=float)
    if factors.shape != (n_numeric,) or not np.all(np.isfinite(factors) & (factors > 0)):
        raise ParamsError(f"scales must be {n_numeric} positive numbers, got {scales!r}")
    rng = _rng(seed)
    truth = rng.choice(k, size=n, p=shares)
    centres = rng.uniform(0, separation * k, size=(k, n_numeric))
    columns: dict[str, np.ndarray] = {}
    for j in range(n_numeric):
        columns[f"x{j}"] = factors[j] * (centres[truth, j] + rng.standard_normal(n))
    names = np.array([f"L{i}" for i in range(int(levels))], dtype=object)
    for j in range(n_categorical):
        own = (truth + j) % int(levels)
        drawn = np.where(rng.random(n) < purity, own, rng.integers(0, int(levels), n))
        columns[f"a{j}"] = names[drawn]
    frame = pd.DataFrame(columns, index=_customer_ids(n))
    frame.attrs.update(model="planted_clusters", k=k, centres=centres.tolist())
    return frame, truth
