"""The shape of a tiering: how many tiers, how even, how small the smallest."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.compare.value import _codes


def shape_scores(labels: pd.Series) -> dict[str, float]:
    """``tiers`` (with customers), ``entropy`` (Shannon entropy of the tier shares over its
    maximum log(tiers): 1 = equal sizes), ``smallest_share`` and ``largest_share``."""
    codes = _codes(labels, "shape_scores")
    n = np.bincount(codes, minlength=len(labels.cat.categories)).astype(float)
    share = n[n > 0] / n.sum()
    entropy = float(-(share * np.log(share)).sum() / np.log(len(share))) if len(share) > 1 else 0.0
    return {"tiers": float(len(share)), "entropy": entropy, "smallest_share": float(share.min()),
            "largest_share": float(share.max())}
