"""Per-customer uncertainty of P(alive), expected purchases and CLV from the estimates' sampling
distribution, and how sure each customer's CLV tier is.

Method: draws from the asymptotic normal distribution of the maximum-likelihood estimates, on
the optimiser's scale (logarithms of the positive parameters, covariate coefficients as they
are; the inverse Hessian as covariance: the approximation behind the standard errors, with
positivity kept). Each draw gives every customer's predictions; their quantiles are the
intervals. The transaction and the spend model are fitted separately and drawn independently;
a searched Erlang k (BG/CNBD-k) is held at its estimate. These are intervals for the expected
values (what the parameters leave uncertain), not for the purchases a customer will make.

``tier_confidence`` is the share of draws in which a customer lands in the tier the estimates
give, the tiers relearned on each draw's predictions (cut points move with the parameters).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pandas as pd

from workbench.errors import ParamsError
from workbench.models._mle import MLEModel, group_rows
from workbench.models.value import clv_grid

METHOD = "draws from the asymptotic normal distribution of the maximum-likelihood estimates (log scale)"


def parameter_draws(model: MLEModel, n_draws: int = 200, seed: int | np.random.Generator | None = 0) -> pd.DataFrame:
    """``n_draws`` parameter vectors of a fitted model from the asymptotic normal of its MLE, one row each."""
    model._check_fitted()
    if int(n_draws) < 1:
        raise ParamsError(f"n_draws must be >= 1, got {n_draws!r}")
    rng = np.random.default_rng(seed)
    theta = model._theta(model.params_.to_numpy())
    cov = np.asarray(model._theta_covariance_, float)
    draws = rng.multivariate_normal(theta, (cov + cov.T) / 2, size=int(n_draws), method="cholesky")
    return pd.DataFrame(np.vstack([model._natural(row) for row in draws]), columns=model.params_.index)


def at_params(model: MLEModel, params) -> MLEModel:
    """A copy of a fitted model that predicts with ``params`` (a row of :func:`parameter_draws`)."""
    other = copy.copy(model)
    other.params_ = pd.Series(np.asarray(params, float), index=model.params_.index, name="coef")
    return other


def clv_intervals(
    transaction_model,
    summary: pd.DataFrame,
    spend_model=None,
    *,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    level: float = 0.9,
    n_draws: int = 200,
    seed: int | None = 0,
    tiers: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Per customer: ``p_alive``, ``expected_purchases`` (over the CLV horizon) and, with a spend
    model, ``clv`` (as :func:`~workbench.models.value.predict_clv`, monthly discounting), each with
    ``_low`` and ``_high`` bounds of the central ``level`` interval over ``n_draws`` parameter draws.

    ``tiers(clv, p_alive) -> codes`` learns tiers from predictions and assigns them (e.g.
    :meth:`workbench.segment.clv.CLVTiers.codes_from`); with it the frame also has ``tier`` (the
    code at the estimates) and ``tier_confidence``. ``attrs`` records the method, level and draws.
    """
    if not 0 < level < 1:
        raise ParamsError(f"level must be between 0 and 1, got {level!r}")
    if tiers is not None and spend_model is None:
        raise ParamsError("tier confidence needs the spend model (CLV tiers read the CLV)")
    grid, factors = clv_grid(summary, horizon_months, discount_rate)
    rows, inverse = _distinct_inputs(transaction_model, summary)
    rng = np.random.default_rng(seed)
    purchase_draws = parameter_draws(transaction_model, n_draws, rng).to_numpy()
    spend_draws = parameter_draws(spend_model, n_draws, rng).to_numpy() if spend_model is not None else None

    def outlook(model):
        frame = model.purchase_outlook(grid, factors, rows)
        return frame["p_alive"].to_numpy(), frame["expected_purchases"].to_numpy(), frame["discounted_purchases"].to_numpy()

    alive, expected, discounted = outlook(transaction_model)
    out = pd.DataFrame({"p_alive": alive[inverse], "expected_purchases": expected[inverse]}, index=summary.index)
    n = len(purchase_draws)
    alive_d = np.empty((n, len(rows)), dtype=np.float32)
    expected_d = np.empty((n, len(rows)), dtype=np.float32)
    clv_d = np.empty((n, len(summary)), dtype=np.float32) if spend_model is not None else None
    if spend_model is not None:
        clv = discounted[inverse] * spend_model.conditional_expected_spend(summary).to_numpy()
        out["clv"] = clv
        if tiers is not None:
            out["tier"] = codes = np.asarray(tiers(clv, out["p_alive"].to_numpy()))
            agree = np.zeros(len(summary))
    for d in range(n):
        a, e, disc = outlook(at_params(transaction_model, purchase_draws[d]))
        alive_d[d], expected_d[d] = a, e
        if spend_model is not None:
            spend = at_params(spend_model, spend_draws[d]).conditional_expected_spend(summary).to_numpy()
            clv_d[d] = disc[inverse] * spend
            if tiers is not None:
                agree += np.asarray(tiers(clv_d[d].astype(float), a[inverse])) == codes
    q = [(1 - level) / 2, (1 + level) / 2]
    for name, values, back in (("p_alive", alive_d, inverse), ("expected_purchases", expected_d, inverse),
                               ("clv", clv_d, None)):
        if values is None:
            continue
        low, high = np.quantile(values, q, axis=0)
        out[f"{name}_low"], out[f"{name}_high"] = (low, high) if back is None else (low[back], high[back])
    if tiers is not None:
        out["tier_confidence"] = agree / n
    out.attrs.update(method=METHOD, level=level, n_draws=n, horizon_months=horizon_months)
    return out


def _distinct_inputs(model, summary: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct rows of the columns the model predicts from, and each customer's row."""
    columns = [c for c in model.input_columns() if c in summary.columns]
    if len(columns) < len(model.input_columns()):
        return summary, np.arange(len(summary))  # let the model name what is missing
    unique, _, inverse = group_rows([summary[c].to_numpy() for c in columns])
    rows = pd.DataFrame(dict(zip(columns, unique)))
    rows.attrs = dict(summary.attrs)
    return rows, inverse
