"""Synthetic customers and transactions with known truth.

Every generator is seeded (``seed``: an int, ``None`` or a :class:`numpy.random.Generator`) and
vectorised over customers, so a million customers take a second or two. Two layers:

* **Model draws in continuous time** -- :func:`simulate_bgnbd`, :func:`simulate_paretonbd` and
  :func:`simulate_gamma_gamma_spend` draw each customer's latent parameters from the population
  distribution, then the customer's behaviour, and return the truth next to the summary statistics
  (``frequency`` x, ``recency`` t_x, ``T``) in the model's own time unit. Fitting a model on these
  tests the fitter without the bias of day rounding (merging same-day purchases biases a BG/NBD
  ``alpha`` estimate by about 5 %).
* **Transactions** -- :func:`simulate_transactions` places the same story on the calendar
  (staggered acquisition, day-resolution timestamps, Gamma-Gamma amounts) in the transactions
  contract; :func:`make_cdnow_like` and :func:`make_b2b_demo` are ready-made scenarios. The B2B demo's
  generating parameters live in :data:`B2B_DEMO`, so tests and documents can quote the truth.

Population parameters may be scalars or arrays with one value per customer (this is how customer
attributes shift behaviour in :func:`make_b2b_demo`).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis". Journal of Marketing Research 42(4), 415-430.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). "Counting Your Customers: Who Are They
and What Will They Do Next?". Management Science 33(1), 1-24.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import DataError, ParamsError
from workbench.units import days_per_unit as unit_days

__all__ = [
    "B2B_DEMO",
    "CDNOW_PARAMS",
    "ZH_LABELS",
    "make_b2b_demo",
    "make_cdnow_like",
    "simulate_bgnbd",
    "simulate_gamma_gamma_spend",
    "simulate_paretonbd",
    "simulate_transactions",
]


#: Published maximum-likelihood estimates on the CDNOW 1/10 sample, in weeks (days / 7):
#: BG/NBD and Pareto/NBD from Fader, Hardie & Lee (2005, Marketing Science), Gamma-Gamma
#: (p, q, v = gamma) from Fader, Hardie & Lee (2005, JMR).
CDNOW_PARAMS: dict[str, dict[str, float]] = {
    "bgnbd": {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259},
    "paretonbd": {"r": 0.5533, "alpha": 10.5778, "s": 0.6061, "beta": 11.6655},
    "gamma_gamma": {"p": 6.2496, "q": 3.7442, "v": 15.4435},
}

Seed = int | np.random.Generator | None


# --------------------------------------------------------------------------------------------
# helpers


def _rng(seed: Seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _count(name: str, value: Any) -> int:
    try:
        n = operator.index(value)
    except TypeError:
        raise ParamsError(f"{name} must be an integer, got {value!r}") from None
    if n < 1:
        raise ParamsError(f"{name} must be at least 1, got {n}")
    return n


def _positive(name: str, value: Any, n: int) -> np.ndarray:
    """A positive finite parameter as a float array broadcastable to ``n`` customers."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise ParamsError(f"{name} must be a number or one value per customer ({n}), got shape {arr.shape}")
    bad = ~(np.isfinite(arr) & (arr > 0))
    if bad.any():
        examples = np.atleast_1d(arr)[np.atleast_1d(bad)][:3].tolist()
        raise ParamsError(f"{name} must be positive and finite; {int(bad.sum())} bad value(s), e.g. {examples}")
    return arr


def _unpack(name: str, values: Any, keys: Sequence[str], n: int) -> dict[str, np.ndarray]:
    """Population parameters given as a tuple in ``keys`` order or a mapping by name."""
    if isinstance(values, Mapping):
        missing = [k for k in keys if k not in values]
        extra = [k for k in values if k not in keys]
        if missing or extra:
            raise ParamsError(f"{name} needs keys {list(keys)}; missing {missing}, unknown {extra}")
        values = [values[k] for k in keys]
    if len(values) != len(keys):
        raise ParamsError(f"{name} must be ({', '.join(keys)}), got {len(values)} value(s)")
    return {k: _positive(f"{name}.{k}", v, n) for k, v in zip(keys, values)}


def _customer_ids(n: int, prefix: str = "C") -> pd.Index:
    width = max(7, len(str(n)))
    ids = np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype("U"), width))
    return pd.Index(ids.astype(object), name="customer_id")


def _observation_lengths(T: Any, n: int) -> np.ndarray:
    return np.broadcast_to(_positive("T", T, n), (n,)).astype(float)


def _last_arrival(x: np.ndarray, window: np.ndarray, total: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Time of the ``x``-th of ``total`` uniform arrivals on (0, window): window * Beta(x, total - x + 1).

    Zero where ``x`` is 0 (the recency convention for customers without repeat purchases).
    """
    t_x = np.zeros(x.shape[0])
    has = x > 0
    t_x[has] = window[has] * rng.beta(x[has], total[has] - x[has] + 1)
    return t_x


def _frame(ids: pd.Index, columns: dict[str, np.ndarray], attrs: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(columns, index=ids)
    frame.attrs.update(attrs)
    return frame


# --------------------------------------------------------------------------------------------
# continuous-time model draws


def _draw_bgnbd(lam: np.ndarray, p: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """BG/NBD story given each customer's lambda and p (vectorised).

    The customer would make ``m ~ Poisson(lambda T)`` repeat purchases in (0, T] if alive
    throughout, and drops out right after repeat purchase ``k ~ Geometric(p)``; so x = min(m, k).
    Given x, t_x is the x-th order statistic of m uniforms on (0, T]; a customer who drops out
    inside (0, T] dies at t_x, one still alive dies k - m exponential gaps after T.
    """
    m = rng.poisson(lam * T)
    with np.errstate(divide="ignore", over="ignore"):
        # inverse-cdf geometric in floats: p may underflow to 0 (k = inf) where rng.geometric fails
        k = np.maximum(np.ceil(np.log(rng.random(lam.shape[0])) / np.log1p(-p)), 1.0)
    alive = k > m
    x = np.where(alive, m, k).astype(np.int64)
    t_x = _last_arrival(x, T, m, rng)
    death = t_x.copy()
    gaps = k[alive] - m[alive]
    finite = gaps < 1e15  # beyond that (p underflowed) the customer never drops out in practice
    with np.errstate(divide="ignore", over="ignore"):
        tail = np.where(finite, rng.standard_gamma(np.where(finite, gaps, 1.0)), np.inf) / lam[alive]
    death[alive] = T[alive] + tail
    return {"frequency": x, "recency": t_x, "death_time": death, "alive": alive}


def _draw_paretonbd(lam: np.ndarray, mu: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Pareto/NBD story: lifetime ~ Exponential(mu); Poisson(lambda) purchases while alive."""
    with np.errstate(divide="ignore", over="ignore"):  # mu may underflow: lifetime inf
        death = rng.standard_exponential(lam.shape[0]) / mu
    window = np.minimum(death, T)
    x = rng.poisson(lam * window)
    t_x = _last_arrival(x, window, x, rng)
    return {"frequency": x.astype(np.int64), "recency": t_x, "death_time": death, "alive": death > T}


def simulate_bgnbd(
    n_customers: int,
    r: float | np.ndarray,
    alpha: float | np.ndarray,
    a: float | np.ndarray,
    b: float | np.ndarray,
    *,
    T: float | np.ndarray | None = None,
    seed: Seed = None,
) -> pd.DataFrame:
    """Customers drawn from the BG/NBD model, summarised in continuous time.

    Each customer has a purchase rate ``lambda ~ Gamma(r, rate alpha)`` and a dropout probability
    ``p ~ Beta(a, b)``; while alive, repeat purchases follow a Poisson process with rate ``lambda``;
    right after each repeat purchase the customer drops out with probability ``p``. Time 0 is the
    first purchase; ``T`` (a number or one per customer, in the time unit of ``alpha``; default 52)
    is the age at the end of observation.

    Returns a frame indexed by ``customer_id`` ("C0000001", ...) with the summary columns
    ``frequency`` (x, repeat purchases in (0, T]), ``recency`` (t_x, 0 when x = 0) and ``T``, and the
    truth: ``lambda``, ``p``, ``death_time`` (time of dropout, possibly after T) and ``alive`` (at T).

    References
    ----------
    Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2).
    """
    n = _count("n_customers", n_customers)
    pop = _unpack("bgnbd", (r, alpha, a, b), ("r", "alpha", "a", "b"), n)
    T = _observation_lengths(52.0 if T is None else T, n)
    rng = _rng(seed)
    lam = rng.gamma(pop["r"], 1.0 / pop["alpha"], size=n)
    p = rng.beta(pop["a"], pop["b"], size=n)
    draw = _draw_bgnbd(lam, p, T, rng)
    columns = {"frequency": draw["frequency"], "recency": draw["recency"], "T": T, "lambda": lam, "p": p,
               "death_time": draw["death_time"], "alive": draw["alive"]}
    return _frame(_customer_ids(n), columns, {"model": "bgnbd"})


def simulate_paretonbd(
    n_customers: int,
    r: float | np.ndarray,
    alpha: float | np.ndarray,
    s: float | np.ndarray,
    beta: float | np.ndarray,
    *,
    T: float | np.ndarray | None = None,
    seed: Seed = None,
) -> pd.DataFrame:
    """Customers drawn from the Pareto/NBD model, summarised in continuous time.

    ``lambda ~ Gamma(r, rate alpha)`` and a dropout rate ``mu ~ Gamma(s, rate beta)``; the lifetime
    is ``Exponential(mu)`` and purchases follow a Poisson process with rate ``lambda`` while alive.
    ``T`` as in :func:`simulate_bgnbd`. Columns: ``frequency``, ``recency``, ``T``, ``lambda``,
    ``mu``, ``death_time`` and ``alive``.

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), "Counting Your Customers", Management Science 33(1).
    """
    n = _count("n_customers", n_customers)
    pop = _unpack("paretonbd", (r, alpha, s, beta), ("r", "alpha", "s", "beta"), n)
    T = _observation_lengths(52.0 if T is None else T, n)
    rng = _rng(seed)
    lam = rng.gamma(pop["r"], 1.0 / pop["alpha"], size=n)
    mu = rng.gamma(pop["s"], 1.0 / pop["beta"], size=n)
    draw = _draw_paretonbd(lam, mu, T, rng)
    columns = {"frequency": draw["frequency"], "recency": draw["recency"], "T": T, "lambda": lam, "mu": mu,
               "death_time": draw["death_time"], "alive": draw["alive"]}
    return _frame(_customer_ids(n), columns, {"model": "paretonbd"})


def _spend_draws(
    counts: np.ndarray, p: np.ndarray, q: np.ndarray, v: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer ``nu ~ Gamma(q, rate v)`` and ``counts`` amounts ``z ~ Gamma(p, rate nu)`` each."""
    n = counts.shape[0]
    nu = rng.gamma(q, 1.0 / v, size=n)
    shape = np.repeat(np.broadcast_to(p, (n,)), counts)
    amounts = rng.standard_gamma(shape) / np.repeat(nu, counts)
    return nu, amounts


def simulate_gamma_gamma_spend(
    frequency: Sequence[int] | np.ndarray | pd.Series,
    p: float | np.ndarray,
    q: float | np.ndarray,
    v: float | np.ndarray,
    *,
    seed: Seed = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transaction values from the Gamma-Gamma spend model.

    Customer i has ``nu_i ~ Gamma(q, rate v)``; each of its ``frequency[i]`` transactions has value
    ``z ~ Gamma(p, rate nu_i)``, so ``E[Z | nu] = p / nu`` and, across customers,
    ``E[Z] = p v / (q - 1)`` (for q > 1). ``v`` is the paper's gamma.

    Returns ``(transactions, customers)``: transactions with ``customer_id`` and ``amount``, one row
    per draw; customers indexed by ``customer_id`` (the index of a Series ``frequency``, else
    "C0000001", ...) with ``frequency``, ``nu``, ``mean_spend`` (the true p / nu) and
    ``monetary_value`` (the mean of the drawn amounts, 0 when frequency is 0, as in lifetimes).

    References
    ----------
    Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
    Journal of Marketing Research 42(4), eq. (1)-(3) and the appendix.
    """
    counts, ids = _frequency_column(frequency)
    n = counts.shape[0]
    pop = _unpack("gamma_gamma", (p, q, v), ("p", "q", "v"), n)
    nu, amounts = _spend_draws(counts, pop["p"], pop["q"], pop["v"], _rng(seed))
    owner = np.repeat(np.arange(n), counts)
    totals = np.bincount(owner, weights=amounts, minlength=n)
    monetary = np.divide(totals, counts, out=np.zeros(n), where=counts > 0)
    transactions = pd.DataFrame({"customer_id": ids.take(owner).to_numpy(), "amount": amounts})
    columns = {"frequency": counts, "nu": nu, "mean_spend": np.broadcast_to(pop["p"], (n,)) / nu,
               "monetary_value": monetary}
    return transactions, _frame(ids, columns, {"model": "gamma_gamma"})


def _frequency_column(frequency: Any) -> tuple[np.ndarray, pd.Index]:
    values = pd.Series(frequency) if not isinstance(frequency, pd.Series) else frequency
    numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numeric) | (numeric < 0) | (numeric != np.round(numeric))
    if bad.any():
        rows = values[bad].head(3).to_dict()
        raise DataError(
            f"simulate_gamma_gamma_spend: column 'frequency' has {int(bad.sum())} value(s) that are not "
            f"non-negative integers, e.g. {rows}"
        )
    if values.shape[0] == 0:
        raise DataError("simulate_gamma_gamma_spend: column 'frequency' is empty")
    ids = (
        pd.Index(values.index.astype(str), name="customer_id")
        if isinstance(frequency, pd.Series)
        else _customer_ids(values.shape[0])
    )
    return numeric.astype(np.int64), ids


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


# --------------------------------------------------------------------------------------------
# B2B demo: a bookkeeping firm's clients

#: Generating parameters of :func:`make_b2b_demo` (time unit: weeks = days / 7; money: CNY).
#:
#: ``base`` is the population of a reference client (an individual, small, local, services client):
#: BG/NBD ``r, alpha, a, b`` (mean purchase rate r/alpha = 0.08 a week, about 4 invoices a year;
#: mean dropout probability a/(a+b) = 0.05 after each invoice) and Gamma-Gamma ``p, q, v``
#: (mean invoice p v / (q - 1) = 400 CNY). Each attribute level multiplies three quantities of the
#: population, and the multipliers of a client's levels multiply together:
#:
#: * ``rate``: the mean purchase rate (alpha is divided by it; r is kept);
#: * ``dropout``: the mean dropout probability a/(a+b) (b is reset, a kept; capped at 0.9);
#: * ``spend``: the mean invoice amount (v is multiplied by it).
#:
#: A level without an entry in ``effects`` has multiplier 1. Level shares (``share``) are
#: probabilities; ``given`` names the attribute they depend on. ``account_manager`` is assigned at
#: random among ``account_managers`` names and has no effect (a placebo attribute). Clients sign up
#: (``signup_date`` = first invoice) uniformly over the first ``acquisition_days`` of a
#: ``history_days`` history ending at ``observation_end``. Within a client, invoices arrive as a
#: Poisson process: the model varies how often clients buy, not the regularity of one client.
B2B_DEMO: dict[str, Any] = {
    "history_days": 1096,
    "acquisition_days": 731,
    "base": {"r": 2.0, "alpha": 25.0, "a": 1.0, "b": 19.0, "p": 4.0, "q": 5.0, "v": 400.0},
    "attributes": {
        "nature": {
            "share": {"individual": 0.45, "enterprise": 0.45, "government": 0.10},
            "effects": {
                "enterprise": {"rate": 2.2, "dropout": 0.6, "spend": 2.5},
                "government": {"rate": 2.0, "dropout": 0.4, "spend": 3.0},
            },
        },
        "size": {
            "given": "nature",
            "share": {
                "individual": {"micro": 0.85, "small": 0.15, "medium": 0.0, "large": 0.0},
                "enterprise": {"micro": 0.35, "small": 0.35, "medium": 0.20, "large": 0.10},
                "government": {"micro": 0.0, "small": 0.20, "medium": 0.50, "large": 0.30},
            },
            "effects": {
                "micro": {"dropout": 2.0, "spend": 0.6},
                "medium": {"rate": 1.2, "dropout": 0.8, "spend": 2.0},
                "large": {"rate": 1.4, "dropout": 0.6, "spend": 4.0},
            },
        },
        "industry": {
            "given": "nature",
            "share": {
                "individual": {"retail": 0.25, "manufacturing": 0.05, "services": 0.35, "tech": 0.10,
                               "construction": 0.10, "catering": 0.15, "public_sector": 0.0},
                "enterprise": {"retail": 0.20, "manufacturing": 0.20, "services": 0.20, "tech": 0.15,
                               "construction": 0.15, "catering": 0.10, "public_sector": 0.0},
                "government": {"retail": 0.0, "manufacturing": 0.0, "services": 0.0, "tech": 0.0,
                               "construction": 0.0, "catering": 0.0, "public_sector": 1.0},
            },
            "effects": {
                "manufacturing": {"rate": 1.1, "spend": 1.2},
                "tech": {"spend": 1.3},
                "construction": {"rate": 0.8, "spend": 1.1},
                "catering": {"dropout": 1.5, "spend": 0.8},
            },
        },
        "region": {
            "share": {"local": 0.75, "out-of-town": 0.20, "international": 0.05},
            "effects": {
                "out-of-town": {"rate": 0.85, "dropout": 1.2},
                "international": {"rate": 0.7, "spend": 2.0},
            },
        },
    },
    "account_managers": 12,
}

#: Chinese labels of the B2B demo's attribute levels (``make_b2b_demo(labels="zh")`` uses them).
ZH_LABELS: dict[str, dict[str, str]] = {
    "nature": {"individual": "个人", "enterprise": "企业", "government": "政府"},
    "size": {"micro": "微型", "small": "小型", "medium": "中型", "large": "大型"},
    "industry": {"retail": "零售", "manufacturing": "制造业", "services": "服务业", "tech": "科技",
                 "construction": "建筑业", "catering": "餐饮", "public_sector": "公共管理"},
    "region": {"local": "本地", "out-of-town": "外地", "international": "国际"},
}

_ORDERED = {"size"}


def _draw_levels(spec: Mapping[str, Any], parent: pd.Categorical | None, n: int, rng: np.random.Generator) -> np.ndarray:
    """Levels of one attribute: by ``share``, or by ``share[parent level]`` when ``given``."""
    if "given" not in spec:
        levels = list(spec["share"])
        return np.asarray(levels, dtype=object)[rng.choice(len(levels), size=n, p=list(spec["share"].values()))]
    out = np.empty(n, dtype=object)
    u = rng.random(n)
    for parent_level, shares in spec["share"].items():
        rows = np.asarray(parent == parent_level)
        cdf = np.cumsum(list(shares.values()))
        pick = np.minimum(np.searchsorted(cdf / cdf[-1], u[rows], side="right"), len(shares) - 1)
        out[rows] = np.asarray(list(shares), dtype=object)[pick]
    return out


def _b2b_multipliers(customers: pd.DataFrame, spec: Mapping[str, Any]) -> dict[str, np.ndarray]:
    n = len(customers)
    mult = {"rate": np.ones(n), "dropout": np.ones(n), "spend": np.ones(n)}
    for name, attr in spec["attributes"].items():
        for level, effects in attr.get("effects", {}).items():
            rows = (customers[name] == level).to_numpy()
            for what, factor in effects.items():
                mult[what][rows] *= factor
    return mult


def make_b2b_demo(
    n_customers: int = 5000,
    seed: Seed = 20261124,
    observation_end: str | pd.Timestamp = "2025-12-31",
    *,
    labels: str = "en",
    return_truth: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame] | tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Invoices of a bookkeeping and accounting firm's clients, with attributes that shift behaviour.

    Clients sign up over two years and are observed for three (:data:`B2B_DEMO` holds every
    generating parameter). Enterprises and government bodies buy more often, spend more and drop
    out less than individuals; micro clients drop out more and spend less; larger clients spend
    more; international clients spend more but buy less often; catering clients churn more.
    Amounts are in CNY.

    Returns ``(transactions, customers)`` (and the truth frame of :func:`simulate_transactions` with
    the attributes when ``return_truth``): transactions in the contract columns; customers with
    ``customer_id``, ``nature``, ``industry``, ``size`` (ordered), ``region`` (categoricals, labelled
    in English, or in Chinese from :data:`ZH_LABELS` when ``labels="zh"``), ``signup_date`` (the first
    invoice's day) and ``account_manager``.
    """
    if labels not in ("en", "zh"):
        raise ParamsError(f"labels must be 'en' or 'zh', got {labels!r}")
    n = _count("n_customers", n_customers)
    spec = B2B_DEMO
    end = _day("observation_end", observation_end)
    rng = _rng(seed)
    customers = pd.DataFrame(index=pd.RangeIndex(n))
    for name, attr in spec["attributes"].items():
        parent = customers[attr["given"]] if "given" in attr else None
        customers[name] = _draw_levels(attr, parent, n, rng)
    managers = [f"AM{i:02d}" for i in range(1, spec["account_managers"] + 1)]
    customers["account_manager"] = np.asarray(managers, dtype=object)[rng.integers(0, len(managers), size=n)]

    base, mult = spec["base"], _b2b_multipliers(customers, spec)
    mean_p = np.minimum(base["a"] / (base["a"] + base["b"]) * mult["dropout"], 0.9)
    transactions, truth = simulate_transactions(
        n,
        start=end - pd.Timedelta(days=spec["history_days"] - 1),
        acquisition_days=spec["acquisition_days"],
        observation_end=end,
        bgnbd=(base["r"], base["alpha"] / mult["rate"], base["a"], base["a"] * (1 - mean_p) / mean_p),
        spend=(base["p"], base["q"], base["v"] * mult["spend"]),
        attributes=customers,
        time_unit="W",
        seed=rng,
    )
    for name, attr in spec["attributes"].items():
        levels = list(next(iter(attr["share"].values())) if "given" in attr else attr["share"])
        cat = pd.Categorical(truth[name], categories=levels, ordered=name in _ORDERED)
        truth[name] = cat.rename_categories(ZH_LABELS[name]) if labels == "zh" else cat
    customers = truth[[*spec["attributes"], "first_purchase", "account_manager"]].rename(
        columns={"first_purchase": "signup_date"}
    )
    customers = customers.reset_index()[["customer_id", "nature", "industry", "size", "region", "signup_date",
                                         "account_manager"]]
    return (transactions, customers, truth) if return_truth else (transactions, customers)
