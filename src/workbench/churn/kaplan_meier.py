"""Kaplan-Meier lifetimes per tier, for any segmenter's labels: curves with confidence bands,
customers at risk, median lifetime per tier, and log-rank tests (all tiers at once and every
pair, Holm-adjusted). Estimation and tests are lifelines'."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.churn.metrics import survival_data
from workbench.errors import DataError
from workbench.privacy import shown_ids


@dataclass(frozen=True)
class TierSurvival:
    """Kaplan-Meier per tier: ``curves`` (tier, time, survival, lower, upper), ``at_risk`` (tiers x
    times), ``medians`` (per tier: customers, churned, median lifetime and its 95 % interval;
    NaN when the curve never falls to one half), ``logrank`` (statistic, degrees of freedom, p)
    and ``pairwise`` (tier pairs: statistic, p, Holm-adjusted p)."""

    curves: pd.DataFrame
    at_risk: pd.DataFrame
    medians: pd.DataFrame
    logrank: dict
    pairwise: pd.DataFrame
    alpha: float

    def differs(self, level: float = 0.05) -> bool:
        """Whether the log-rank test rejects equal lifetimes across the tiers at ``level``."""
        return bool(self.logrank["p"] < level)


def tier_survival(durations: pd.DataFrame, tiers: pd.Series, *, duration: str = "duration", event: str = "churned",
                  alpha: float = 0.05, at_risk_times=None) -> TierSurvival:
    """Kaplan-Meier per tier of ``tiers`` (customer -> label, best first if categorical and ordered)
    over ``durations[duration]`` and ``durations[event]``; customers without a tier are left out
    and counted in the DataError when none remain."""
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test, pairwise_logrank_test
    from lifelines.utils import median_survival_times

    who = "tier_survival"
    for column in (duration, event):
        if column not in durations.columns:
            raise DataError(f"{who}: column {column!r} missing from the durations; available: {', '.join(map(str, durations.columns))}")
    labels = tiers.reindex(durations.index)
    missing = labels.isna().to_numpy()
    if missing.all():
        raise DataError(f"{who}: no customer of the durations has a tier (e.g. {shown_ids(list(durations.index[:3]))}); "
                        "are the tiers and durations from the same customers?")
    data = durations.loc[~missing]
    labels = labels[~missing]
    t, e = survival_data(data[duration], data[event], who)
    order = list(labels.cat.categories) if isinstance(labels.dtype, pd.CategoricalDtype) else sorted(labels.unique(), key=str)
    order = [tier for tier in order if (labels == tier).any()]
    if len(order) < 2:
        raise DataError(f"{who}: the customers fall in one tier ({order[0]!r}); a comparison needs two or more")
    values = labels.astype(str).to_numpy()
    if at_risk_times is None:
        at_risk_times = np.unique(np.quantile(t, [0, 0.25, 0.5, 0.75, 0.95]).round())
    curves, at_risk, medians = [], {}, []
    for tier in order:
        mask = values == str(tier)
        kmf = KaplanMeierFitter(alpha=alpha).fit(t[mask], e[mask], label=str(tier))
        band = kmf.confidence_interval_survival_function_
        curves.append(pd.DataFrame({"tier": str(tier), "time": kmf.survival_function_.index.to_numpy(),
                                    "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
                                    "lower": band.iloc[:, 0].to_numpy(), "upper": band.iloc[:, 1].to_numpy()}))
        at_risk[str(tier)] = [int((t[mask] >= x).sum()) for x in at_risk_times]
        ci = median_survival_times(kmf.confidence_interval_)
        medians.append({"tier": str(tier), "customers": int(mask.sum()), "churned": int(e[mask].sum()),
                        "median": _finite(kmf.median_survival_time_),
                        "median_lower": _finite(ci.iloc[0, 0]), "median_upper": _finite(ci.iloc[0, 1])})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        overall = multivariate_logrank_test(t, values, e)
        pairs = pairwise_logrank_test(t, values, e).summary.reset_index()
    pairs.columns = ["tier_a", "tier_b", "statistic", "p", "-log2(p)"]
    pairs = pairs.drop(columns="-log2(p)")
    pairs["p_holm"] = _holm(pairs["p"].to_numpy())
    return TierSurvival(
        curves=pd.concat(curves, ignore_index=True),
        at_risk=pd.DataFrame(at_risk, index=pd.Index(at_risk_times, name="time")).T.rename_axis("tier"),
        medians=pd.DataFrame(medians).set_index("tier"),
        logrank={"statistic": float(overall.test_statistic), "df": len(order) - 1, "p": float(overall.p_value)},
        pairwise=pairs, alpha=alpha)


def _finite(value) -> float:
    value = float(value)
    return value if np.isfinite(value) else float("nan")


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (family-wise error over the pairs)."""
    m = len(p)
    order = np.argsort(p)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out
