"""Shared pieces of the synthetic generators: seeds, argument checks, customer ids, frames."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import ParamsError

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
