"""How stable is a tiering? Two views:

- **bootstrap** (clusterboot-style, :func:`workbench.cluster.stability.bootstrap_stability`):
  refit the scheme on customers drawn with replacement and compare, on the customers drawn, the
  original tiers with the refitted ones: the adjusted Rand index per round and each tier's best
  Jaccard coefficient with Hennig's bands;
- **time shift**: the tiers fitted on the summary at an earlier date against those at the
  calibration end, for the customers in both: ARI and the share that keep their tier.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone

from workbench.cluster.stability import bootstrap_stability
from workbench.compare.value import _codes
from workbench.segment.base import Segmenter


def refitted(segmenter: Segmenter) -> Segmenter:
    """An unfitted copy for refits: a fitted cluster scheme keeps its number of clusters (as
    clusterboot refits with the same k) and its own bootstrap is switched off."""
    copy = clone(segmenter)
    params = copy.get_params()
    if "bootstrap" in params:
        copy.set_params(bootstrap=0)
    if "k" in params and getattr(segmenter, "k_", None) is not None:
        copy.set_params(k=int(segmenter.k_))
    return copy


def bootstrap_scores(segmenter: Segmenter, summary: pd.DataFrame, labels: pd.Series, *, rounds: int = 10,
                     random_state: int = 0) -> tuple[dict[str, float], pd.DataFrame]:
    """``bootstrap_ari`` (mean over rounds), ``bootstrap_ari_min`` and ``weakest_jaccard`` (the
    least stable tier's mean Jaccard), and the per-tier table (``jaccard``, ``jaccard_min``,
    ``dissolved``, ``band``, ``flagged``) indexed by tier."""
    codes = _codes(labels, "bootstrap_scores")
    data = summary.reindex(labels.index)
    ids = np.asarray(data.index.astype(str))

    def refit(rows: np.ndarray) -> np.ndarray:
        sample = data.iloc[rows].copy()
        sample.index = pd.Index(np.char.add(np.char.add(ids[rows], "#"), np.arange(len(rows)).astype(str)), name="customer_id")
        sample.attrs = dict(summary.attrs)
        return refitted(segmenter).fit_assign(sample).cat.codes.to_numpy().astype(np.int64)

    with warnings.catch_warnings():  # an empty tier has no Jaccard: NaN, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        table, ari = bootstrap_stability(refit, codes, len(labels.cat.categories), rounds=rounds, random_state=random_state)
    table.index = pd.CategoricalIndex(labels.cat.categories, ordered=True, name="tier")
    present = table["jaccard"].notna()
    return ({"bootstrap_ari": float(np.mean(ari)), "bootstrap_ari_min": float(np.min(ari)),
             "weakest_jaccard": float(table.loc[present, "jaccard"].min())}, table)


def shift_scores(now: pd.Series, before: pd.Series) -> dict[str, float]:
    """Tiers at the calibration end (``now``) against tiers fitted at an earlier date
    (``before``), on the customers in both: ``shift_ari``, ``shift_same_tier`` (share with the
    same tier label) and ``shift_customers``."""
    from sklearn.metrics import adjusted_rand_score

    common = now.index.intersection(before.index)
    a, b = now.reindex(common), before.reindex(common)
    same = float(np.mean(a.astype(str).to_numpy() == b.astype(str).to_numpy())) if len(common) else float("nan")
    ari = float(adjusted_rand_score(a.cat.codes, b.cat.codes)) if len(common) else float("nan")
    return {"shift_ari": ari, "shift_same_tier": same, "shift_customers": float(len(common))}
