"""Lifecycle stages: prospect, new, active, loyal, dormant, churned, by recency and frequency rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from workbench.segment.base import (
    HyperParams,
    KeyedParamsError,
    Label,
    LabelLike,
    Segmenter,
    numeric_column,
    time_unit_days,
    to_days,
)
from workbench.segment.registry import SchemeSpec

#: Stages best first (engagement now), with their default labels.
STAGES: dict[str, Label] = {
    "loyal": Label(en="Loyal", zh="忠诚"),
    "active": Label(en="Active", zh="活跃"),
    "new": Label(en="New", zh="新客"),
    "dormant": Label(en="Dormant", zh="沉睡"),
    "churned": Label(en="Churned", zh="流失"),
    "prospect": Label(en="Prospect", zh="潜在客户"),
}


class LifecycleParams(HyperParams):
    """Hyper-parameters of :class:`LifecycleStages` (durations in days)."""

    new_within_days: float = Field(90, gt=0)
    dormant_after_days: float = Field(180, gt=0)
    churned_after_days: float = Field(365, gt=0)
    loyal_min_frequency: int = Field(3, ge=1)
    labels: dict[Literal[tuple(STAGES)], LabelLike] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _check(self) -> LifecycleParams:
        if self.churned_after_days <= self.dormant_after_days:
            raise KeyedParamsError(
                "churned_after_days",
                f"must exceed dormant_after_days ({self.churned_after_days:g} <= {self.dormant_after_days:g})",
            )
        return self


class LifecycleStages(Segmenter):
    """Lifecycle stage of each customer from time since last purchase, tenure and frequency.

    Rules, first match wins (durations in days; the summary's ``T`` and ``recency`` are converted
    with its time unit, ``attrs["time_unit"]`` or the ``time_unit`` parameter: ``"D"`` = 1 day,
    ``"W"`` = 7 days):

    1. **prospect**: no purchase yet (``n_transactions == 0``, only when that column is present;
       their recency and T may be missing);
    2. **churned**: time since last purchase (``T - recency``) > ``churned_after_days``;
    3. **dormant**: time since last purchase > ``dormant_after_days``;
    4. **new**: first purchase within the last ``new_within_days`` (``T <= new_within_days``);
    5. **loyal**: ``frequency >= loyal_min_frequency`` repeat purchase periods;
    6. **active**: everyone else.

    Stages are ordered loyal, active, new, dormant, churned, prospect (best first). ``labels``
    overrides stage labels, e.g. ``{"dormant": {"en": "Sleeping", "zh": "沉睡"}}``. The rules
    are fixed, so ``fit`` only validates the parameters.
    """

    Params = LifecycleParams

    def __init__(
        self,
        *,
        new_within_days: float = 90,
        dormant_after_days: float = 180,
        churned_after_days: float = 365,
        loyal_min_frequency: int = 3,
        time_unit: str | None = None,
        labels: Mapping[str, Any] | None = None,
        name: str = "lifecycle",
        language: str = "en",
    ):
        self.new_within_days = new_within_days
        self.dormant_after_days = dormant_after_days
        self.churned_after_days = churned_after_days
        self.loyal_min_frequency = loyal_min_frequency
        self.time_unit = time_unit
        self.labels = labels
        self.name = name
        self.language = language

    def _fit(self, data: pd.DataFrame) -> list[Label]:
        self._codes(data)  # validates the columns and the time unit
        overrides = self.params_.labels or {}
        return [overrides.get(k, lab) for k, lab in STAGES.items()]

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        days = time_unit_days(data, self.time_unit, self._who)
        prospect = np.zeros(len(data), dtype=bool)
        if "n_transactions" in data.columns:
            prospect = numeric_column(data, "n_transactions", self._who, param=None) == 0
        buyers = data[~prospect]
        since_last = np.full(len(data), np.nan)
        tenure = np.full(len(data), np.nan)
        freq = np.full(len(data), np.nan)
        T = numeric_column(buyers, "T", self._who, param=None)
        since_last[~prospect] = to_days(T - numeric_column(buyers, "recency", self._who, param=None), days)
        tenure[~prospect] = to_days(T, days)
        freq[~prospect] = numeric_column(buyers, "frequency", self._who, param=None)
        code = {k: i for i, k in enumerate(STAGES)}
        return np.select(
            [
                prospect,
                since_last > self.churned_after_days,
                since_last > self.dormant_after_days,
                tenure <= self.new_within_days,
                freq >= self.loyal_min_frequency,
            ],
            [code["prospect"], code["churned"], code["dormant"], code["new"], code["loyal"]],
            default=code["active"],
        )


# ----------------------------------------------------------------------------- its params (tiers.schemes)


class LifecycleScheme(SchemeSpec, LifecycleParams):
    """Lifecycle stages (see :class:`~workbench.segment.lifecycle.LifecycleStages`)."""

    kind: Literal["lifecycle"]
    SEGMENTER: ClassVar[type[Segmenter]] = LifecycleStages
    EXAMPLE: ClassVar[dict[str, Any] | None] = {}

    def labels_en(self, config: Any) -> list[str]:
        return [(self.labels or {}).get(k, lab).en for k, lab in STAGES.items()]
