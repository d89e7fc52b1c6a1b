"""Model draws in continuous time, for testing model fitters: BG/NBD, Pareto/NBD and Gamma-Gamma
spend, each customer's latent parameters from the population, then the behaviour, with the truth
next to the summary statistics (frequency, recency, T) in the model's own time unit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.synthetic._common import (
    Seed,
    _count,
    _customer_ids,
    _frame,
    _last_arrival,
    _observation_lengths,
    _rng,
    _unpack,
)
from workbench.errors import DataError

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


def simulate_cnbd(
    n_customers: int,
    k: int,
    r: float | np.ndarray,
    alpha: float | np.ndarray,
    a: float | np.ndarray,
    b: float | np.ndarray,
    *,
    modified: bool = False,
    T: float | np.ndarray | None = None,
    holdout: float = 0.0,
    seed: Seed = None,
) -> pd.DataFrame:
    """Customers drawn from the (M)BG/CNBD-k model (Platzer & Reutterer 2016), in continuous time.

    ``lambda ~ Gamma(r, rate alpha)``, ``p ~ Beta(a, b)``; while alive, inter-purchase times are
    Erlang-k with rate ``lambda`` (mean k / lambda); after each repeat purchase, and with
    ``modified`` also right after the first purchase (time 0), the customer drops out with
    probability ``p``. k = 1 is BG/NBD (or MBG/NBD). ``T`` as in :func:`simulate_bgnbd`; with a
    ``holdout`` length the purchases in (T, T + holdout] are counted too.

    Returns a frame indexed by ``customer_id`` with ``frequency``, ``recency``, ``T``,
    ``sum_log_interpurchase`` (the sum of log gaps between the purchases in [0, T]), with a holdout
    ``frequency_holdout`` and ``duration_holdout``, and the truth ``lambda``, ``p``, ``alive`` (at T).
    """
    n = _count("n_customers", n_customers)
    k = _count("k", k)
    pop = _unpack("cnbd", (r, alpha, a, b), ("r", "alpha", "a", "b"), n)
    T = _observation_lengths(52.0 if T is None else T, n)
    if not (np.isfinite(holdout) and holdout >= 0):
        raise DataError(f"simulate_cnbd: holdout must be a length >= 0, got {holdout!r}")
    rng = _rng(seed)
    lam = rng.gamma(pop["r"], 1.0 / pop["alpha"], size=n)
    p = rng.beta(pop["a"], pop["b"], size=n)
    with np.errstate(divide="ignore"):  # purchases until dropout: geometric; M variants may stop at 0
        lives = np.maximum(np.ceil(np.log(rng.random(n)) / np.log1p(-p)), 1.0) - float(modified)
    end = T + holdout
    x, t_x, log_gaps, later = (np.zeros(n, np.int64), np.zeros(n), np.zeros(n), np.zeros(n, np.int64))
    clock = np.zeros(n)
    active = np.flatnonzero(lives >= 1)
    while active.size:  # one purchase per round for every customer still buying before the end
        gap = rng.standard_gamma(float(k), size=active.size) / lam[active]
        clock[active] += gap
        inside = clock[active] <= end[active]
        active, gap = active[inside], gap[inside]
        calibration = clock[active] <= T[active]
        cal, hold = active[calibration], active[~calibration]
        x[cal] += 1
        t_x[cal] = clock[cal]
        log_gaps[cal] += np.log(gap[calibration])
        later[hold] += 1
        active = active[x[active] + later[active] < lives[active]]
    alive = lives > x  # survived the tests so far (and has a purchase left to make after T)
    columns = {"frequency": x, "recency": t_x, "T": T, "sum_log_interpurchase": log_gaps}
    if holdout > 0:
        columns.update(frequency_holdout=later, duration_holdout=np.full(n, float(holdout)))
    columns.update({"lambda": lam, "p": p, "alive": alive})
    return _frame(_customer_ids(n), columns, {"model": "mbgcnbd" if modified else "bgcnbd", "k": k})


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
