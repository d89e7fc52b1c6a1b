"""The clustering algorithms behind the cluster tier schemes, on one face: ``fit(numeric, codes)``
then ``predict(numeric, codes)`` for any customers, fitted or new (-1 = noise, HDBSCAN only).

- :class:`KMeansMethod`: k-means (scikit-learn), mini-batch above ``minibatch_above`` customers;
- :class:`GaussianMixtureMethod`: a Gaussian mixture, with its BIC for choosing k;
- :class:`WardMethod`: Ward agglomerative clustering of a sample, then the nearest centroid for
  everyone (Ward itself is O(n^2) in memory);
- :class:`HDBSCANMethod`: HDBSCAN of a sample; a customer joins the cluster of its nearest sampled
  customer when it lies within that customer's core distance, and is noise otherwise (so the
  sample keeps its own labels and new customers get the same rule);
- :class:`KPrototypesMethod`: k-prototypes on numeric features and attribute categories
  (:mod:`workbench.cluster.kprototypes`), the mixed-data method.

The numeric-only methods refuse attributes (use ``kprototypes``). :func:`embedding` puts a
method's features in one Euclidean space where the squared distance between two customers is
the method's dissimilarity (attributes as one-hot columns scaled by sqrt(gamma / 2), so one
mismatch costs gamma), for the k-selection indices.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from workbench.cluster.kprototypes import KPrototypes, default_gamma


class Method:
    """A clustering algorithm: ``fit`` learns from features, ``predict`` labels any customers."""

    #: Whether the number of clusters is a parameter (HDBSCAN finds its own).
    uses_k: ClassVar[bool] = True
    #: Whether attributes (category codes) are clustered as categories.
    categorical: ClassVar[bool] = False

    def __init__(self, k: int | None, random_state: int, **options):
        self.k = k
        self.random_state = random_state
        self.options = options

    def fit(self, numeric: np.ndarray, codes: np.ndarray) -> Method:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, numeric: np.ndarray, codes: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def fit_many(cls, ks: list[int], random_state: int, numeric: np.ndarray, codes: np.ndarray,
                 **options) -> dict[int, Method]:
        """One fitted method per k (a hierarchical method cuts one tree)."""
        return {k: cls(k, random_state, **options).fit(numeric, codes) for k in ks}

    @property
    def n_clusters(self) -> int:
        return int(self.k)

    def gamma(self, numeric: np.ndarray) -> float:
        """Weight of one attribute mismatch in :func:`embedding` (unused without attributes)."""
        return 1.0

    def bic(self, numeric: np.ndarray) -> float:
        """Bayesian information criterion (mixtures only; NaN otherwise)."""
        return float("nan")

    def _sample(self, n: int, size: int | None) -> np.ndarray:
        """Rows of a reproducible sample of at most ``size`` customers (all when smaller)."""
        if size is None or n <= size:
            return np.arange(n)
        return np.sort(np.random.default_rng(self.random_state).choice(n, size=size, replace=False))


class KMeansMethod(Method):
    def fit(self, numeric, codes):
        from sklearn.cluster import KMeans, MiniBatchKMeans

        n_init = self.options.get("n_init", 4)
        if len(numeric) > self.options.get("minibatch_above", 50_000):
            self.model = MiniBatchKMeans(self.k, n_init=n_init, random_state=self.random_state,
                                         batch_size=4096).fit(numeric)
        else:
            self.model = KMeans(self.k, n_init=n_init, random_state=self.random_state).fit(numeric)
        return self

    def predict(self, numeric, codes):
        return nearest_centre(numeric, self.model.cluster_centers_)


class GaussianMixtureMethod(Method):
    def fit(self, numeric, codes):
        from sklearn.mixture import GaussianMixture

        self.model = GaussianMixture(self.k, covariance_type=self.options.get("covariance_type", "full"),
                                     n_init=self.options.get("n_init", 2), random_state=self.random_state,
                                     reg_covar=1e-5).fit(numeric)
        return self

    def predict(self, numeric, codes):
        return self.model.predict(numeric)

    def bic(self, numeric):
        return float(self.model.bic(numeric))


class WardMethod(Method):
    def fit(self, numeric, codes):
        return self.fit_many([self.k], self.random_state, numeric, codes, **self.options)[self.k]

    @classmethod
    def fit_many(cls, ks, random_state, numeric, codes, **options):
        from scipy.cluster.hierarchy import fcluster, linkage

        rows = cls(None, random_state)._sample(len(numeric), options.get("sample_size", 5000))
        sample = numeric[rows]
        tree = linkage(sample, method="ward")
        out = {}
        for k in ks:
            labels = fcluster(tree, k, criterion="maxclust") - 1
            method = cls(k, random_state, **options)
            method.centres = np.vstack([sample[labels == c].mean(axis=0) for c in range(labels.max() + 1)])
            out[k] = method
        return out

    def predict(self, numeric, codes):
        return nearest_centre(numeric, self.centres)


class HDBSCANMethod(Method):
    uses_k: ClassVar[bool] = False

    def fit(self, numeric, codes):
        from sklearn.cluster import HDBSCAN
        from sklearn.neighbors import NearestNeighbors

        rows = self._sample(len(numeric), self.options.get("sample_size", 10_000))
        sample = numeric[rows]
        size = self.options.get("min_cluster_size") or max(10, len(rows) // 50)
        min_samples = self.options.get("min_samples") or min(size, 10)
        labels = HDBSCAN(min_cluster_size=size, min_samples=min_samples, copy=True).fit_predict(sample)
        self.sample, self.labels = sample, labels
        self.neighbours = NearestNeighbors(n_neighbors=min(min_samples, len(sample))).fit(sample)
        # core distance of each sampled customer: the distance to its min_samples-th neighbour (itself first)
        self.core = self.neighbours.kneighbors(sample)[0][:, -1]
        self._k = int(labels.max()) + 1
        return self

    @property
    def n_clusters(self) -> int:
        return self._k

    def predict(self, numeric, codes):
        distance, index = self.neighbours.kneighbors(numeric, n_neighbors=1)
        nearest = index[:, 0]
        labels = self.labels[nearest]
        return np.where(distance[:, 0] <= self.core[nearest] + 1e-12, labels, -1)


class KPrototypesMethod(Method):
    categorical: ClassVar[bool] = True

    def fit(self, numeric, codes):
        self.model = KPrototypes(self.k, gamma=self.options.get("gamma"), n_init=self.options.get("n_init", 4),
                                 max_iter=self.options.get("max_iter", 100), random_state=self.random_state)
        self.model.fit(numeric, codes)
        return self

    def predict(self, numeric, codes):
        return self.model.predict(numeric, codes)

    def gamma(self, numeric):
        given = self.options.get("gamma")
        return default_gamma(numeric) if given is None else float(given)


def nearest_centre(numeric: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre (squared Euclidean) of every row."""
    dist = (np.einsum("ij,ij->i", numeric, numeric)[:, None] - 2.0 * numeric @ centres.T
            + np.einsum("ij,ij->i", centres, centres)[None, :])
    return dist.argmin(axis=1)


def embedding(numeric: np.ndarray, codes: np.ndarray, n_levels: np.ndarray, gamma: float) -> np.ndarray:
    """Numeric features and one-hot attributes scaled by sqrt(gamma / 2): squared Euclidean
    distances here are the k-prototypes dissimilarity between customers (an unseen category,
    code -1, is a zero row: half a mismatch from every level)."""
    if codes.shape[1] == 0:
        return numeric
    blocks = [numeric]
    scale = np.sqrt(gamma / 2.0)
    for j in range(codes.shape[1]):
        block = np.zeros((len(codes), int(n_levels[j])))
        seen = codes[:, j] >= 0
        block[np.flatnonzero(seen), codes[seen, j]] = scale
        blocks.append(block)
    return np.hstack(blocks)


#: Method name (the scheme kind) -> class.
METHODS: dict[str, type[Method]] = {
    "kmeans": KMeansMethod,
    "gmm": GaussianMixtureMethod,
    "ward": WardMethod,
    "hdbscan": HDBSCANMethod,
    "kprototypes": KPrototypesMethod,
}
