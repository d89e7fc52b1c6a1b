"""Clustering segmentation on behaviour and attributes: features, methods, the choice of k,
bootstrap stability and clusters as tiers (one ``tiers.schemes`` kind per method).

- :mod:`~workbench.cluster.features`: summary columns and attributes on a common scale;
- :mod:`~workbench.cluster.kprototypes`: vectorised k-prototypes for mixed data;
- :mod:`~workbench.cluster.methods`: k-means, Gaussian mixture, Ward, HDBSCAN, k-prototypes;
- :mod:`~workbench.cluster.selection`: k by silhouette, Calinski-Harabasz, Davies-Bouldin, BIC, gap;
- :mod:`~workbench.cluster.stability`: clusterboot-style bootstrap Jaccard per cluster;
- :mod:`~workbench.cluster.naming`: cluster names in words from their profile;
- :mod:`~workbench.cluster.tiers`: the segmenters and their scheme kinds.
"""

from workbench.cluster.features import FeatureSet
from workbench.cluster.tiers import (
    ClusterTiers,
    GaussianMixtureTiers,
    HDBSCANTiers,
    KMeansTiers,
    KPrototypesTiers,
    WardTiers,
)

__all__ = ["ClusterTiers", "FeatureSet", "GaussianMixtureTiers", "HDBSCANTiers", "KMeansTiers", "KPrototypesTiers",
           "WardTiers"]
