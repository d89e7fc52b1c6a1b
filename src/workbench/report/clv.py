"""Sections of the CLV report: one call per notebook cell."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.i18n import text
from workbench.models import selection, validation
from workbench.models.clv import predict_clv
from workbench.plots import clv as clv_plots
from workbench.report.display import say, table
from workbench.report.metrics import record
from workbench.report.tiers import fit_schemes, show_schemes

#: Parameter draws behind the CLV report's intervals and tier confidence
N_DRAWS = 200


def fit_models(sc) -> tuple[pd.DataFrame, dict, object | None]:
    """The calibration summary (with holdout columns), the scenario's transaction models and the
    Gamma-Gamma spend model (None, with a note, for a log without amounts), each fitted once on
    it by the scenario and shared with every later section."""
    calibration = sc.summary(split=True)
    record("customers", len(calibration))
    record("holdout_repeat_transactions", int(calibration["frequency_holdout"].sum()))
    models = sc.transaction_models(calibration, skip_failed=True)  # a model that cannot be fitted is left out
    for kind, exc in sc.model_errors.items():
        say("<i>{note}</i>", note=text("clv_model_left_out", sc.language, model=kind, reason=exc))
    if not models:
        raise WorkbenchError(f"clv.models: none of {sc.params.clv.models} could be fitted on the calibration period")
    spend = sc.spend_model(calibration) if sc.has_amounts else None
    if spend is None:
        say(text("no_amounts_clv", sc.language))
    return calibration, models, spend


def show_comparison(models: dict, calibration: pd.DataFrame) -> pd.DataFrame:
    """Log-likelihood, AIC and holdout errors per model (MAE recorded), shown and returned."""
    comparison = selection.model_comparison(models, calibration)
    record("holdout_mae", comparison["MAE"].round(4).to_dict())
    table(comparison)
    return comparison


def show_estimates(models: dict, spend, language: str) -> None:
    """Estimates with standard errors, recorded per model; the spend-frequency correlation."""
    table(selection.parameter_table({**models, **({"Gamma-Gamma": spend} if spend is not None else {})}))
    for name, model in models.items():
        record(f"params_{name}", model.params_.round(4).to_dict())
    if spend is not None:
        record("params_Gamma-Gamma", spend.params_.round(4).to_dict())
        say("{sentence}", sentence=text("spend_correlation", language, corr=spend.frequency_spend_corr_))


def show_tracking(models: dict, sc) -> None:
    """Cumulative and per-period repeat transactions, actual against each model."""
    tracks = {name: validation.tracking(model, sc.data.transactions, time_unit=sc.params.time_unit,
                                        observation_end=sc.observation_end, calibration_end=sc.params.calibration_end)
              for name, model in models.items()}
    fig, axes = plt.subplots(len(tracks), 2, figsize=(13, 4 * len(tracks)), squeeze=False)
    for row, (name, track) in zip(axes, tracks.items()):
        for ax, cumulative in zip(row, (True, False)):
            clv_plots.plot_tracking(track, cumulative=cumulative, ax=ax, language=sc.language)
            ax.set_title(f"{name}: {ax.get_title()}")
    plt.show()


def show_conditional_expectations(models: dict, calibration: pd.DataFrame, max_frequency: int, language: str) -> None:
    """Mean holdout purchases by calibration frequency: each model against the actual."""
    fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 4), squeeze=False)
    for ax, (name, model) in zip(axes[0], models.items()):
        expected = validation.conditional_expectations(model, calibration, max_frequency)
        clv_plots.plot_conditional_expectations(expected, ax=ax, language=language).set_title(name)
    plt.show()


def show_best_model(models: dict, comparison: pd.DataFrame, calibration: pd.DataFrame, sc) -> tuple[str, object]:
    """The model with the smallest holdout error (recorded and said), with its P(alive) and
    expected-purchases matrices."""
    best_name = record("best_model", selection.best_model(models, comparison))
    best = models[best_name]
    say("{sentence}", sentence=text("best_model_used", sc.language, name=best_name))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    clv_plots.plot_p_alive_matrix(best, ax=axes[0], language=sc.language)
    clv_plots.plot_expected_purchases_matrix(best, t=calibration["duration_holdout"].iloc[0], ax=axes[1],
                                             language=sc.language, time_unit=sc.params.time_unit)
    plt.show()
    return best_name, best


def show_clv(models: dict, best, spend, calibration: pd.DataFrame, sc) -> tuple[pd.DataFrame | None, float | None]:
    """CLV of the best model, how each model's CLV ranks holdout revenue, the CLV distribution;
    (None, None) and a note without amounts."""
    if spend is None:
        say(text("no_amounts_clv", sc.language))
        return None, None
    settings = sc.params.clv
    values = predict_clv(best, spend, calibration, settings.horizon_months, settings.discount_rate)
    total = record("clv_total", round(float(values.sum()), 2))
    ranking = selection.clv_holdout_ranking(models, spend, calibration, settings.horizon_months, settings.discount_rate)
    record("clv_top_decile_share", ranking["top_share"].round(4).to_dict())
    table(ranking)
    clv_plots.plot_clv_distribution(values, language=sc.language)
    plt.show()
    return ranking, total


def show_clv_tiers(sc, calibration: pd.DataFrame) -> None:
    """The scenario's model-based tier schemes fitted on the calibration period, with holdout columns."""
    calibration = sc.with_clv(calibration)
    schemes = fit_schemes([s for s in sc.segmenters() if s.needs_repeat_customers], calibration)
    show_schemes(schemes, calibration, sc.params.tiers, language=sc.language,
                 extra_columns=["frequency_holdout", "revenue_holdout"])


def show_covariates(models: dict, sc) -> None:
    """Each model with covariates: its coefficients (with exp(coef), the factor on the rate) and
    the likelihood-ratio test against the same model without them; a note when there is none."""
    from workbench.models.registry import transaction_model

    wanted = [k for k in sc.params.clv.models if getattr(transaction_model(k), "takes_covariates", False)]
    if not wanted:
        say(text("no_covariate_models", sc.language))
        return
    for kind in wanted:
        cls = transaction_model(kind)
        name = cls.label or cls.__name__
        model = models.get(name)
        if model is None:  # fit_models said why
            continue
        test = record(f"lr_test_{name}", {k: round(float(v), 6) for k, v in model.lr_test.items()})
        record(f"coefficients_{name}", model.coefficient_table["coef"].round(4).to_dict())
        reference = ", ".join(f"{k} = {v}" for k, v in model.design_.reference.items()) or "-"
        say("{sentence}", sentence=text("lr_test", sc.language, model=name, reference=reference, **test))
        table(model.coefficient_table, caption=name)


def show_uncertainty(sc) -> pd.DataFrame | None:
    """P(alive), expected purchases and CLV with their 90 % intervals from parameter draws, for the
    scenario's default CLV model fitted on the whole period; each CLV scheme's tier confidence per
    tier, exported with its tiers (and CLV bounds) for the CRM. None, with a note, without amounts."""
    from workbench.models.uncertainty import clv_intervals
    from workbench.segment.clv import ClvScheme

    if not sc.has_amounts:
        say(text("no_amounts_clv", sc.language))
        return None
    summary = sc.summary()
    scored = sc.with_clv(summary, quiet=True)
    settings = sc.params.clv
    kind, horizon, rate = settings.default_prediction
    (name, model), = sc.transaction_models(summary, [kind]).items()
    spend = sc.spend_model(summary)
    specs = {s.name: s for s in sc.params.tiers.schemes if isinstance(s, ClvScheme)}
    bands, rows, files, sure = None, [], {}, None
    for seg in (s for s in sc.segmenters() if s.name in specs):
        s_kind, s_horizon, s_rate, columns = specs[seg.name].prediction(settings.default_prediction)
        try:
            labels = seg.fit_assign(scored)
            (_, s_model), = sc.transaction_models(summary, [s_kind]).items()
        except WorkbenchError as exc:
            say("<i>{note}</i>", note=text("clv_not_added", sc.language, reason=exc))
            continue
        own = clv_intervals(s_model, summary, spend, horizon_months=s_horizon, discount_rate=s_rate,
                            n_draws=N_DRAWS, tiers=seg.codes_from)
        if bands is None and (s_kind, s_horizon, s_rate) == settings.default_prediction:
            bands = own  # the default prediction's bands, drawn once
        confidence = own["tier_confidence"].reindex(labels.index)
        per_tier = confidence.groupby(labels, observed=True).agg(["size", "mean", lambda c: float((c < 0.8).mean())])
        per_tier.columns = ["customers", "mean_tier_confidence", "share_below_80"]
        rows.append(per_tier.rename(index=lambda t: f"{seg.name}: {t}"))
        sure = float((own["tier_confidence"] >= 0.9).mean()) if sure is None else sure
        record(f"tier_confidence_{seg.name}", per_tier["mean_tier_confidence"].round(4).to_dict())
        frame = scored.assign(**{c: own[c] for c in ("clv_low", "clv_high", "p_alive_low", "p_alive_high", "tier_confidence")})
        metrics = [c for c in ("frequency", "recency", "T", "monetary_value", "revenue") if c in frame.columns]
        files[seg.name] = sc.export_crm(frame, labels, metrics=[*metrics, *columns, "clv_low", "clv_high",
                                                               "p_alive_low", "p_alive_high", "tier_confidence"]).name
    if bands is None:
        bands = clv_intervals(model, summary, spend, horizon_months=horizon, discount_rate=rate, n_draws=N_DRAWS)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    clv_plots.plot_bands(bands, "clv", ax=axes[0], language=sc.language)
    clv_plots.plot_bands(bands, "p_alive", ax=axes[1], language=sc.language)
    plt.show()
    width = float(np.median((bands["clv_high"] - bands["clv_low"]) / bands["clv"].where(bands["clv"] > 0)))
    record("clv_interval_median_relative_width", round(width, 4))
    if files:
        record("exports", list(files.values()))
    say("{sentence}", sentence=text("uncertainty_summary", sc.language, n_draws=N_DRAWS, model=name,
                                    level=bands.attrs["level"], width=width, sure=sure if sure is not None else float("nan")))
    if rows:
        table(pd.concat(rows), language=sc.language)
    return bands
