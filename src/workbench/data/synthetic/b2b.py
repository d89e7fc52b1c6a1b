"""The B2B demo for analysts and documents: a bookkeeping firm's clients whose attributes shift
behaviour by known multipliers (:data:`B2B_DEMO`), so the tiers can be checked against the truth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.synthetic._common import Seed, _count, _rng
from workbench.data.synthetic.transactions import _day, simulate_transactions
from workbench.errors import ParamsError

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
