"""How customers move between tiers from one evaluation to the next (定期评估调整).

At each snapshot date the scheme is fitted again on the summary of that date, as a company does
when it re-evaluates its tiers; between consecutive snapshots the transition matrix counts the
customers by their tier before (rows) and after (columns). A move to a better tier is an upgrade,
to a worse one a downgrade, into a tier of churned customers a churn (the tiers whose English
label names churn or loss, else the last tier). Customers first seen after the earlier snapshot are counted as new. The
stationary distribution of the row-normalised matrix is where the tier shares would settle if
the moves kept their rates (Pfeifer & Carraway 2000 model customer migration the same way).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.compare.value import _codes
from workbench.errors import DataError


def transition_matrix(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Customers in both snapshots by tier before (rows) and after (columns), every tier shown."""
    common = before.index.intersection(after.index)
    a = _codes(before.reindex(common), "transition_matrix")
    b = _codes(after.reindex(common), "transition_matrix")
    ka, kb = len(before.cat.categories), len(after.cat.categories)
    counts = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb)
    return pd.DataFrame(counts, index=pd.Index(before.cat.categories, name="before"),
                        columns=pd.Index(after.cat.categories, name="after"))


#: English tier labels that name churned customers (lifecycle "Churned", RFM "Lost", CLV "Likely lost").
CHURN_WORDS = re.compile(r"churn|lost|lapsed", re.IGNORECASE)


def churn_tiers(labels: pd.Series) -> list[str]:
    """The tiers of churned customers: those whose English label names churn or loss, else the
    last tier."""
    english = labels.attrs.get("tier_labels", {}).get("en", list(labels.cat.categories))
    named = [tier for tier, en in zip(labels.cat.categories, english) if CHURN_WORDS.search(str(en))]
    return named or [labels.cat.categories[-1]]


def migration_rates(before: pd.Series, after: pd.Series) -> dict[str, float]:
    """Shares of the customers in both snapshots that ``stay``, move ``up`` (a better tier) or
    ``down``, and that move into a churned tier from another (``to_churned``, :func:`churn_tiers`);
    ``new``: customers in ``after`` only; ``customers``: in both. Tiers are matched by position
    (the schemes keep their tier list between snapshots)."""
    if list(before.cat.categories) != list(after.cat.categories):
        raise DataError(f"migration_rates: the tiers of {before.name!r} differ between the snapshots; "
                        "migration needs the same tier list")
    common = before.index.intersection(after.index)
    a = before.reindex(common).cat.codes.to_numpy()
    b = after.reindex(common).cat.codes.to_numpy()
    gone = np.isin(np.arange(len(before.cat.categories)), [list(before.cat.categories).index(t) for t in churn_tiers(before)])
    n = max(len(common), 1)
    return {"stay": float(np.sum(a == b) / n), "up": float(np.sum(b < a) / n), "down": float(np.sum(b > a) / n),
            "to_churned": float(np.sum(gone[b] & ~gone[a]) / n),
            "new": float(len(after.index.difference(before.index))), "customers": float(len(common))}


def stationary_distribution(matrix: pd.DataFrame) -> pd.Series:
    """The tier shares a Markov chain with the matrix's row-normalised transition rates settles
    at (rows with no customers stay put); the left eigenvector of eigenvalue 1."""
    counts = matrix.to_numpy(dtype=float)
    if counts.shape[0] != counts.shape[1]:
        raise DataError("stationary_distribution: the matrix must be square (the same tiers before and after)")
    rows = counts.sum(axis=1, keepdims=True)
    P = np.where(rows > 0, counts / np.where(rows > 0, rows, 1), np.eye(len(counts)))
    values, vectors = np.linalg.eig(P.T)
    v = np.real(vectors[:, np.argmin(np.abs(values - 1))])
    v = np.abs(v) / np.abs(v).sum()
    return pd.Series(v, index=matrix.index.rename("tier"), name="stationary_share")


def migration_table(snapshots: Sequence[tuple[object, pd.Series]]) -> pd.DataFrame:
    """One row per pair of consecutive snapshots ((date, labels) in time order): ``from``,
    ``to`` and the :func:`migration_rates`."""
    if len(snapshots) < 2:
        raise DataError("migration_table: needs at least two snapshots")
    rows = []
    for (d0, a), (d1, b) in zip(snapshots, snapshots[1:]):
        rows.append({"from": d0, "to": d1, **migration_rates(a, b)})
    return pd.DataFrame(rows)
