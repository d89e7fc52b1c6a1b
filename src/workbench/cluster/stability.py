"""Cluster stability by the bootstrap, as R's ``fpc::clusterboot`` measures it (Hennig 2007).

Each of B rounds draws the customers with replacement, refits the method with the same k on the
draw and compares, on the distinct customers drawn, every original cluster with every bootstrap
cluster by the Jaccard coefficient |A n B| / |A u B|; a cluster's score in the round is its best
match. The mean over rounds is the cluster's stability, read with Hennig's bands: <= 0.5
dissolved, up to 0.6 unstable, 0.6-0.75 doubtful, >= 0.75 stable, >= 0.85 highly stable. A round
in which a cluster's best Jaccard is <= 0.5 counts as a dissolution. The adjusted Rand index of
each round summarises the agreement of the whole partition.

Reference: Hennig, C. (2007). "Cluster-wise assessment of cluster stability". Computational
Statistics & Data Analysis 52(1), 258-271.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

#: (lower bound, band) from the top: a score belongs to the first band whose bound it reaches.
BANDS = ((0.85, "highly stable"), (0.75, "stable"), (0.6, "doubtful"), (0.5 + 1e-12, "unstable"), (-np.inf, "dissolved"))
BANDS_ZH = {"highly stable": "高度稳定", "stable": "稳定", "doubtful": "存疑", "unstable": "不稳定", "dissolved": "已瓦解"}
#: Bands whose clusters are flagged as not to be trusted.
FLAGGED = ("unstable", "dissolved")


def band(score: float) -> str:
    """Hennig's band of a mean bootstrap Jaccard."""
    for bound, name in BANDS:
        if score >= bound:
            return name
    return "dissolved"


def jaccard_matrix(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> np.ndarray:
    """ka x kb Jaccard coefficients between the clusters of two labelings of the same rows
    (labels 0..k-1; -1 rows belong to no cluster)."""
    keep_a, keep_b = a >= 0, b >= 0
    both = keep_a & keep_b
    inter = np.bincount(a[both] * kb + b[both], minlength=ka * kb).reshape(ka, kb).astype(float)
    size_a = np.bincount(a[keep_a], minlength=ka).astype(float)
    size_b = np.bincount(b[keep_b], minlength=kb).astype(float)
    union = size_a[:, None] + size_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def bootstrap_stability(refit: Callable[[np.ndarray], np.ndarray], labels: np.ndarray, n_clusters: int, *,
                        rounds: int, random_state: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Per-cluster bootstrap Jaccard of ``labels`` (clusters 0..n_clusters-1, -1 noise).

    ``refit(rows)`` fits the method on the customers ``rows`` (with repeats) and returns the
    bootstrap labels of ``rows``. Returns the table (one row per cluster: ``jaccard`` mean,
    ``jaccard_min``, ``dissolved`` count of rounds <= 0.5, ``band``, ``flagged``) and the
    adjusted Rand index of every round.
    """
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(random_state)
    n = len(labels)
    scores = np.full((rounds, n_clusters), np.nan)
    ari = np.empty(rounds)
    for r in range(rounds):
        rows = rng.integers(n, size=n)
        boot = np.asarray(refit(rows))
        distinct, first = np.unique(rows, return_index=True)
        original, again = labels[distinct], boot[first]
        kb = int(again.max()) + 1 if (again >= 0).any() else 0
        present = np.bincount(original[original >= 0], minlength=n_clusters) > 0
        if kb:
            best = jaccard_matrix(original, again, n_clusters, kb).max(axis=1)
        else:
            best = np.zeros(n_clusters)
        scores[r] = np.where(present, best, np.nan)
        ari[r] = adjusted_rand_score(original, again)
    mean = np.nanmean(scores, axis=0)
    table = pd.DataFrame({
        "jaccard": mean,
        "jaccard_min": np.nanmin(scores, axis=0),
        "dissolved": (scores <= 0.5).sum(axis=0),
        "band": [band(s) for s in mean],
    })
    table["flagged"] = table["band"].isin(FLAGGED)
    return table, ari
