"""Sections of the churn report: one call per notebook cell.

:func:`churn_setup` defines churn once for the run (the inactivity threshold from params, from
the error-minimising rule on the calibration/holdout split, or from a quantile of the gaps) and
computes every customer's lifetime; the other functions show one section each.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench.churn import churn_durations, gap_quantile, inactivity_curve, tier_thresholds
from workbench.churn.evaluation import holdout_evaluation
from workbench.churn.kaplan_meier import tier_survival
from workbench.churn.models import CoxPH, survival_model
from workbench.churn.risk import ChurnRiskTiers, early_warning, summary_covariates, summary_durations
from workbench.errors import ConvergenceError, DataError, NotApplicableError, ParamsError
from workbench.i18n import text
from workbench.plots.churn import plot_calibration, plot_inactivity_curve, plot_tier_survival
from workbench.report.display import say, table
from workbench.report.metrics import record
from workbench.report.tiers import FittedSchemes, fit_schemes
from workbench.units import days_per_unit


@dataclass
class ChurnAnalysis:
    """What every section reads: the scenario, its summaries, the churn definition and the
    lifetimes. ``threshold`` is the common threshold (days; with tiers, the pooled quantile);
    ``tier_table`` the per-tier thresholds (``churn.threshold_by``); ``dates`` the known churn
    dates (``churn.dates_column``)."""

    sc: object
    summary: pd.DataFrame
    split: pd.DataFrame | None
    threshold: float
    rule: str
    curve: pd.DataFrame | None
    durations: pd.DataFrame
    covariates: pd.DataFrame
    covariate_columns: list[str]
    tier_table: pd.DataFrame | None = None
    dates: pd.Series | None = None

    @property
    def language(self) -> str:
        return self.sc.language


def churn_setup(sc) -> ChurnAnalysis:
    """Define churn for the run and compute the lifetimes (days) of every customer."""
    params = sc.params.churn
    summary = sc.summary()
    split = sc.summary(split=True) if sc.params.calibration_end is not None else None
    curve = tier_table = None
    thresholds: float | pd.Series
    if params.inactivity_days is not None:
        threshold, rule = float(params.inactivity_days), "params"
    elif params.threshold_by is not None:
        tier_table, labels = _tier_table(sc, summary, sc.observation_end)
        threshold, rule = float(tier_table.attrs["overall_days"]), "tiers"
    elif split is not None:
        curve, best = inactivity_curve(split)
        threshold, rule = float(max(best, 1)), "curve"
    else:
        threshold, rule = gap_quantile(sc.data.transactions, observation_end=sc.observation_end, quantile=params.gap_quantile), "quantile"
    thresholds = threshold if tier_table is None else _per_customer(labels, tier_table)
    dates = _churn_dates(sc)
    durations = churn_durations(sc.data.transactions, observation_end=sc.observation_end, inactivity_days=thresholds,
                                churn_dates=dates)
    attributes = params.attributes if params.attributes is not None else [
        c for c in summary.columns if isinstance(summary[c].dtype, pd.CategoricalDtype)]
    covariates, columns = summary_covariates(summary, attributes, "churn.attributes")
    record("churn_inactivity_days", threshold if tier_table is None else tier_table["threshold_days"].to_dict())
    record("churn_rate", float(durations["churned"].mean()))
    return ChurnAnalysis(sc, summary, split, threshold, rule, curve, durations, covariates, columns, tier_table, dates)


def _tier_table(sc, summary: pd.DataFrame, end) -> tuple[pd.DataFrame, pd.Series]:
    """The per-tier thresholds of ``churn.threshold_by`` on ``summary`` (tiers and gaps up to ``end``)."""
    name = sc.params.churn.threshold_by
    (seg,) = [s for s in sc.segmenters() if s.name == name]
    fitted = fit_schemes([seg], summary)
    if name not in fitted:
        raise NotApplicableError(f"churn.threshold_by: the scheme {name!r} cannot be fitted here ({fitted.not_fitted[name]})")
    labels = fitted[name]
    return tier_thresholds(sc.data.transactions, labels, observation_end=end, quantile=sc.params.churn.gap_quantile), labels


def _per_customer(labels: pd.Series, table: pd.DataFrame) -> pd.Series:
    return labels.astype(str).map(table["threshold_days"]).astype(float)


def _churn_dates(sc) -> pd.Series | None:
    """The known churn / contract-end dates of ``churn.dates_column`` (customer_id -> date)."""
    column = sc.params.churn.dates_column
    if column is None:
        return None
    customers = sc.data.customers
    if customers is None:
        raise ParamsError(f"churn.dates_column: {column!r} names a column of the customers table, but the scenario has "
                          "none; set data.customers")
    if column not in customers.columns:
        raise ParamsError(f"churn.dates_column: the customers table has no column {column!r}; columns: "
                          f"{', '.join(map(str, customers.columns))}")
    values = customers[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        raise ParamsError(f"churn.dates_column: column {column!r} of the customers table holds {values.dtype} values, "
                          "not dates; name it *_date or give the dates in ISO form (2024-05-31)")
    return values


def show_threshold(an: ChurnAnalysis) -> None:
    """How churn is defined here: the threshold and its rule, per-tier thresholds, known churn
    dates, and the error curve when the threshold was chosen by it."""
    lang = an.language
    churned = an.durations["churned"]
    say(text(f"threshold_{an.rule}", lang, days=an.threshold, q=an.sc.params.churn.gap_quantile,
             scheme=an.sc.params.churn.threshold_by))
    if an.tier_table is not None:
        shown = an.tier_table.assign(pooled=an.tier_table["pooled"].map({True: text("yes", lang), False: ""}))
        table(shown.rename_axis(text("tier", lang)), language=lang)
    if an.dates is not None:
        dated = an.durations["dated"]
        say(text("churn_dates", lang, column=an.sc.params.churn.dates_column, dated=int(dated.sum()),
                 churned=int((dated & churned).sum()), active=int((dated & ~churned).sum())))
    say(text("churn_counts", lang, n=len(churned), churned=int(churned.sum()), share=float(churned.mean()),
             won_back=int((an.durations["days_after_churn"] > 0).sum())))
    if an.curve is not None:
        shown = an.curve.loc[:min(int(an.curve.index.max()), int(3 * an.threshold))]
        plot_inactivity_curve(shown, int(an.threshold), language=lang)
        plt.show()
        row = an.curve.loc[int(an.threshold)]
        say(text("threshold_errors", lang, false=int(row["false_churn"]), missed=int(row["missed_churn"]), rate=float(row["error_rate"])))


def show_tier_survival(an: ChurnAnalysis) -> FittedSchemes:
    """Kaplan-Meier lifetimes per tier for the schemes of ``churn.schemes`` (default: the first
    two), with medians and log-rank tests."""
    lang = an.language
    segmenters = an.sc.segmenters()
    wanted = an.sc.params.churn.schemes or [s.name for s in segmenters]
    chosen = [s for s in segmenters if s.name in wanted]
    fitted = fit_schemes(chosen, an.summary)
    shown = 0
    for name, labels in fitted.items():
        if not an.sc.params.churn.schemes and shown == 2:
            break
        try:
            result = tier_survival(an.durations, labels)
        except DataError as exc:
            say("<i>{note}</i>", note=f"{name}: {exc}")
            continue
        shown += 1
        plot_tier_survival(result.curves, title=text("km_title", lang, scheme=name), language=lang)
        plt.show()
        table(result.medians.rename_axis(text("tier", lang)), language=lang)
        p = result.logrank["p"]
        say(text("logrank_differs" if result.differs() else "logrank_same", lang, scheme=name,
                 stat=result.logrank["statistic"], df=result.logrank["df"], p=p))
        record(f"churn_logrank_{name}", result.logrank)
    return fitted


def show_models(an: ChurnAnalysis) -> dict:
    """Each churn model of ``churn.models`` fitted on every customer's lifetime: its table, its
    notes (dropped columns), and for Cox the proportional-hazards check in words."""
    lang = an.language
    rows = an.durations.join(an.covariates)
    models = {}
    for kind in an.sc.params.churn.models:
        cls = survival_model(kind, "churn.models")
        try:
            model = cls().fit(rows, duration="until_known", covariates=an.covariate_columns)
        except (ConvergenceError, DataError) as exc:
            say("<b>{label}</b>: <i>{note}</i>", label=text(cls.label, lang), note=text("model_not_fitted", lang, reason=exc))
            continue
        models[kind] = model
        say("<b>{label}</b>", label=text(cls.label, lang))
        summary = model.summary[["coef", "se(coef)", "p"]].copy()
        summary[text("effect_" + kind, lang)] = np.exp(summary["coef"])
        table(summary, language=lang)
        for note in model.notes_:
            say("<i>{note}</i>", note=_note(note, lang))
        if isinstance(model, CoxPH):
            say("<i>{note}</i>", note=text("ph_ok" if model.ph_check_.startswith("Proportional") else "ph_violated", lang,
                                           detail=model.ph_check_.split(": ", 1)[-1]))
        record(f"churn_loglik_{kind}", model.log_likelihood_)
    return models


def _note(note: str, lang: str) -> str:
    """A model note in the report language (the English notes carry their own numbers)."""
    if lang == "en":
        return note
    if "is constant" in note or "has one level" in note:
        return text("note_dropped_constant", lang, column=note.split(" ", 1)[0])
    if "linear combination" in note:
        return text("note_dropped_collinear", lang, column=note.split(" ", 1)[0])
    if "baseline hazard continues" in note:
        return text("note_tail", lang)
    return note


def show_evaluation(an: ChurnAnalysis):
    """Every predictor scored on the holdout (needs ``calibration_end``); the table and the
    calibration plot. Returns the evaluation, or None when there is no split."""
    lang = an.language
    if an.split is None:
        say("<i>{note}</i>", note=text("no_split_churn", lang))
        return None
    sc = an.sc
    calibration, full = evaluation_durations(an)
    covariates, columns = summary_covariates(an.split, [c for c in an.covariate_columns if c in an.split.columns
                                                         and c not in ("log_frequency", "log_spend")], "churn.attributes")
    per_day = 1.0 / days_per_unit(sc.params.time_unit, "time_unit")
    btyd = {}
    try:
        for label, model in sc.transaction_models(an.split, skip_failed=True).items():
            btyd[label] = (model, an.split, per_day)
    except (ConvergenceError, NotApplicableError) as exc:
        say("<i>{note}</i>", note=text("model_not_fitted", lang, reason=exc))
    models = {}
    for kind in sc.params.churn.models:
        cls = survival_model(kind)
        models[cls.label] = cls()
    try:
        evaluation = _evaluate(calibration, full, covariates, columns, models, sc.params.churn.horizon_days, btyd)
    except (ParamsError, DataError) as exc:
        say("<i>{note}</i>", note=text("evaluation_skipped", lang, reason=exc))
        return None
    shown = evaluation.table.rename(index=lambda p: predictor_label(p, lang))
    table(shown, language=lang)
    last = float(calibration.loc[calibration["churned"], "until_known"].max())
    beyond = float((evaluation.outcomes["earliest_known"] > last).mean())
    if beyond >= 0.1:
        say("<i>{note}</i>", note=text("evaluation_extrapolates", lang, share=beyond, days=last))
    plot_calibration({predictor_label(k, lang): v.curve for k, v in evaluation.calibration.items()}, evaluation.horizon, language=lang)
    plt.show()
    record("churn_evaluation", evaluation.table.round(6).reset_index().to_dict(orient="records"))
    return evaluation


def evaluation_durations(an: ChurnAnalysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lifetimes seen at the calibration end and at the observation end under one
    definition. Per-tier thresholds come from the calibration tiers and gaps and hold in both
    periods (the pooled calibration quantile for customers first seen later), so the holdout
    is not peeked at."""
    sc = an.sc
    end = sc.params.calibration_end
    if an.tier_table is None:
        return (churn_durations(sc.data.transactions, observation_end=end, inactivity_days=an.threshold, churn_dates=an.dates),
                an.durations)
    table, labels = _tier_table(sc, an.split, end)
    known = _per_customer(labels, table)
    calibration = churn_durations(sc.data.transactions, observation_end=end, inactivity_days=known, churn_dates=an.dates)
    thresholds = known.reindex(an.durations.index).fillna(float(table.attrs["overall_days"]))
    full = churn_durations(sc.data.transactions, observation_end=sc.observation_end, inactivity_days=thresholds,
                           churn_dates=an.dates)
    return calibration, full


def _evaluate(calibration, full, covariates, columns, models, horizon, btyd):
    """holdout_evaluation, dropping a model that cannot be fitted on the calibration period."""
    while True:
        try:
            return holdout_evaluation(calibration, full, covariates, models=models, covariate_columns=columns,
                                      horizon=horizon, btyd=btyd)
        except ConvergenceError as exc:
            failed = next((label for label in models if label in str(exc) or type(models[label]).__name__ in str(exc)), None)
            if failed is None:
                raise
            models = {k: v for k, v in models.items() if k != failed}


def predictor_label(name: str, lang: str) -> str:
    """A predictor's name in the report language ("BG/NBD: 1 - P(alive)" -> its translation)."""
    if ": " in name:
        model, score = name.split(": ", 1)
        return text("predictor_btyd", lang, model=model, score=text(score, lang))
    return text(name, lang)


def show_risk_tiers(an: ChurnAnalysis) -> tuple[FittedSchemes, pd.DataFrame]:
    """The churn-risk tiers (a ``churn_risk`` scheme of ``tiers.schemes``, else one from
    ``churn:``) and the early-warning figures per tier."""
    params = an.sc.params.churn
    schemes = [s for s in an.sc.segmenters() if isinstance(s, ChurnRiskTiers)] or [ChurnRiskTiers(
        inactivity_days=an.threshold, horizon_days=params.horizon_days, watch=params.watch, at_risk=params.at_risk,
        model=params.models[0], attributes=[c for c in an.covariate_columns if c not in ("log_frequency", "log_spend")],
        name="churn_risk", language=an.language)]
    for seg in schemes:
        if float(seg.inactivity_days) != an.threshold:
            say("<i>{note}</i>", note=text("risk_own_threshold", an.language, scheme=seg.name, days=float(seg.inactivity_days)))
    fitted = fit_schemes(schemes, an.summary)
    figures = pd.DataFrame()
    clv = an.sc.params.clv
    btyd = _btyd_clv(an)
    for seg in schemes:
        if seg.name not in fitted or seg.model_ is None:
            continue
        durations = summary_durations(an.summary, seg.params_.inactivity_days, seg.name)
        covariates, _ = summary_covariates(an.summary, seg.params_.attributes)
        spend = an.summary["revenue"] if "revenue" in an.summary.columns else None
        warning = early_warning(seg.model_, durations, covariates, horizon_days=seg.params_.horizon_days, spend=spend,
                                limit_days=clv.horizon_months * 365.25 / 12, discount_rate=clv.discount_rate)
        if btyd is not None and "survival_clv" in warning.columns:
            warning[text("btyd_clv", an.language, model=btyd.name)] = btyd.reindex(warning.index)
        figures = warning.groupby(fitted[seg.name], observed=True).mean()
        figures.insert(0, "customers", fitted[seg.name].value_counts().reindex(figures.index).to_numpy())
        table(figures.rename_axis(text("tier", an.language)), language=an.language)
        if btyd is not None and "survival_clv" in warning.columns:
            _say_clv_side_by_side(an, warning["survival_clv"], btyd)
        record(f"churn_risk_{seg.name}", fitted[seg.name].value_counts().to_dict())
    return fitted, figures


def _btyd_clv(an: ChurnAnalysis) -> pd.Series | None:
    """The run's BTYD CLV per customer (``clv:``'s first model with Gamma-Gamma spend), named
    after the model; None without amounts or when it cannot be fitted."""
    if not an.sc.has_amounts:
        return None
    summary = an.sc.with_clv(an.summary)
    if "clv" not in summary.columns:
        return None
    from workbench.models.registry import transaction_model

    cls = transaction_model(an.sc.params.clv.models[0])
    return summary["clv"].rename(cls.label or cls.__name__)


def _say_clv_side_by_side(an: ChurnAnalysis, survival: pd.Series, btyd: pd.Series) -> None:
    """Totals of the two CLVs over the same horizon and discount, and their rank correlation."""
    both = pd.DataFrame({"survival": survival, "btyd": btyd.reindex(survival.index)}).dropna()
    if len(both) < 3 or both["btyd"].sum() <= 0:
        return
    rho = float(both["survival"].rank().corr(both["btyd"].rank()))
    clv = an.sc.params.clv
    say(text("clv_side_by_side", an.language, months=clv.horizon_months, rate=clv.discount_rate, model=btyd.name,
             survival=float(both["survival"].sum()), btyd=float(both["btyd"].sum()),
             ratio=float(both["survival"].sum() / both["btyd"].sum()), rho=rho))
    record("churn_clv_totals", {"survival": float(both["survival"].sum()), "btyd": float(both["btyd"].sum()), "rank_correlation": rho})


def churn_findings(an: ChurnAnalysis, evaluation, risk: FittedSchemes) -> list[str]:
    """The executive summary of the churn report, from the numbers."""
    lang = an.language
    churned = an.durations["churned"]
    if an.tier_table is None:
        out = [text("finding_churn_definition", lang, days=an.threshold, share=float(churned.mean()))]
    else:
        days = an.tier_table["threshold_days"]
        out = [text("finding_churn_tiers", lang, low=float(days.min()), high=float(days.max()),
                    scheme=an.sc.params.churn.threshold_by, share=float(churned.mean()))]
    if evaluation is not None:
        out.append(text("finding_best_predictor", lang, name=predictor_label(evaluation.best(), lang),
                        ibs=float(evaluation.table["integrated_brier"].min()),
                        c_name=predictor_label(evaluation.best("harrell_c"), lang), c=float(evaluation.table["harrell_c"].max())))
    for name, labels in risk.items():
        counts = labels.value_counts(sort=False)
        at_risk = counts.iloc[2] if len(counts) > 2 else 0
        dormant = counts.iloc[3] if len(counts) > 3 else 0
        out.append(text("finding_risk", lang, at_risk=int(at_risk), dormant=int(dormant), n=int(counts.sum())))
    return out
