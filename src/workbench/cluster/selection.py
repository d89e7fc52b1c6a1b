"""Choosing the number of clusters: every k of a range scored by five indices, one of which picks.

On a reproducible sample of customers each k is fitted once and scored by the silhouette (on a
sub-sample: it is O(m^2)), Calinski-Harabasz, Davies-Bouldin, the BIC (mixtures only) and the gap
statistic. The indices are computed in the method's own geometry (:func:`embedding`: attributes
count as the k-prototypes mismatch). The gap's reference data permute every feature column
independently, which keeps each marginal (attributes included) and breaks the clustering between
columns; k is the smallest with gap(k) >= gap(k+1) - s(k+1) (Tibshirani, Walther & Hastie 2001).

References: Rousseeuw (1987) silhouettes; Calinski & Harabasz (1974); Davies & Bouldin (1979);
Tibshirani, Walther & Hastie (2001) "Estimating the number of clusters in a data set via the gap
statistic", JRSS B 63(2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.cluster.methods import Method, embedding

#: Index -> whether larger is better.
CRITERIA: dict[str, bool] = {
    "silhouette": True,
    "calinski_harabasz": True,
    "davies_bouldin": False,
    "bic": False,
    "gap": True,
}
_NAMES = {
    "silhouette": {"en": "silhouette", "zh": "轮廓系数"},
    "calinski_harabasz": {"en": "Calinski-Harabasz", "zh": "Calinski-Harabasz 指数"},
    "davies_bouldin": {"en": "Davies-Bouldin", "zh": "Davies-Bouldin 指数"},
    "bic": {"en": "BIC", "zh": "BIC"},
    "gap": {"en": "gap statistic", "zh": "间隔统计量"},
}


@dataclass
class KSelection:
    """The indices per k (``table``, index ``k``), the chosen ``k`` and each index's own pick."""

    table: pd.DataFrame
    criterion: str
    k: int
    picks: dict[str, int] = field(default_factory=dict)

    def reason(self, language: str = "en") -> str:
        """Why this k, in words: the deciding index, its runner-up and what the others pick."""
        name = _NAMES[self.criterion][language]
        col = self.table[self.criterion]
        value = col.loc[self.k]
        others = [f"{_NAMES[c][language]} {k}" for c, k in self.picks.items() if c != self.criterion]
        if self.criterion == "gap":
            main = (f"k = {self.k}: the smallest k whose gap ({value:.3g}) is within one standard error of the next k's"
                    if language == "en" else f"k = {self.k}：间隔统计量（{value:.3g}）不低于下一个 k 减一个标准误的最小 k")
        else:
            rest = col.drop(index=self.k).dropna()
            best = rest.idxmax() if CRITERIA[self.criterion] else rest.idxmin()
            word = ("highest" if CRITERIA[self.criterion] else "lowest") if language == "en" else (
                "最高" if CRITERIA[self.criterion] else "最低")
            if language == "en":
                main = f"k = {self.k}: the {word} {name} ({value:.3g}"
                main += f"; next best k = {best} at {rest.loc[best]:.3g})" if len(rest) else ")"
            else:
                main = f"k = {self.k}：{name}{word}（{value:.3g}"
                main += f"；其次为 k = {best}，{rest.loc[best]:.3g}）" if len(rest) else "）"
        if not others:
            return main + ("." if language == "en" else "。")
        if language == "en":
            return main + ". The other indices pick: " + ", ".join(others) + "."
        return main + "。其他指标的选择：" + "，".join(others) + "。"


def choose_k(fit_many: Callable[[list[int], np.ndarray, np.ndarray], dict[int, Method]], numeric: np.ndarray, codes: np.ndarray, n_levels: np.ndarray, *,
             k_range: tuple[int, int], criterion: str, sample_size: int = 10_000, silhouette_size: int = 3000,
             n_references: int = 5, random_state: int = 0) -> KSelection:
    """Score k = k_range[0] .. k_range[1], each fitted on a sample by ``fit_many(ks, numeric, codes)``
    (one fitted method per k); pick by ``criterion``."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    rng = np.random.default_rng(random_state)
    n = len(numeric)
    rows = np.sort(rng.choice(n, size=sample_size, replace=False)) if n > sample_size else np.arange(n)
    X, C = numeric[rows], codes[rows]
    references = [_permuted(X, C, rng) for _ in range(n_references)]
    lo, hi = k_range
    ks = list(range(lo, min(hi, len(rows) - 1) + 1))
    fitted = fit_many(ks, X, C)
    fitted_refs = [(Xr, Cr, fit_many(ks, Xr, Cr)) for Xr, Cr in references]
    records = []
    for k in ks:
        method = fitted[k]
        labels = method.predict(X, C)
        Z = embedding(X, C, n_levels, method.gamma(X))
        record = {"k": k, "silhouette": np.nan, "calinski_harabasz": np.nan, "davies_bouldin": np.nan,
                  "bic": method.bic(X), "gap": np.nan, "gap_se": np.nan}
        if len(np.unique(labels)) >= 2:
            record["silhouette"] = float(silhouette_score(Z, labels, sample_size=min(silhouette_size, len(Z)),
                                                          random_state=random_state))
            record["calinski_harabasz"] = float(calinski_harabasz_score(Z, labels))
            record["davies_bouldin"] = float(davies_bouldin_score(Z, labels))
        if references:
            log_w = np.log(within_dispersion(Z, labels))
            ref = []
            for Xr, Cr, fits in fitted_refs:
                ref.append(np.log(within_dispersion(embedding(Xr, Cr, n_levels, fits[k].gamma(Xr)), fits[k].predict(Xr, Cr))))
            record["gap"] = float(np.mean(ref) - log_w)
            record["gap_se"] = float(np.std(ref) * np.sqrt(1 + 1 / len(ref)))
        records.append(record)
    table = pd.DataFrame(records).set_index("k")
    picks = {c: _pick(table, c) for c in CRITERIA if table[c].notna().any()}
    if criterion not in picks:
        raise ValueError(f"criterion {criterion!r} has no values for this method")
    return KSelection(table, criterion, picks[criterion], picks)


def within_dispersion(Z: np.ndarray, labels: np.ndarray) -> float:
    """W_k: the sum over clusters of squared distances to the cluster mean (noise rows left out)."""
    keep = labels >= 0
    Z, labels = Z[keep], labels[keep]
    total = 0.0
    for c in np.unique(labels):
        part = Z[labels == c]
        total += float(((part - part.mean(axis=0)) ** 2).sum())
    return max(total, 1e-300)


def _permuted(X: np.ndarray, C: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each column shuffled on its own: the marginals kept, the structure between columns gone."""
    Xr = np.column_stack([rng.permutation(X[:, j]) for j in range(X.shape[1])]) if X.shape[1] else X.copy()
    Cr = np.column_stack([rng.permutation(C[:, j]) for j in range(C.shape[1])]) if C.shape[1] else C.copy()
    return Xr.reshape(X.shape), Cr.reshape(C.shape).astype(np.int64)


def _pick(table: pd.DataFrame, criterion: str) -> int:
    col = table[criterion]
    if criterion == "gap":
        ks = list(table.index)
        for a, b in zip(ks, ks[1:]):
            if col.loc[a] >= col.loc[b] - table["gap_se"].loc[b]:
                return int(a)
        return int(col.idxmax())
    return int(col.idxmax() if CRITERIA[criterion] else col.idxmin())
