"""Sections of the clustering report: one call per notebook cell.

The report shows every cluster scheme of ``tiers.schemes`` (kinds ``kmeans``, ``gmm``, ``ward``,
``hdbscan``, ``kprototypes``); a scenario without one gets :func:`default_clustering`: k-prototypes
on behaviour and on every attribute the customers carry.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench.cluster.features import DERIVED, column_values
from workbench.cluster.methods import embedding
from workbench.cluster.tiers import DEFAULT_FEATURES, ClusterTiers, KPrototypesTiers
from workbench.errors import ConvergenceError, NotApplicableError
from workbench.i18n import text
from workbench.plots.cluster import plot_k_selection, plot_profile_heatmap, plot_projection, plot_stability
from workbench.report.display import escape, say, table
from workbench.report.metrics import record
from workbench.report.tiers import FittedSchemes, note_counts_only
from workbench.segment.base import has_amounts

#: Customers drawn (seeded) for the projection plot.
PROJECTION_SAMPLE = 5000


class Clusterings(dict):
    """Fitted cluster segmenters by scheme name, with ``labels`` (their tiers, as
    :class:`~workbench.report.tiers.FittedSchemes`, for the tier sections and the exports)."""

    def __init__(self) -> None:
        super().__init__()
        self.labels = FittedSchemes()


def default_clustering(summary: pd.DataFrame, language: str) -> ClusterTiers:
    """k-prototypes on the behaviour features and on every attribute column (categorical dtype),
    k from 3 to 8 (fewer than three tiers rarely serve customers differently enough)."""
    attributes = [c for c in summary.columns if isinstance(summary[c].dtype, pd.CategoricalDtype)]
    features = [f for f in DEFAULT_FEATURES if has_amounts(summary) or f["column"] != "spend_per_purchase"]
    features += [{"column": c, "kind": "categorical"} for c in attributes]
    return KPrototypesTiers(features=features, missing="category", k_range=[3, 8], name="clusters", language=language)


def fit_clusterings(sc) -> tuple[pd.DataFrame, Clusterings]:
    """The summary (with the models' CLV columns when a scheme clusters on or orders by one) and
    every cluster scheme fitted on it; a scheme the data cannot support is noted as not fitted."""
    summary = sc.summary()
    record("customers", len(summary))
    note_counts_only(sc)
    schemes = [s for s in sc.segmenters() if isinstance(s, ClusterTiers)] or [default_clustering(summary, sc.language)]
    if any(c not in summary.columns and c not in DERIVED for s in schemes for c in columns_read(s)):
        summary = sc.with_clv(summary)
    out = Clusterings()
    for seg in schemes:
        try:
            out.labels[seg.name] = seg.fit_assign(summary)
        except (ConvergenceError, NotApplicableError) as exc:
            out.labels.not_fitted[seg.name] = str(exc)
            continue
        out[seg.name] = seg
    record("schemes", list(out))
    record("clusters", {name: int(seg.k_) for name, seg in out.items()})
    return summary, out


def columns_read(seg: ClusterTiers) -> set[str]:
    """The summary columns an unfitted cluster scheme reads: its features and its value column."""
    features = seg.features if seg.features is not None else DEFAULT_FEATURES
    return {f["column"] if isinstance(f, dict) else f.column for f in features} | {seg.value_column}


def _heading(seg: ClusterTiers) -> None:
    from IPython.display import HTML, display

    display(HTML(f"<h3>{escape(seg.name)} <small>({escape(seg.KIND)})</small></h3>"))


def show_features(fitted: Clusterings, language: str = "en") -> None:
    """Per scheme: each feature, its kind and transform, and what was done with missing values."""
    for seg in fitted.values():
        _heading(seg)
        table(feature_table(seg.features_.report_, language), index=False, language=language)
    for name, reason in fitted.labels.not_fitted.items():
        say("<b>{name}</b>: <i>{line}</i>", name=name, line=text("not_fitted", language, reason=reason))


def feature_table(report: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:attr:`FeatureSet.report_` in words of the report's language."""
    def action(row: pd.Series) -> str:
        if row["action"] == "category":
            return text("missing_as_category", language, n=int(row["missing"]))
        return text("missing_none", language)

    return pd.DataFrame({
        "feature": report["feature"],
        "kind": report["kind"].map(lambda k: text(f"feature_{k}", language)),
        "transform": [text("n_categories", language, n=int(n)) if t == "categories" else text(f"transform_{t}", language)
                      for t, n in zip(report["transform"], report["categories"].fillna(0))],
        "missing": report["missing"],
        "action": report.apply(action, axis=1),
    })


def show_k_selection(fitted: Clusterings, language: str = "en") -> None:
    """Per scheme: the indices for every k, their plot and the chosen k with the reason in words."""
    for seg in fitted.values():
        _heading(seg)
        if seg.selection_ is None:
            key = "k_found" if not seg.METHOD.uses_k else "k_given"
            say("{line}", line=text(key, language, k=seg.k_))
            continue
        shown = seg.selection_.table.drop(columns=["bic"] if seg.selection_.table["bic"].isna().all() else [])
        table(shown.round(4).reset_index(), index=False, language=language)
        plot_k_selection(seg.selection_, language=language)
        plt.show()
        say("<b>{line}</b>", line=seg.selection_.reason(language))


def projection(seg: ClusterTiers, summary: pd.DataFrame, size: int = PROJECTION_SAMPLE) -> tuple[np.ndarray, pd.Series]:
    """First two principal components of a seeded sample of customers in the scheme's geometry
    (features, attributes as scaled one-hot columns), and their tiers."""
    from sklearn.decomposition import PCA

    rows = np.arange(len(summary))
    if len(rows) > size:
        rows = np.sort(np.random.default_rng(0).choice(len(rows), size=size, replace=False))
    sample = summary.iloc[rows]
    X, C = seg.features_.transform(sample)
    Z = embedding(X, C, seg.features_.n_levels, seg.method_.gamma(X))
    points = PCA(n_components=2, random_state=0).fit_transform(Z) if Z.shape[1] >= 2 else np.column_stack([Z[:, 0], np.zeros(len(Z))])
    return points, seg.assign(sample)


def show_projections(fitted: Clusterings, summary: pd.DataFrame, language: str = "en") -> None:
    """Per scheme: customers on two principal components, coloured by tier."""
    for seg in fitted.values():
        _heading(seg)
        points, tiers = projection(seg, summary)
        plot_projection(points, tiers, language=language)
        plt.show()


def profile_ranks(seg: ClusterTiers, summary: pd.DataFrame) -> pd.DataFrame:
    """Tiers x features: mean percentile rank per numeric feature, share of the most common value
    per attribute (named in the column)."""
    tiers = seg.assign(summary)
    columns = {}
    for f in seg.features_.params.features:
        values = column_values(summary, f.column)
        if f.kind == "numeric":
            columns[f.column] = values.rank(pct=True).groupby(tiers, observed=False).mean()
        else:
            top = values.astype(object).where(values.notna(), "unknown").groupby(tiers, observed=False).agg(
                lambda v: v.value_counts(normalize=True).iloc[0] if len(v) else np.nan)
            columns[f.column] = top
    return pd.DataFrame(columns).reindex(tiers.cat.categories)


def show_profiles(fitted: Clusterings, summary: pd.DataFrame, language: str = "en") -> None:
    """Per scheme: the profile heat map (how each tier differs from the customer base)."""
    for seg in fitted.values():
        _heading(seg)
        plot_profile_heatmap(profile_ranks(seg, summary), language=language)
        plt.show()


def show_stability(fitted: Clusterings, summary: pd.DataFrame, language: str = "en") -> dict[str, pd.DataFrame]:
    """Per scheme: the bootstrap Jaccard of every tier with Hennig's band (table and bars) and
    the mean adjusted Rand index; schemes with ``bootstrap: 0`` are said to be skipped."""
    out = {}
    for seg in fitted.values():
        _heading(seg)
        if seg.params_.bootstrap < 1:
            say("<i>{line}</i>", line=text("stability_skipped", language))
            continue
        stability, ari = seg.stability(summary)
        out[seg.name] = stability
        shown = stability.assign(flagged=stability["flagged"].map({True: text("yes", language), False: ""}))
        table(shown, index=False, language=language)
        plot_stability(stability, language=language)
        plt.show()
        say("{line}", line=text("stability_summary", language, rounds=len(ari), ari=float(np.mean(ari)),
                                       flagged=int(stability["flagged"].sum()), tiers=len(stability)))
    record("unstable_tiers", {name: int(t["flagged"].sum()) for name, t in out.items()})
    return out


def cluster_findings(fitted: Clusterings, stability: dict[str, pd.DataFrame], language: str = "en") -> list[str]:
    """Per scheme: k and why, the largest tier, and which tiers the bootstrap does not support."""
    lines = []
    for name, seg in fitted.items():
        sizes = seg.segments_["customer_share"]
        lines.append(text("finding_clusters", language, scheme=name, k=seg.k_, tier=str(sizes.idxmax()),
                          share=float(sizes.max())))
        if seg.selection_ is not None:
            lines.append(seg.selection_.reason(language))
        flagged = stability.get(name)
        if flagged is not None:
            weak = list(flagged.loc[flagged["flagged"], "tier"])
            lines.append(text("finding_unstable", language, scheme=name, tiers="; ".join(weak)) if weak
                         else text("finding_stable", language, scheme=name))
    for name, reason in fitted.labels.not_fitted.items():
        lines.append(text("finding_not_fitted", language, schemes=f"{name} ({reason})"))
    return lines
