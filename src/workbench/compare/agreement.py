"""How far two tierings of the same customers agree: adjusted Rand index (0 = chance, 1 =
the same partition), normalised mutual information, and the crosstab of any pair."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def agreement_matrix(labels: Mapping[str, pd.Series]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ARI and NMI between every pair of schemes, on the customers they share."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    names = list(labels)
    ari = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    nmi = ari.copy()
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            common = labels[a].index.intersection(labels[b].index)
            x, y = labels[a].reindex(common).cat.codes.to_numpy(), labels[b].reindex(common).cat.codes.to_numpy()
            ari.loc[a, b] = ari.loc[b, a] = adjusted_rand_score(x, y)
            nmi.loc[a, b] = nmi.loc[b, a] = normalized_mutual_info_score(x, y)
    return ari, nmi


def crosstab(a: pd.Series, b: pd.Series, normalize: bool = False) -> pd.DataFrame:
    """Customers by tier of ``a`` (rows) and of ``b`` (columns), every tier shown in order;
    ``normalize``: shares of each row."""
    common = a.index.intersection(b.index)
    table = pd.crosstab(a.reindex(common), b.reindex(common), dropna=False)
    table = table.reindex(index=a.cat.categories, columns=b.cat.categories, fill_value=0)
    table.index.name, table.columns.name = a.name, b.name
    if normalize:
        table = table.div(table.sum(axis=1).replace(0, np.nan), axis=0)
    return table
