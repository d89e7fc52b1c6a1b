"""Early warning (流失预警): per-customer churn risk from a survival model, and the churn-risk tiers
safe / watch / at risk / dormant 沉睡 / churned 流失 as a segmenter like any other.

Everything here reads the per-customer summary (``frequency``, ``recency``, ``T``, optionally
``monetary_value`` and attribute columns), so the tiers take part in every comparison. From the
summary, a customer's churn is that of their latest spell: churned when the time since the last
purchase exceeds the threshold (a won-back customer counts from the purchase they came back with;
:func:`~workbench.churn.durations.churn_durations` follows the first spell instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from workbench.churn.models import SurvivalModel, row_blocks, survival_model
from workbench.errors import ParamsError
from workbench.segment.base import (
    HyperParams,
    KeyedParamsError,
    Label,
    LabelLike,
    Segmenter,
    has_amounts,
    numeric_column,
    time_unit_days,
    to_days,
)
from workbench.segment.registry import SchemeSpec

#: Risk tiers best first, with their default labels.
RISK_TIERS: dict[str, Label] = {
    "safe": Label(en="Safe", zh="安全"),
    "watch": Label(en="Watch", zh="观察"),
    "at_risk": Label(en="At risk", zh="流失风险"),
    "dormant": Label(en="Dormant", zh="沉睡"),
    "churned": Label(en="Churned", zh="流失"),
}


def summary_durations(summary: pd.DataFrame, inactivity_days: float, who: str, time_unit: str | None = None) -> pd.DataFrame:
    """Durations in days from a summary (latest spell): ``idle_days``, ``age``, ``churned``,
    ``duration`` (lifetime; censored at age - threshold), ``until_known`` and ``earliest_known``
    as in :func:`~workbench.churn.durations.churn_durations`."""
    days = time_unit_days(summary, time_unit, who)
    T = to_days(numeric_column(summary, "T", who, param=None), days)
    recency = to_days(numeric_column(summary, "recency", who, param=None), days)
    idle = np.round(T - recency, 6)
    churned = idle > inactivity_days
    lifetime = np.where(churned, recency, np.maximum(T - inactivity_days, 0.0))
    return pd.DataFrame({"idle_days": idle, "age": T, "churned": churned, "duration": lifetime,
                         "until_known": np.where(churned, lifetime + inactivity_days, T),
                         "earliest_known": recency + inactivity_days, "threshold_days": float(inactivity_days)},
                        index=summary.index)


def summary_covariates(summary: pd.DataFrame, attributes: Sequence[str] = (), who: str = "churn covariates") -> tuple[pd.DataFrame, list[str]]:
    """The churn models' covariates from a summary: ``log_frequency`` = log(1 + repeat
    purchases), ``log_spend`` = log(1 + mean spend) when the log has amounts, and the named
    attribute columns as they are (categorical ones are dummy-coded by the model)."""
    out = pd.DataFrame({"log_frequency": np.log1p(numeric_column(summary, "frequency", who, param=None))}, index=summary.index)
    if has_amounts(summary) and "monetary_value" in summary.columns:
        out["log_spend"] = np.log1p(np.maximum(numeric_column(summary, "monetary_value", who, param=None), 0.0))
    for column in attributes:
        if column not in summary.columns:
            raise ParamsError(f"{who}: attribute {column!r} is not a column of the summary; available: {', '.join(map(str, summary.columns))}")
        out[column] = summary[column]
    return out, list(out.columns)


def early_warning(model: SurvivalModel, durations: pd.DataFrame, covariates: pd.DataFrame, *, horizon_days: float,
                  limit_days: float = 730.0, spend: pd.Series | None = None, inactivity_days: float | None = None,
                  discount_rate: float = 0.01) -> pd.DataFrame:
    """Per customer not yet churned: ``p_churn``, the probability that their lifetime ends
    within ``horizon_days`` from now (their last purchase before leaving falls by then; it
    shows a threshold later, so this is P(churn shows within horizon + threshold)),
    ``remaining_days`` (expected days until it shows, within ``limit_days``) and, with ``spend``
    (revenue so far per customer), ``survival_clv``: the revenue rate so far (revenue / max(age,
    threshold): every customer counts as active for the threshold after a purchase) times the
    expected discounted time until the churn shows, over ``limit_days`` (``discount_rate`` per
    month of 365.25 / 12 days). The threshold is each customer's ``threshold_days`` in
    ``durations`` (else ``inactivity_days``). Churned customers get p_churn 1, remaining_days 0
    and CLV 0."""
    rows = durations.join(covariates, how="left")
    if "threshold_days" not in rows.columns:
        if inactivity_days is None:
            raise ParamsError("early_warning: the durations have no threshold_days column; give inactivity_days")
        rows["threshold_days"] = float(inactivity_days)
    active = ~rows["churned"].to_numpy()
    out = pd.DataFrame(index=rows.index)
    out["p_churn"] = 1.0
    out["remaining_days"] = 0.0
    live = rows[active]
    theta = live["threshold_days"].to_numpy(dtype=float)
    if len(live):
        out.loc[live.index, "p_churn"] = model.churn_probability(live, horizon_days + theta, age="age",
                                                                 known="earliest_known").to_numpy()
        out.loc[live.index, "remaining_days"] = model.remaining_lifetime(live, age="age", known="earliest_known", limit=limit_days).to_numpy()
    if spend is not None:
        out["survival_clv"] = 0.0
        if len(live):
            exposure = np.maximum(live["age"].to_numpy(), theta)
            rate = spend.reindex(live.index).fillna(0).to_numpy() / exposure
            out.loc[live.index, "survival_clv"] = rate * _discounted_active_days(model, live, limit_days, discount_rate)
    return out


def _discounted_active_days(model: SurvivalModel, rows: pd.DataFrame, limit: float, rate: float, steps: int = 120) -> np.ndarray:
    """Integral over u in [0, limit] of P(churn not shown by age + u | earliest_known) e^(-delta u)."""
    u = np.linspace(0, limit, steps + 1)
    discount = np.exp(-np.log1p(rate) / (365.25 / 12) * u)[None, :]
    X = model._X(rows, "survival_clv")
    a, b = rows["age"].to_numpy(), rows["earliest_known"].to_numpy()
    out = np.empty(len(a))
    for block in row_blocks(len(a), steps):
        grid = np.maximum(a[block, None] + u[None, :], b[block, None])
        log_s = model._log_survival(X[block], np.column_stack([grid, b[block]]))
        out[block] = np.trapezoid(np.exp(log_s[:, :-1] - log_s[:, -1:]) * discount, u, axis=1)
    return out


class ChurnRiskParams(HyperParams):
    """Hyper-parameters of :class:`ChurnRiskTiers` (durations in days)."""

    inactivity_days: float = Field(180, gt=0, description="churned: no purchase for longer than this")
    dormant_after_days: float | None = Field(None, gt=0, description="dormant: idle longer than this (default: half the threshold)")
    horizon_days: float = Field(90, gt=0, description="the early-warning horizon: P(the lifetime ends within it)")
    watch: float = Field(0.3, gt=0, lt=1, description="P(churn within the horizon) from which a customer is watched")
    at_risk: float = Field(0.6, gt=0, lt=1, description="... and from which they are at risk")
    model: str = Field("cox", description="a registered churn model: cox, weibull_aft, weibull_cure")
    attributes: list[str] = Field(default_factory=list, description="attribute columns used as covariates")
    labels: dict[Literal[tuple(RISK_TIERS)], LabelLike] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _check(self) -> ChurnRiskParams:
        if self.at_risk <= self.watch:
            raise KeyedParamsError("at_risk", f"must exceed watch ({self.at_risk:g} <= {self.watch:g})")
        if self.dormant_after_days is not None and self.dormant_after_days >= self.inactivity_days:
            raise KeyedParamsError("dormant_after_days", f"must be below inactivity_days ({self.dormant_after_days:g} >= {self.inactivity_days:g})")
        survival_model(self.model, "model")
        return self


class ChurnRiskTiers(Segmenter):
    """Churn-risk tiers from a survival model fitted on the summary, first match wins:

    1. **churned** 流失: idle (time since the last purchase) longer than ``inactivity_days``;
    2. **dormant** 沉睡: idle longer than ``dormant_after_days`` (default: half the threshold);
    3. **at risk**: P(the lifetime ends within ``horizon_days``) >= ``at_risk``;
    4. **watch**: that probability >= ``watch``;
    5. **safe**: everyone else.

    The model (``model``, a registered churn model) is fitted on the summary's durations with
    ``log_frequency``, ``log_spend`` and the ``attributes`` columns as covariates; ``model_`` is
    the fitted model (None when no customer has churned yet: then only the idle-time rules
    apply) and :meth:`warning` the per-customer early-warning table.
    """

    Params = ChurnRiskParams

    def __init__(self, inactivity_days: float = 180, dormant_after_days: float | None = None, horizon_days: float = 90,
                 watch: float = 0.3, at_risk: float = 0.6, model: str = "cox", attributes: Sequence[str] = (),
                 labels: Mapping[str, Any] | None = None, time_unit: str | None = None, name: str = "churn_risk",
                 language: str = "en"):
        self.inactivity_days = inactivity_days
        self.dormant_after_days = dormant_after_days
        self.horizon_days = horizon_days
        self.watch = watch
        self.at_risk = at_risk
        self.model = model
        self.attributes = attributes
        self.labels = labels
        self.time_unit = time_unit
        self.name = name
        self.language = language

    def _fit(self, data: pd.DataFrame) -> list[Label]:
        durations = summary_durations(data, self.params_.inactivity_days, self._who, self.time_unit)
        covariates, columns = summary_covariates(data, self.params_.attributes, self._who)
        self.model_ = None  # no churn seen yet: nobody can be scored, only the idle-time rules apply
        if durations["churned"].any():
            self.model_ = survival_model(self.params_.model)().fit(durations.join(covariates), duration="until_known",
                                                                   covariates=columns)
        overrides = self.params_.labels or {}
        return [overrides.get(k, lab) for k, lab in RISK_TIERS.items()]

    def warning(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Per customer: ``idle_days``, ``p_churn`` (lifetime ends within the horizon), ``remaining_days``."""
        self._check_fitted()
        durations = summary_durations(summary, self.params_.inactivity_days, self._who, self.time_unit)
        covariates, _ = summary_covariates(summary, self.params_.attributes, self._who)
        if self.model_ is None:
            table = pd.DataFrame({"p_churn": np.where(durations["churned"], 1.0, 0.0), "remaining_days": np.nan}, index=durations.index)
        else:
            table = early_warning(self.model_, durations, covariates, horizon_days=self.params_.horizon_days,
                                  inactivity_days=self.params_.inactivity_days)
        return table.assign(idle_days=durations["idle_days"])[["idle_days", "p_churn", "remaining_days"]]

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        table = self.warning(data)
        idle, p = table["idle_days"].to_numpy(), table["p_churn"].to_numpy()
        dormant = self.params_.dormant_after_days or self.params_.inactivity_days / 2
        code = {k: i for i, k in enumerate(RISK_TIERS)}
        return np.select([idle > self.params_.inactivity_days, idle > dormant, p >= self.params_.at_risk, p >= self.params_.watch],
                         [code["churned"], code["dormant"], code["at_risk"], code["watch"]], default=code["safe"])


class ChurnRiskScheme(SchemeSpec, ChurnRiskParams):
    """Churn-risk tiers from a survival model (see :class:`~workbench.churn.risk.ChurnRiskTiers`)."""

    kind: Literal["churn_risk"]
    SEGMENTER: ClassVar[type[Segmenter]] = ChurnRiskTiers
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"inactivity_days": 120, "horizon_days": 60}

    def labels_en(self, config: Any) -> list[str]:
        return [(self.labels or {}).get(k, lab).en for k, lab in RISK_TIERS.items()]
