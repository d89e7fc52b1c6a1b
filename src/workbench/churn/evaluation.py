"""Which churn prediction is right about the holdout: every predictor scored on the same customers.

The set-up is a landmark at ``calibration_end``: the customers whose churn had not shown by then
(censored in the calibration durations). For each, the truth is the time from the landmark
until their churn shows in the full log (``residual``; censored when it has not shown by
``observation_end``). A predictor gives, per customer, P(churn shows within u of the landmark)
for a grid of u; the scores are Harrell's and Uno's concordance of P(churn within the horizon),
the AUC at the horizon and its mean over the grid, the integrated Brier score over the grid and
the calibration (ICI, E50) at the horizon (:mod:`workbench.churn.metrics`).

Predictors: each survival model (fitted on the calibration durations, conditioned on what is
known at the landmark: age and the earliest time the churn could show); and from the BTYD
models fitted on the calibration summary, 1 - P(alive) (one number for every u) and
P(no purchase in the next u).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.churn import metrics
from workbench.churn.models import SurvivalModel
from workbench.errors import DataError, ParamsError

METRIC_COLUMNS = ["harrell_c", "uno_c", "auc", "mean_auc", "integrated_brier", "ici", "e50"]


@dataclass
class HoldoutEvaluation:
    """``table``: one row per predictor (``METRIC_COLUMNS``; higher concordance and AUC are
    better, lower Brier and ICI are better); ``calibration``: predictor -> Calibration (curve for
    a plot); ``outcomes``: the landmark customers' ``residual`` and ``churned``; ``predictions``:
    predictor -> P(churn within the horizon) per landmark customer; ``times``: the grid."""

    table: pd.DataFrame
    calibration: dict
    outcomes: pd.DataFrame
    predictions: dict
    times: np.ndarray
    horizon: float
    notes: list[str] = field(default_factory=list)

    def best(self, metric: str = "integrated_brier") -> str:
        """The predictor that scores best on ``metric``."""
        values = self.table[metric]
        return str(values.idxmin() if metric in ("integrated_brier", "ici", "e50") else values.idxmax())


def landmark_outcomes(calibration: pd.DataFrame, full: pd.DataFrame) -> pd.DataFrame:
    """The customers not churned at the calibration end (rows of ``calibration``) with
    ``residual`` = time from the landmark until their churn shows in ``full`` (both
    :func:`~workbench.churn.durations.churn_durations` frames with the same threshold and unit)
    and ``churned`` (it showed by the end of ``full``); plus their calibration ``age`` and
    ``earliest_known`` (the earliest their churn could show, given their purchases)."""
    for name, frame in (("calibration", calibration), ("full", full)):
        missing = [c for c in ("until_known", "earliest_known", "churned", "age") if c not in frame.columns]
        if missing:
            raise DataError(f"landmark_outcomes: the {name} durations lack {missing}; pass churn_durations frames")
    at_risk = calibration.index[~calibration["churned"].to_numpy()]
    later = full.reindex(at_risk)
    if "threshold_days" in calibration.columns and "threshold_days" in full.columns:
        differs = ~np.isclose(calibration.loc[at_risk, "threshold_days"].to_numpy(), later["threshold_days"].to_numpy())
        if differs.any():
            raise ParamsError(f"landmark_outcomes: {int(differs.sum())} customers have another inactivity threshold in the "
                              "calibration durations than in the full ones; define churn the same way in both")
    elif calibration.attrs.get("inactivity_days") != full.attrs.get("inactivity_days"):
        raise ParamsError("landmark_outcomes: the calibration and full durations use different inactivity thresholds")
    residual = later["until_known"].to_numpy() - calibration.loc[at_risk, "age"].to_numpy()
    return pd.DataFrame({"residual": np.maximum(residual, 0.0), "churned": later["churned"].to_numpy(dtype=bool),
                         "age": calibration.loc[at_risk, "age"].to_numpy(),
                         "earliest_known": calibration.loc[at_risk, "earliest_known"].to_numpy()}, index=at_risk)


def evaluation_times(outcomes: pd.DataFrame, horizon: float, n: int = 20) -> np.ndarray:
    """The grid of u for the integrated scores: ``n`` points from 5 % to 95 % of the shortest
    follow-up after the landmark, plus the horizon; ParamsError when the horizon is beyond it."""
    follow_up = float(outcomes.loc[~outcomes["churned"].to_numpy(), "residual"].min()) if (~outcomes["churned"]).any() \
        else float(outcomes["residual"].max())
    if not 0 < horizon < 0.95 * follow_up:
        raise ParamsError(f"churn.horizon_days: {horizon:g} must be above 0 and within 95 % of the holdout follow-up "
                          f"({follow_up:g} time units): shorten the horizon or move calibration_end earlier")
    return np.unique(np.r_[np.linspace(0.05 * follow_up, 0.95 * follow_up, n), horizon])


def model_predictions(model: SurvivalModel, rows: pd.DataFrame, times: np.ndarray) -> np.ndarray:
    """P(churn shows within u of the landmark) for each u in ``times`` (columns), from a fitted
    survival model; ``rows`` hold the covariates, ``age`` and ``earliest_known``."""
    return np.column_stack([model.churn_probability(rows, float(u), age="age", known="earliest_known").to_numpy()
                            for u in times])


def btyd_predictions(model, summary: pd.DataFrame, times_in_model_units: np.ndarray) -> dict[str, np.ndarray]:
    """From a fitted BG/NBD-type model on the calibration summary rows: ``1 - P(alive)`` (the same
    for every u) and ``P(no purchase in the next u)``."""
    dead = 1.0 - model.p_alive(summary).to_numpy()
    none = np.column_stack([model.p_purchases(0, float(u), summary).to_numpy() for u in times_in_model_units])
    return {"1 - P(alive)": np.repeat(dead[:, None], len(times_in_model_units), axis=1), "P(no purchase)": none}


def score(outcomes: pd.DataFrame, churn_probability: np.ndarray, times: np.ndarray, horizon: float) -> tuple[dict, metrics.Calibration]:
    """The metrics of one predictor (``churn_probability``: customers x ``times``)."""
    t = outcomes["residual"].to_numpy()
    e = outcomes["churned"].to_numpy()
    p = np.clip(np.asarray(churn_probability, dtype=float), 0.0, 1.0)
    k = int(np.searchsorted(times, horizon))
    risk = p[:, k]
    auc, mean_auc = metrics.cumulative_dynamic_auc(t, e, p, times)
    calibration = metrics.calibration(t, e, risk, horizon)
    return {
        "harrell_c": metrics.harrell_c(t, e, risk),
        "uno_c": metrics.uno_c(t, e, risk, tau=float(times[-1])),
        "auc": float(auc[k]),
        "mean_auc": mean_auc,
        "integrated_brier": metrics.integrated_brier_score(t, e, 1.0 - p, times),
        "ici": calibration.ici,
        "e50": calibration.e50,
    }, calibration


def holdout_evaluation(calibration: pd.DataFrame, full: pd.DataFrame, covariates: pd.DataFrame, *,
                       models: Mapping[str, SurvivalModel], covariate_columns: Sequence[str], horizon: float,
                       btyd: Mapping[str, tuple] | None = None) -> HoldoutEvaluation:
    """Fit each of ``models`` (label -> unfitted model) on the ``calibration`` durations joined
    with ``covariates`` (per customer), predict the landmark customers, add the BTYD predictors
    (``btyd``: label -> (fitted model, calibration summary, time units per duration unit)), and
    score everything on the holdout.

    The predictor "Kaplan-Meier" (a Cox model without covariates) is the reference every
    model should beat."""
    outcomes = landmark_outcomes(calibration, full)
    if len(outcomes) < 20 or not outcomes["churned"].any():
        raise DataError(f"holdout_evaluation: {len(outcomes)} customers are active at the calibration end and "
                        f"{int(outcomes['churned'].sum())} of them churn in the holdout; too few to evaluate")
    times = evaluation_times(outcomes, horizon)
    fit_rows = calibration.join(covariates, how="left")
    rows = outcomes.join(covariates, how="left")
    predictions: dict[str, np.ndarray] = {}
    notes: list[str] = []
    from workbench.churn.models import CoxPH

    reference = CoxPH().fit(fit_rows, duration="until_known")
    predictions["Kaplan-Meier"] = model_predictions(reference, rows, times)
    for label, model in models.items():
        model.fit(fit_rows, duration="until_known", covariates=covariate_columns)
        notes.extend(f"{label}: {note}" for note in model.notes_)
        predictions[label] = model_predictions(model, rows, times)
    for label, (model, summary, per_unit) in (btyd or {}).items():
        cal_rows = summary.reindex(outcomes.index)
        if cal_rows["frequency"].isna().any():
            raise DataError(f"holdout_evaluation: the {label} summary lacks {int(cal_rows['frequency'].isna().sum())} landmark customers")
        for name, values in btyd_predictions(model, cal_rows, times * per_unit).items():
            predictions[f"{label}: {name}"] = values
    table, calibrations = {}, {}
    for label, values in predictions.items():
        table[label], calibrations[label] = score(outcomes, values, times, horizon)
    k = int(np.searchsorted(times, horizon))
    frame = pd.DataFrame(table).T[METRIC_COLUMNS].rename_axis("predictor")
    frame.insert(0, "customers", len(outcomes))
    frame.insert(1, "churned_by_horizon", int(((outcomes.residual <= horizon) & outcomes.churned).sum()))
    return HoldoutEvaluation(frame, calibrations, outcomes, {k2: v[:, k] for k2, v in predictions.items()}, times, horizon, notes)
