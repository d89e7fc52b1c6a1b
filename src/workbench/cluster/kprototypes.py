"""k-prototypes for mixed data (Huang 1998), vectorised: numeric means and categorical modes.

The dissimilarity of a customer to a prototype is the squared Euclidean distance of the numeric
features plus ``gamma`` times the number of attributes that differ from the prototype's modes.
Each iteration assigns every customer at once (an n x k distance table: one matrix product for the
numeric part, one table look-up per attribute for the mismatches) and then moves each prototype to
its members' means and modes, so the cost never increases (batch coordinate descent rather than
Huang's one-customer-at-a-time updates). Starts are k-means++ draws under the same dissimilarity;
the best of ``n_init`` runs is kept. Above ``init_sample`` customers the ``n_init`` runs use a
random sample of that size and only the best is refined on everyone. Everything is O(n k (p + q))
per iteration: no pairwise distance matrix, so it runs on millions of customers.

Reference: Huang, Z. (1998). "Extensions to the k-Means Algorithm for Clustering Large Data Sets
with Categorical Values". Data Mining and Knowledge Discovery 2(3), 283-304.
"""

from __future__ import annotations

import numpy as np


def default_gamma(numeric: np.ndarray) -> float:
    """Huang's weight of one attribute mismatch: half the mean standard deviation of the numeric
    features (1 when there are none: plain k-modes)."""
    if numeric.shape[1] == 0:
        return 1.0
    spread = float(np.mean(numeric.std(axis=0)))
    return 0.5 * spread if spread > 0 else 1.0


class KPrototypes:
    """Lloyd-style k-prototypes on numeric features (n x p) and category codes (n x q, 0..L-1;
    -1 for a category never seen, which matches no mode).

    Fitted: ``centroids_`` (k x p), ``modes_`` (k x q), ``labels_``, ``cost_`` (total
    dissimilarity), ``n_iter_``, ``gamma_``.
    """

    def __init__(self, k: int, *, gamma: float | None = None, n_init: int = 4, max_iter: int = 100,
                 tol: float = 1e-4, init_sample: int = 20_000, random_state: int | None = 0):
        self.k = k
        self.gamma = gamma
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.init_sample = init_sample
        self.random_state = random_state

    # -- fitting
    def fit(self, numeric: np.ndarray, codes: np.ndarray) -> KPrototypes:
        numeric = np.ascontiguousarray(numeric, dtype=float)
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        n = len(numeric)
        if not 1 <= self.k <= n:
            raise ValueError(f"k must be from 1 to the number of customers ({n}), got {self.k}")
        self.gamma_ = default_gamma(numeric) if self.gamma is None else float(self.gamma)
        self.n_levels_ = codes.max(axis=0) + 1 if codes.size else np.zeros(codes.shape[1], dtype=np.int64)
        rng = np.random.default_rng(self.random_state)
        rows = np.sort(rng.choice(n, size=self.init_sample, replace=False)) if n > self.init_sample else None
        X, C = (numeric, codes) if rows is None else (numeric[rows], codes[rows])
        best = None
        for _ in range(max(1, int(self.n_init))):
            run = self._run(X, C, self._init(X, C, rng))
            if best is None or run[0] < best[0]:
                best = run
        if rows is not None:  # refine the best start on everyone
            best = self._run(numeric, codes, (best[1], best[2]))
        self.cost_, self.centroids_, self.modes_, self.labels_, self.n_iter_ = best
        return self

    def predict(self, numeric: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The nearest prototype of every customer."""
        dist = self._distances(np.asarray(numeric, dtype=float), np.asarray(codes, dtype=np.int64),
                               self.centroids_, self.modes_)
        return dist.argmin(axis=1)

    def _run(self, numeric, codes, start):
        centroids, modes = start
        previous = np.inf
        labels = None
        for iteration in range(1, int(self.max_iter) + 1):
            dist = self._distances(numeric, codes, centroids, modes)
            new_labels = dist.argmin(axis=1)
            nearest = dist[np.arange(len(dist)), new_labels]
            cost = float(nearest.sum())
            if labels is not None and (np.array_equal(new_labels, labels) or previous - cost <= self.tol * abs(previous)):
                labels = new_labels
                break
            labels, previous = new_labels, cost
            centroids, modes = self._update(numeric, codes, labels, nearest, centroids, modes)
        return cost, centroids, modes, labels, iteration

    def _init(self, numeric, codes, rng):
        """k-means++ seeding under the mixed dissimilarity (greedy: 2 + log k candidates a step)."""
        n, k = len(numeric), int(self.k)
        trials = 2 + int(np.log(k))
        first = rng.integers(n)
        chosen = [first]
        closest = self._distances(numeric, codes, numeric[[first]], codes[[first]])[:, 0]
        for _ in range(1, k):
            total = closest.sum()
            if total <= 0:  # every customer sits on a chosen seed: take distinct random ones
                candidates = rng.choice(n, size=trials)
            else:
                candidates = np.searchsorted(np.cumsum(closest), rng.random(trials) * total)
                candidates = np.minimum(candidates, n - 1)
            d = self._distances(numeric, codes, numeric[candidates], codes[candidates])
            trial_closest = np.minimum(closest[:, None], d)
            pick = int(trial_closest.sum(axis=0).argmin())
            chosen.append(int(candidates[pick]))
            closest = trial_closest[:, pick]
        chosen = np.array(chosen)
        return numeric[chosen].copy(), codes[chosen].copy()

    def _update(self, numeric, codes, labels, nearest, centroids, modes):
        k = int(self.k)
        counts = np.bincount(labels, minlength=k)
        centroids = centroids.copy()
        for j in range(numeric.shape[1]):
            sums = np.bincount(labels, weights=numeric[:, j], minlength=k)
            centroids[:, j] = np.divide(sums, counts, out=centroids[:, j].copy(), where=counts > 0)
        modes = modes.copy()
        for j in range(codes.shape[1]):
            levels = int(self.n_levels_[j])
            valid = codes[:, j] >= 0
            table = np.bincount(labels[valid] * levels + codes[valid, j], minlength=k * levels).reshape(k, levels)
            modes[:, j] = np.where(counts > 0, table.argmax(axis=1), modes[:, j])
        empty = np.flatnonzero(counts == 0)
        if len(empty):  # re-seed an empty cluster on the customers farthest from their prototype
            far = np.argsort(nearest)[::-1][: len(empty)]
            centroids[empty], modes[empty] = numeric[far], codes[far]
        return centroids, modes

    def _distances(self, numeric, codes, centroids, modes) -> np.ndarray:
        """n x m dissimilarities to m prototypes: squared distance + gamma x mismatches."""
        if numeric.shape[1]:
            dist = numeric @ (-2.0 * centroids.T)
            dist += np.einsum("ij,ij->i", numeric, numeric)[:, None]
            dist += np.einsum("ij,ij->i", centroids, centroids)[None, :]
            np.maximum(dist, 0.0, out=dist)
        else:
            dist = np.zeros((len(numeric), len(centroids)))
        gamma = self.gamma_
        for j in range(codes.shape[1]):
            # one row per level (+1 for unseen, code -1 = last row): gamma where it differs from the mode
            levels = max(int(self.n_levels_[j]), int(modes[:, j].max()) + 1, int(codes[:, j].max()) + 1)
            table = np.full((levels + 1, len(modes)), gamma)
            table[modes[:, j], np.arange(len(modes))] = 0.0
            dist += table[codes[:, j]]
        return dist
