"""Synthetic transaction logs on the calendar (the transactions contract), for pipelines and
reports: :func:`simulate_transactions` and the ready-made CDNOW-like log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.synthetic._common import (
    CDNOW_PARAMS,
    Seed,
    _count,
    _customer_ids,
    _frame,
    _rng,
    _unpack,
)
from workbench.data.synthetic.draws import _draw_bgnbd, _draw_paretonbd, _spend_draws
from workbench.errors import ParamsError
from workbench.units import days_per_unit as unit_days

# --------------------------------------------------------------------------------------------
# transactions on the calendar


def simulate_transactions(
    n_customers: int,
    *,
    start: str | pd.Timestamp,
    acquisition_days: int,
    observation_end: str | pd.Timestamp,
    bgnbd: Sequence[Any] | Mapping[str, Any] | None = None,
    paretonbd: Sequence[Any] | Mapping[str, Any] | None = None,
    spend: Sequence[Any] | Mapping[str, Any] = tuple(CDNOW_PARAMS["gamma_gamma"].values()),
    attributes: pd.DataFrame | None = None,
    time_unit: str = "W",
    id_prefix: str = "C",
    seed: Seed = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transactions of customers acquired over a window, with the generating truth.

    Customer i makes its first purchase on a day drawn uniformly from ``start`` to
    ``start + acquisition_days - 1`` and is observed until ``observation_end`` (inclusive), so
    ``T_i = (observation_end - first_i)`` in ``time_unit`` (``"W"`` = days / 7, ``"D"`` = days).
    Repeat purchases follow the BG/NBD story (``bgnbd=(r, alpha, a, b)``, the default, with the
    published CDNOW estimates) or the Pareto/NBD story (``paretonbd=(r, alpha, s, beta)``) in
    continuous time, with rates per ``time_unit``; each purchase (the first included) is worth a
    Gamma-Gamma draw (``spend=(p, q, v)``). Timestamps are the purchase times floored to the day,
    so purchases on the same day stay separate rows. Any population parameter may be one value per
    customer. ``attributes`` (one row per customer, in order) are copied into the truth.

    Returns ``(transactions, truth)``:

    * transactions in the contract columns ``customer_id`` (str, ``"C0000001"``), ``timestamp``
      (datetime64[ns], midnight), ``amount`` (float, rounded to cents) and ``order_id``
      (``"O000000001"``, chronological), sorted by time;
    * truth indexed by ``customer_id``: ``first_purchase``, the continuous-time summary
      (``frequency``, ``recency``, ``T``), ``n_transactions`` (rows in transactions), ``lambda``,
      ``p`` (BG/NBD) or ``mu`` (Pareto/NBD), ``death_time``, ``alive`` (at observation end),
      ``nu`` and ``mean_spend`` (the true expected amount p / nu), then the attributes.
      ``truth.attrs`` holds ``observation_end``, ``time_unit`` and ``model``.
    """
    n = _count("n_customers", n_customers)
    days_per_unit = float(unit_days(time_unit, "simulate_transactions"))
    start_day, end_day = _day("start", start), _day("observation_end", observation_end)
    window = _count("acquisition_days", acquisition_days)
    if start_day + pd.Timedelta(days=window - 1) > end_day:
        raise ParamsError(
            f"acquisition_days: the acquisition window {start_day.date()} + {window} days ends after "
            f"observation_end {end_day.date()}"
        )
    if bgnbd is not None and paretonbd is not None:
        raise ParamsError("give either bgnbd or paretonbd, not both")
    model = "paretonbd" if paretonbd is not None else "bgnbd"
    if model == "bgnbd":
        pop = _unpack("bgnbd", bgnbd if bgnbd is not None else tuple(CDNOW_PARAMS["bgnbd"].values()),
                      ("r", "alpha", "a", "b"), n)
    else:
        pop = _unpack("paretonbd", paretonbd, ("r", "alpha", "s", "beta"), n)
    money = _unpack("spend", spend, ("p", "q", "v"), n)
    if attributes is not None and len(attributes) != n:
        raise ParamsError(f"attributes must have one row per customer ({n}), got {len(attributes)}")

    rng = _rng(seed)
    first_offset = rng.integers(0, window, size=n)
    age_days = ((end_day - start_day).days - first_offset).astype(float)
    T = age_days / days_per_unit
    lam = rng.gamma(pop["r"], 1.0 / pop["alpha"], size=n)
    if model == "bgnbd":
        dropout = {"p": rng.beta(pop["a"], pop["b"], size=n)}
        draw = _draw_bgnbd(lam, dropout["p"], T, rng)
    else:
        dropout = {"mu": rng.gamma(pop["s"], 1.0 / pop["beta"], size=n)}
        draw = _draw_paretonbd(lam, dropout["mu"], T, rng)
    x, t_x = draw["frequency"], draw["recency"]

    owner, times, day = _purchase_rows(x, t_x, first_offset, age_days, days_per_unit, rng)
    counts = x + 1
    nu, amounts = _spend_draws(counts, money["p"], money["q"], money["v"], rng)
    chrono = np.lexsort((times, owner, day))
    ids = _customer_ids(n, id_prefix)
    transactions = pd.DataFrame(
        {
            "customer_id": ids.to_numpy()[owner[chrono]],
            "timestamp": (start_day + pd.to_timedelta(day[chrono], unit="D")).astype("datetime64[ns]"),
            "amount": np.round(amounts[chrono], 2),
            "order_id": _order_ids(owner.shape[0]),
        }
    )
    columns = {
        "first_purchase": (start_day + pd.to_timedelta(first_offset, unit="D")).astype("datetime64[ns]"),
        "frequency": x, "recency": t_x, "T": T, "n_transactions": counts, "lambda": lam, **dropout,
        "death_time": draw["death_time"], "alive": draw["alive"],
        "nu": nu, "mean_spend": np.broadcast_to(money["p"], (n,)) / nu,
    }
    truth = _frame(ids, columns, {"observation_end": end_day, "time_unit": time_unit, "model": model})
    if attributes is not None:
        clash = [c for c in attributes.columns if c in truth.columns or c == "customer_id"]
        if clash:
            raise ParamsError(f"attributes: columns {clash} clash with generated columns; rename them")
        attrs = dict(truth.attrs)
        truth = pd.concat([truth, attributes.reset_index(drop=True).set_axis(ids)], axis=1)
        truth.attrs.update(attrs)
    return transactions, truth


def _purchase_rows(
    x: np.ndarray, t_x: np.ndarray, first_day: np.ndarray, age_days: np.ndarray, days_per_unit: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per purchase, grouped by customer: (owner, time since first purchase, day offset).

    The first purchase is at 0; given x repeat purchases, the first x - 1 are uniform on (0, t_x)
    (order statistics of a Poisson process given its x-th arrival) and the last is at t_x.
    """
    counts = x + 1
    owner = np.repeat(np.arange(x.shape[0]), counts)
    position = np.arange(owner.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    spread = np.where(position == x[owner], 1.0, rng.random(owner.shape[0]))
    times = np.where(position == 0, 0.0, spread * t_x[owner])
    day = first_day[owner] + np.minimum(np.floor(times * days_per_unit), age_days[owner]).astype(np.int64)
    return owner, times, day


def _day(name: str, value: Any) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ParamsError(f"{name} must be a date, got {value!r}") from None
    if stamp is pd.NaT or pd.isna(stamp):
        raise ParamsError(f"{name} must be a date, got {value!r}")
    return stamp.normalize()


def _order_ids(n: int) -> np.ndarray:
    width = max(9, len(str(n)))
    return np.char.add("O", np.char.zfill(np.arange(1, n + 1).astype("U"), width)).astype(object)


def make_cdnow_like(n_customers: int = 23570, seed: Seed = 1997) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One cohort like CDNOW's: first purchases over 1997-01-01..1997-03-31, observed to 1998-06-30.

    Behaviour follows the published BG/NBD and Gamma-Gamma estimates on the CDNOW sample
    (:data:`CDNOW_PARAMS`, weeks as days / 7). Returns ``(transactions, truth)`` as
    :func:`simulate_transactions`.
    """
    return simulate_transactions(
        n_customers,
        start="1997-01-01",
        acquisition_days=90,
        observation_end="1998-06-30",
        bgnbd=tuple(CDNOW_PARAMS["bgnbd"].values()),
        spend=tuple(CDNOW_PARAMS["gamma_gamma"].values()),
        time_unit="W",
        seed=seed,
    )
