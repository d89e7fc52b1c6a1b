"""Fit the CLV models of a scenario side by side and compare them on the holdout period."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from workbench.errors import NotApplicableError
from workbench.models.clv import GammaGamma, predict_clv
from workbench.models.value import with_predictions
from workbench.models.registry import model_kwargs, transaction_model
from workbench.models.validation import clv_ranking, holdout_errors

def fit_transaction_models(summary: pd.DataFrame, names: Iterable[str] = ("bgnbd", "paretonbd"),
                           covariates: Iterable[str] = ()) -> dict:
    """Fitted transaction models by display name (``"BG/NBD"``, ``"Pareto/NBD"``); the models with
    covariates (``paretonbd_cov``, ``bgnbd_cov``) read the summary columns ``covariates``."""
    models = {}
    for name in names:
        cls = transaction_model(name, "clv.models")
        models[cls.label or cls.__name__] = cls(**model_kwargs(cls, covariates)).fit(summary)
    return models


def fit_spend_model(summary: pd.DataFrame) -> GammaGamma:
    """Gamma-Gamma on the repeat customers with positive mean repeat spend; a
    :class:`~workbench.errors.NotApplicableError` for the summary of a log without amounts."""
    if "monetary_value" not in summary.columns and summary.attrs.get("amounts") is False:
        raise NotApplicableError("the Gamma-Gamma spend model needs amounts, and these transactions have none (counts only)")
    return GammaGamma().fit(summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)])


def fit_and_predict(
    summary: pd.DataFrame, model: str = "bgnbd", horizon_months: int = 12, discount_rate: float = 0.01,
    columns: tuple[str, str] = ("clv", "p_alive"),
) -> pd.DataFrame:
    """``summary`` plus ``clv`` and ``p_alive`` from the transaction model ``model`` and Gamma-Gamma,
    both fitted on ``summary``: the one call for CLV tiers outside a scenario (a scenario fits each
    model once and shares it: ``Scenario.with_clv``)."""
    fitted = transaction_model(model, "model")().fit(summary)
    return with_predictions(summary, fitted, fit_spend_model(summary), horizon_months, discount_rate, columns)


def parameter_table(models: dict) -> pd.DataFrame:
    """Estimates with standard errors and 95 % intervals, one row per (model, parameter)."""
    return pd.concat({name: model.summary for name, model in models.items()}, names=["model", "parameter"])


def model_comparison(models: dict, summary: pd.DataFrame) -> pd.DataFrame:
    """Per model: parameters (with a searched Erlang ``k``), log-likelihood, AIC, BIC and holdout errors of predicted repeat
    purchases (MAE, RMSE, bias, predicted and actual totals), with the two naive baselines of
    :func:`holdout_errors` for reference."""
    rows = {}
    for name, model in models.items():
        errors = holdout_errors(model, summary)
        rows[name] = {"parameters": len(model.params_) + model._n_discrete_params(), "k": getattr(model, "k_", None),
                      "log_likelihood": model.log_likelihood_,
                      "AIC": model.AIC_, "BIC": model.BIC_, **errors.loc["model"].to_dict()}
        for baseline in errors.index.drop("model"):
            rows.setdefault(baseline, errors.loc[baseline].to_dict())
    return pd.DataFrame.from_dict(rows, orient="index")


def best_model(models: dict, comparison: pd.DataFrame, criterion: str = "MAE") -> str:
    """Name of the fitted model with the lowest holdout ``criterion`` in ``model_comparison``."""
    return str(comparison.loc[list(models), criterion].idxmin())


def clv_holdout_ranking(models: dict, spend: GammaGamma, summary: pd.DataFrame, horizon_months: int,
                        discount_rate: float) -> pd.DataFrame:
    """How each model's predicted CLV ranks customers by their holdout revenue (Gini, top decile)."""
    table = pd.DataFrame(
        {name: clv_ranking(predict_clv(model, spend, summary, horizon_months, discount_rate), summary["revenue_holdout"])
         for name, model in models.items()}
    ).T
    return table.astype({"customers": "int64"})
