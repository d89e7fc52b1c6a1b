"""Discounted customer lifetime value from a transaction model and the Gamma-Gamma spend model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import ParamsError
from workbench.models.gamma_gamma import GammaGamma
from workbench.models.transaction import _TransactionModel
from workbench.units import DAYS_PER_UNIT, days_per_unit


#: Length in days of the discounting periods accepted by :func:`predict_clv` (a month is 365.25/12 days).
PERIOD_DAYS = {**{unit: float(days) for unit, days in DAYS_PER_UNIT.items()}, "M": 365.25 / 12, "Q": 365.25 / 4, "Y": 365.25}
#: lifetimes 0.11.3's month length in time units (``customer_lifetime_value``'s ``factor``).
LIFETIMES_MONTH = {"D": 30.0, "W": 4.345}


# --------------------------------------------------------------------------------------------
# customer lifetime value
# --------------------------------------------------------------------------------------------
def predict_clv(
    transaction_model: _TransactionModel,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    horizon: int = 12,
    discount_rate: float = 0.01,
    *,
    period: str | float = "M",
    time_unit: str | None = None,
    discounting: str = "discrete",
    steps_per_period: int = 30,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over ``horizon`` periods.

    CLV_i = E[spend_i] * sum over periods k = 1..horizon of
    (E[X_i(k L)] - E[X_i((k-1) L)]) / (1 + discount_rate)^k,
    with E[X_i(t)] the conditional expected repeat purchases in the next t time units, L the
    period length in the summary's time unit and E[spend_i] the Gamma-Gamma conditional expected
    spend. ``discount_rate`` is per period.

    discounting
        ``"discrete"`` (default): each period's expected purchases are discounted at the period's
        end, as above; ``period`` is ``"D"``, ``"W"``, ``"M"`` (365.25/12 days), ``"Q"``, ``"Y"``
        or a length in days.
        ``"continuous"``: cash flows discounted when they occur, at the equivalent continuous rate
        ln(1 + discount_rate) per period: E[spend] * integral over (0, horizon L) of
        exp(-delta u) dE[X(u)], evaluated with ``steps_per_period`` midpoint steps per period.
        ``"lifetimes"``: lifetimes 0.11.3's ``customer_lifetime_value`` exactly: discrete, with
        its month of 30 days (``time_unit="D"``) or 4.345 weeks (``"W"``). Its 12 "months"
        cover 360 days in day units, so it omits about 1.4 % of a year, and end-of-period
        discounting charges purchases for half a period more discounting than they incur on
        average; ``"continuous"`` has neither approximation.

    ``time_unit`` defaults to ``summary.attrs["time_unit"]``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using Iso-Value Curves for
    Customer Base Analysis". Journal of Marketing Research 42(4), 415-430.
    """
    grid, factors = clv_grid(summary, horizon, discount_rate, period=period, time_unit=time_unit,
                             discounting=discounting, steps_per_period=steps_per_period)
    purchases = transaction_model.discounted_expected_purchases(grid, factors, summary)
    spend = spend_model.conditional_expected_spend(summary).to_numpy()
    return (purchases * spend).rename("clv")


def clv_grid(summary: pd.DataFrame, horizon: int = 12, discount_rate: float = 0.01, *, period: str | float = "M",
             time_unit: str | None = None, discounting: str = "discrete", steps_per_period: int = 30):
    """The horizons (in the summary's time unit) and discount factors of :func:`predict_clv`."""
    unit = time_unit or summary.attrs.get("time_unit")
    days_per_unit(unit, "clv (or set summary.attrs['time_unit'])")
    if not (isinstance(horizon, (int, np.integer)) or float(horizon).is_integer()) or horizon < 1:
        raise ParamsError(f"clv: horizon must be a whole number of periods >= 1, got {horizon!r}")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ParamsError(f"clv: discount_rate must be > -1 (per period), got {discount_rate!r}")
    horizon = int(horizon)
    if discounting == "lifetimes":
        length = LIFETIMES_MONTH[unit]
    elif discounting in ("discrete", "continuous"):
        if isinstance(period, str):
            if period not in PERIOD_DAYS:
                raise ParamsError(
                    f"clv: period must be one of {sorted(PERIOD_DAYS)} or a number of days, got {period!r}"
                )
            days = PERIOD_DAYS[period]
        else:
            days = float(period)
            if not days > 0:
                raise ParamsError(f"clv: period must be > 0 days, got {period!r}")
        length = days / DAYS_PER_UNIT[unit]
    else:
        raise ParamsError(f"clv: discounting must be 'discrete', 'continuous' or 'lifetimes', got {discounting!r}")

    if discounting == "continuous":
        n = horizon * int(steps_per_period)
        grid = np.arange(n + 1) * (length / steps_per_period)
        mid = (np.arange(n) + 0.5) / steps_per_period  # in periods
        factors = np.exp(-np.log1p(discount_rate) * mid)
    else:
        grid = np.arange(horizon + 1) * length
        factors = (1 + discount_rate) ** -np.arange(1, horizon + 1, dtype=float)
    return grid[1:], factors


# --------------------------------------------------------------------------------------------
# predictions as summary columns (what tier schemes read)
# --------------------------------------------------------------------------------------------
def prediction_columns(model: str, horizon_months: int, discount_rate: float, default: bool = False) -> tuple[str, str]:
    """Names of the CLV and P(alive) columns a prediction adds to a summary: ``clv`` and
    ``p_alive`` for the scenario's default prediction, else e.g. ``clv_paretonbd_12m_0.8pct``
    and ``p_alive_paretonbd``."""
    if default:
        return "clv", "p_alive"
    return f"clv_{model}_{horizon_months:g}m_{100 * discount_rate:g}pct", f"p_alive_{model}"


def with_predictions(
    summary: pd.DataFrame,
    transaction_model: _TransactionModel,
    spend_model: GammaGamma,
    horizon_months: int,
    discount_rate: float,
    columns: tuple[str, str] = ("clv", "p_alive"),
) -> pd.DataFrame:
    """``summary`` plus the fitted models' discounted CLV (monthly periods) and P(alive) columns,
    the input of :class:`~workbench.segment.clv.CLVTiers`; the models are not refitted."""
    value = predict_clv(transaction_model, spend_model, summary, horizon_months, discount_rate)
    return summary.assign(**{columns[0]: value.to_numpy(), columns[1]: transaction_model.p_alive(summary).to_numpy()})
