"""Sections of the method comparison (the headline report): one call per notebook cell.

:func:`compare_setup` fits every scheme of ``compare.schemes`` (default: every tier scheme, plus
the default clustering when none clusters) on the calibration summary and scores it on the
holdout period: value, churn, shape, stability, cost; :func:`show_scorecard` ranks them and the
other sections show the evidence, the agreement between methods, the tier migration of the
recommended scheme and its CRM export.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench.cluster.tiers import ClusterTiers
from workbench.compare import (
    agreement_matrix,
    bootstrap_scores,
    churn_scores,
    cost_scores,
    crosstab,
    migration_table,
    rank_methods,
    recommendation,
    shape_scores,
    shift_scores,
    stationary_distribution,
    tier_churn,
    tier_value,
    transition_matrix,
    value_calibration,
    value_scores,
)
from workbench.compare.stability import refitted
from workbench.compare.value import gain_curve
from workbench.errors import ConvergenceError, DataError, NotApplicableError, ParamsError
from workbench.i18n import text
from workbench.playbook import playbook_table
from workbench.plots.compare import plot_agreement, plot_gain_curves, plot_tier_metric, plot_transitions
from workbench.report.display import say, table
from workbench.report.metrics import record
from workbench.report.tiers import FittedSchemes, fit_schemes
from workbench.segment.base import Segmenter
from workbench.units import days_per_unit

#: Scorecard columns shown, in order (the ranks follow in the full table).
SHOWN = ["normalized_gini", "spearman", "top_lift", "churn_c", "inactive_spearman", "bootstrap_ari", "shift_ari",
         "targeting_lift", "tiers", "entropy", "overall"]


@dataclass
class Comparison:
    """Everything the sections read: the calibration summary (with the CLV predictions), the
    fitted schemes and their calibration tiers, the holdout value and churn outcomes, the
    scores per method and the scorecard."""

    sc: object
    split: pd.DataFrame
    segmenters: dict[str, Segmenter]
    labels: FittedSchemes
    values: pd.Series
    value_kind: str
    outcomes: pd.DataFrame | None
    scores: pd.DataFrame
    card: pd.DataFrame
    best: dict[str, str]
    stability: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: (scheme or "churn", stage, reason) of each step that could not be done
    notes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.sc.language

    @property
    def chosen(self) -> str:
        """The scheme exported for the CRM: ``compare.choose``, else the best overall."""
        return self.sc.params.compare.choose or self.best["overall"]


def compared_schemes(sc, summary: pd.DataFrame) -> list[Segmenter]:
    """The unfitted segmenters of ``compare.schemes`` (default: all of ``tiers.schemes``), plus
    the default clustering when none of them clusters."""
    from workbench.report.clustering import default_clustering

    wanted = sc.params.compare.schemes
    schemes = [s for s in sc.segmenters() if not wanted or s.name in wanted]
    if not wanted and not any(isinstance(s, ClusterTiers) for s in schemes):
        schemes.append(default_clustering(summary, sc.language))
    return schemes


def compare_setup(sc) -> Comparison:
    """Fit and score every compared scheme on the calibration/holdout split."""
    if sc.params.calibration_end is None:
        raise ParamsError("compare: set calibration_end; the methods are scored on the holdout period after it")
    params = sc.params.compare
    split = sc.with_clv(sc.summary(split=True))
    schemes = compared_schemes(sc, split)
    labels = fit_schemes(schemes, split)
    segmenters = {s.name: s for s in schemes if s.name in labels}
    kind = "revenue" if sc.has_amounts else "purchases"
    values = split["revenue_holdout" if kind == "revenue" else "frequency_holdout"].astype(float)
    notes = [(name, "not_fitted", reason) for name, reason in labels.not_fitted.items()]
    outcomes = _churn_outcomes(sc, notes)
    earlier = _shifted_summary(sc, notes) if params.shift_months else None
    scores, stability = {}, {}
    for name, tiers in labels.items():
        seg = segmenters[name]
        row = {**shape_scores(tiers), **value_scores(tiers, values), **churn_scores(tiers, split, outcomes)}
        costs = playbook_table(tiers, sc.params.tiers)["cost"]
        row.update(cost_scores(tiers, costs.set_axis(costs.index.astype(str)), values))
        if params.bootstrap:
            try:
                boot, stability[name] = bootstrap_scores(seg, split, tiers, rounds=params.bootstrap, random_state=params.seed)
                row.update(boot)
            except (ConvergenceError, NotApplicableError, DataError) as exc:
                notes.append((name, "bootstrap", str(exc)))
        if earlier is not None:
            try:
                row.update(shift_scores(tiers, refitted(seg).fit_assign(earlier)))
            except (ConvergenceError, NotApplicableError, DataError) as exc:
                notes.append((name, "time_shift", str(exc)))
        scores[name] = row
    if not scores:
        raise DataError("compare: no scheme could be fitted on the calibration summary")
    card = rank_methods(scores)
    best = recommendation(card)
    record("compare_scorecard", card[[c for c in SHOWN if c in card.columns]].round(6).reset_index().to_dict(orient="records"))
    record("compare_recommendation", best)
    return Comparison(sc, split, segmenters, labels, values, kind, outcomes, pd.DataFrame(scores).T, card, best,
                      stability, notes)


def _churn_outcomes(sc, notes: list) -> pd.DataFrame | None:
    """The landmark churn outcomes of the churn report's definition (None, with a note, when
    churn cannot be defined on this split)."""
    from workbench.churn.evaluation import landmark_outcomes
    from workbench.report.churn import churn_setup, evaluation_durations

    try:
        analysis = churn_setup(sc)
        return landmark_outcomes(*evaluation_durations(analysis))
    except (DataError, ParamsError, NotApplicableError) as exc:
        notes.append(("churn", "churn", str(exc)))
        return None


def _shifted_summary(sc, notes: list) -> pd.DataFrame | None:
    """The summary ``compare.shift_months`` before the calibration end, with the CLV predictions."""
    end = (pd.Timestamp(sc.params.calibration_end) - pd.DateOffset(months=sc.params.compare.shift_months)).date()
    try:
        return sc.with_clv(sc.summary_at(end), quiet=True)
    except (DataError, NotApplicableError) as exc:
        notes.append(("all", "time_shift", str(exc)))
        return None


def show_scorecard(cmp: Comparison) -> None:
    """The scorecard (best overall first) and the recommendation in words."""
    lang = cmp.language
    shown = cmp.card[[c for c in SHOWN if c in cmp.card.columns]]
    table(shown.rename_axis(text("method", lang)), language=lang)
    say(text("compare_ranking_rule", lang))
    for name, stage, reason in cmp.notes:
        say("<i>{note}</i>", note=step_note(name, stage, reason, lang))


def step_note(name: str, stage: str, reason: str, lang: str) -> str:
    """A step that could not be done, in the report language (the reason, in English, only in
    English reports; the run log keeps it)."""
    if lang == "en":
        return text("compare_note", lang, note=f"{name}: {text('stage_' + stage, lang)}: {reason}")
    print(f"{name}: {stage}: {reason}", file=sys.stderr)  # hidden in the report, kept in the executed notebook
    return text("compare_step_failed", lang, name=name, stage=text("stage_" + stage, lang))


def compare_findings(cmp: Comparison) -> list[str]:
    """The executive summary: which method to use for what, with the evidence."""
    lang, card, best = cmp.language, cmp.card, cmp.best
    out = [text("finding_compare_overall", lang, name=best["overall"], n=len(card),
                gini=float(card.loc[best["overall"], "normalized_gini"]))]
    if "value" in best:
        top, worst = card["normalized_gini"].idxmax(), card["normalized_gini"].idxmin()
        out.append(text("finding_compare_value", lang, name=best["value"], gini=float(card.loc[best["value"], "normalized_gini"]),
                        rho=float(card.loc[best["value"], "spearman"]), top=top, top_gini=float(card.loc[top, "normalized_gini"]),
                        worst=worst, worst_gini=float(card.loc[worst, "normalized_gini"])))
    if "churn" in best and np.isfinite(card.loc[best["churn"], "churn_c"]):
        out.append(text("finding_compare_churn", lang, name=best["churn"], c=float(card.loc[best["churn"], "churn_c"])))
    if "stability" in best and "bootstrap_ari" in card.columns:
        out.append(text("finding_compare_stability", lang, name=best["stability"],
                        ari=float(card.loc[best["stability"], "bootstrap_ari"])))
    if "cost" in best and np.isfinite(card.loc[best["cost"], "targeting_lift"]):
        out.append(text("finding_compare_cost", lang, name=best["cost"], lift=float(card.loc[best["cost"], "targeting_lift"])))
    out.append(text("finding_compare_chosen", lang, name=cmp.chosen))
    return out


def show_value(cmp: Comparison) -> None:
    """Gain curves of every method against the holdout value, and the value per tier of the
    recommended scheme; the value calibration of the CLV models' holdout predictions."""
    lang = cmp.language
    curves = {name: _gain_curve(tiers, cmp.values) for name, tiers in cmp.labels.items()}
    plot_gain_curves(curves, _gain_curve_oracle(cmp.values), language=lang, value_kind=cmp.value_kind)
    plt.show()
    best = cmp.best.get("value", cmp.best["overall"])
    say(text("compare_value_tiers", lang, name=best))
    tiers = tier_value(cmp.labels[best], cmp.values)
    purchases = cmp.split["frequency_holdout"].reindex(cmp.labels[best].index).groupby(cmp.labels[best], observed=False).mean()
    tiers.insert(3, "holdout_purchases_per_customer", purchases.to_numpy())
    table(tiers.rename_axis(text("tier", lang)), language=lang)
    calibration = _value_calibration(cmp)
    if calibration is not None:
        say(text("compare_value_calibration", lang))
        table(calibration, language=lang)


def _gain_curve(tiers: pd.Series, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The expected gain chart of a tier order, best tier first."""
    return gain_curve(tiers.cat.codes.to_numpy().astype(np.int64), values.reindex(tiers.index).to_numpy(dtype=float))


def _gain_curve_oracle(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The gain chart of the perfect order (each customer a group of their own, highest first)."""
    v = values.to_numpy(dtype=float)
    return gain_curve(np.argsort(np.argsort(-v, kind="stable"), kind="stable"), v)


def _value_calibration(cmp: Comparison) -> pd.DataFrame | None:
    """Each transaction model's prediction of the holdout value (purchases x Gamma-Gamma spend)
    against the actual: errors per decile and in total."""
    sc, split = cmp.sc, cmp.split
    length = (pd.Timestamp(sc.observation_end) - pd.Timestamp(sc.params.calibration_end)).days / days_per_unit(sc.params.time_unit, "time_unit")
    rows = {}
    try:
        models = sc.transaction_models(split, skip_failed=True)
        spend = sc.spend_model(split).conditional_expected_spend(split) if cmp.value_kind == "revenue" else 1.0
    except (ConvergenceError, NotApplicableError):
        return None
    from workbench.segment.clv import CLVTiers

    clv_schemes = [name for name, seg in cmp.segmenters.items() if isinstance(seg, CLVTiers)]
    for label, model in models.items():
        predicted = model.conditional_expected_purchases(length, split) * spend
        _, scores = value_calibration(predicted, cmp.values)
        for name in clv_schemes:  # the error of the tier means, for each CLV tiering
            scores[f"tier_error ({name})"] = value_calibration(predicted, cmp.values, cmp.labels[name])[1]["tier_error"]
        rows[label] = scores
    return pd.DataFrame(rows).T.rename_axis(text("model", cmp.language)) if rows else None


def show_churn(cmp: Comparison) -> None:
    """The share of each tier that bought nothing in the holdout period, for every method."""
    lang = cmp.language
    shares = {}
    for name, tiers in cmp.labels.items():
        churn = tier_churn(tiers, cmp.split)
        shares[name] = pd.DataFrame({"customer_share": churn["customers"] / churn["customers"].sum(),
                                     "value": churn["inactive_share"]})
    plot_tier_metric(shares, text("inactive_share", lang), language=lang)
    plt.show()
    best = cmp.best.get("churn", cmp.best["overall"])
    horizon = cmp.sc.params.churn.horizon_days
    say(text("compare_churn_tiers", lang, name=best, days=horizon))
    table(tier_churn(cmp.labels[best], cmp.split, cmp.outcomes, horizon=horizon).rename_axis(text("tier", lang)), language=lang)
    if cmp.outcomes is None:
        say("<i>{note}</i>", note=text("compare_no_churn", lang))


def show_stability(cmp: Comparison) -> None:
    """Bootstrap and time-shift stability per method, and the least stable tier of each."""
    lang = cmp.language
    columns = [c for c in ("bootstrap_ari", "bootstrap_ari_min", "weakest_jaccard", "shift_ari", "shift_same_tier")
               if c in cmp.scores.columns]
    if not columns:
        say("<i>{note}</i>", note=text("compare_no_stability", lang))
        return
    rows = cmp.scores[columns].astype(float)
    weakest = {name: str(t["jaccard"].idxmin()) for name, t in cmp.stability.items() if t["jaccard"].notna().any()}
    rows[text("weakest_tier", lang)] = pd.Series(weakest)
    table(rows.rename_axis(text("method", lang)), language=lang)
    say(text("compare_stability_rule", lang, rounds=cmp.sc.params.compare.bootstrap, months=cmp.sc.params.compare.shift_months))


def show_agreement(cmp: Comparison) -> pd.DataFrame:
    """How far the methods agree: the adjusted Rand index as a heat map, the normalised mutual
    information as a table, and the crosstab of the two best methods."""
    ari, nmi = agreement_matrix(dict(cmp.labels))
    plot_agreement(ari, language=cmp.language)
    plt.show()
    say(text("compare_nmi", cmp.language))
    table(nmi, language=cmp.language)
    first, second = list(cmp.card.index[:2]) if len(cmp.card) > 1 else (None, None)
    if first is not None:
        say(text("compare_crosstab", cmp.language, a=first, b=second))
        table(crosstab(cmp.labels[first], cmp.labels[second]), language=cmp.language)
    return ari


def show_migration(cmp: Comparison) -> dict[str, pd.DataFrame]:
    """Tier migration between snapshots for ``compare.migration_schemes`` (default: the chosen
    scheme): the row shares of the last transition, the rates per transition and where the tier
    shares would settle."""
    sc, lang = cmp.sc, cmp.language
    params = sc.params.compare
    names = params.migration_schemes or [cmp.chosen]
    dates = snapshot_dates(sc.observation_end, params.snapshot_months, params.snapshots)
    out = {}
    for name in names:
        seg = cmp.segmenters.get(name) or next((s for s in compared_schemes(sc, cmp.split) if s.name == name), None)
        if seg is None:
            continue
        snapshots: list[tuple[dt.date, pd.Series]] = []
        for d in dates:
            try:
                snapshots.append((d, refitted(seg).fit_assign(sc.with_clv(sc.summary_at(d), quiet=True))))
            except (ConvergenceError, NotApplicableError, DataError) as exc:
                say("<i>{note}</i>", note=step_note(name, "migration", f"{d.isoformat()}: {exc}", lang))
        if len(snapshots) < 2:
            continue
        taken = [d for d, _ in snapshots]
        if len({tuple(t.cat.categories) for _, t in snapshots}) > 1:
            say("<i>{note}</i>", note=text("compare_tiers_changed", lang, name=name))
            continue
        rates = migration_table([(d.isoformat(), t) for d, t in snapshots]).set_index(["from", "to"])
        rates = rates.astype({"new": int, "customers": int})
        last = transition_matrix(snapshots[-2][1], snapshots[-1][1])
        plot_transitions(last, title=text("migration_title", lang, name=name, start=taken[-2].isoformat(), end=taken[-1].isoformat()),
                         language=lang)
        plt.show()
        table(rates.rename_axis([text("from", lang), text("to", lang)]), language=lang)
        settled = pd.DataFrame({"current_share": snapshots[-1][1].value_counts(normalize=True, sort=False),
                                "stationary_share": stationary_distribution(last)})
        table(settled.rename_axis(text("tier", lang)), language=lang)
        record(f"compare_migration_{name}", rates.reset_index().round(6).to_dict(orient="records"))
        out[name] = rates
    return out


def snapshot_dates(end: dt.date, months: int, count: int) -> list[dt.date]:
    """``count`` dates ``months`` apart, the last one ``end``, oldest first."""
    stamp = pd.Timestamp(end)
    return [(stamp - pd.DateOffset(months=months * k)).date() for k in range(count - 1, -1, -1)]


def export_chosen(cmp: Comparison) -> pd.DataFrame:
    """The chosen scheme refitted on the whole period and exported for the CRM as CSV (UTF-8
    with BOM, formula cells neutralised) and Parquet: tier, labels, playbook, CLV, P(alive) and
    churn risk per customer. The manifest records which scheme and why."""
    from workbench.playbook import crm_export

    sc, name = cmp.sc, cmp.chosen
    summary = sc.with_clv(sc.summary())
    seg = cmp.segmenters.get(name) or next(s for s in compared_schemes(sc, cmp.split) if s.name == name)
    labels = refitted(seg).fit_assign(summary)
    frame = summary.assign(p_churn=_churn_risk(sc, summary))
    metrics = [c for c in ("frequency", "recency", "T", "monetary_value", "revenue", "clv", "p_alive", "p_churn")
               if c in frame.columns and frame[c].notna().any()]
    book = playbook_table(labels, sc.params.tiers, language=sc.language)
    from workbench.privacy import id_key

    ids = False if sc.params.export_customer_ids else id_key()
    files = [crm_export(frame, labels, book, sc.export_path(f"chosen_{name}.{ext}"), format=ext, pseudonymise=ids, metrics=metrics)
             for ext in ("csv", "parquet")]
    why = "compare.choose" if sc.params.compare.choose else "best overall on the scorecard"
    record("compare_chosen", {"scheme": name, "why": why, "overall_rank": float(cmp.card.loc[name, "overall"])
                              if name in cmp.card.index else None, "files": [f.name for f in files]})
    record("exports", [f.name for f in files])
    say(text("compare_export", cmp.language, name=name, why=text(f"why_{'choose' if sc.params.compare.choose else 'best'}", cmp.language),
             n=len(labels)))
    return pd.DataFrame({"scheme": [name, name], "file": [f.name for f in files]})


def _churn_risk(sc, summary: pd.DataFrame) -> pd.Series:
    """P(churn within the horizon) per customer from the churn-risk scheme (the one in
    ``tiers.schemes``, else one from ``churn:``); NaN when no churn model can be fitted."""
    from workbench.churn.risk import ChurnRiskTiers, early_warning, summary_covariates, summary_durations

    params = sc.params.churn
    seg = next((s for s in sc.segmenters() if isinstance(s, ChurnRiskTiers)), None) or ChurnRiskTiers(
        horizon_days=params.horizon_days, model=params.models[0], name="churn_risk", language=sc.language)
    try:
        seg.fit(summary)
    except (ConvergenceError, NotApplicableError, DataError):
        return pd.Series(np.nan, index=summary.index)
    if seg.model_ is None:
        return pd.Series(np.nan, index=summary.index)
    durations = summary_durations(summary, seg.params_.inactivity_days, seg.name)
    covariates, _ = summary_covariates(summary, seg.params_.attributes)
    return early_warning(seg.model_, durations, covariates, horizon_days=seg.params_.horizon_days)["p_churn"]
