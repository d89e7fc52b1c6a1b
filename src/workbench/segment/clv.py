"""CLV tiers: model predictions become tiers, so model-based tiers compare like any other.

:class:`CLVTiers` is an adapter on two summary columns, never a model fit: a predicted CLV
(``clv``) and P(alive) (``p_alive``), added once by the fitted models
(:func:`workbench.models.value.with_predictions`; in a report, ``Scenario.with_clv``, which fits
each model once for every consumer). CLV cut points are learned from shares of the customers
still likely alive; customers with P(alive) below ``p_alive_min`` form a last "likely lost"
tier. Assigning another summary (e.g. a later period) needs the same columns, predicted by the
same fitted models.

The ``clv`` scheme kind names the prediction it wants (``model``, ``horizon_months``,
``discount_rate``); :meth:`ClvScheme.prediction` tells the scenario which columns to add.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from workbench.errors import NotApplicableError
from workbench.segment.base import (
    HyperParams,
    LabelLike,
    Segmenter,
    Shares,
    check_label_count,
    has_amounts,
    numeric_column,
)
from workbench.segment.registry import SchemeSpec
from workbench.segment.specs import TierSpec, allow_keys, tier_shares

DEFAULT_LABELS = (
    {"en": "Top CLV", "zh": "高终身价值"},
    {"en": "Middle CLV", "zh": "中终身价值"},
    {"en": "Low CLV", "zh": "低终身价值"},
)
DEFAULT_LOST = {"en": "Likely lost", "zh": "可能已流失"}


class CLVTiersParams(HyperParams):
    """Hyper-parameters of :class:`CLVTiers`."""

    column: str = "clv"
    alive_column: str = "p_alive"
    shares: Shares = [0.2, 0.3, 0.5]
    p_alive_min: float = Field(0.3, ge=0, lt=1, description="below it: the likely-lost tier; 0 = none")
    labels: list[LabelLike] | None = None
    lost_label: LabelLike | None = None

    @model_validator(mode="after")
    def _check(self) -> CLVTiersParams:
        check_label_count(self.labels, len(self.shares))
        return self


class CLVTiers(Segmenter):
    """Tiers by a predicted CLV column (best first), then a tier of customers likely lost.

    Parameters
    ----------
    column, alive_column : summary columns holding each customer's predicted CLV and P(alive).
    shares : shares of the likely-alive customers per CLV tier, best first; they sum to 1.
    p_alive_min : customers whose P(alive) is below it go to the last tier (0 disables it).
    labels, lost_label : tier labels ({en, zh}), one per share, and the lost tier's label.

    Fitted attribute ``cut_points_``: the CLV values that start each tier but the last.
    """

    Params = CLVTiersParams
    needs_repeat_customers = True

    def __init__(
        self,
        column: str = "clv",
        alive_column: str = "p_alive",
        shares: list[float] = (0.2, 0.3, 0.5),
        p_alive_min: float = 0.3,
        labels: list[Any] | None = None,
        lost_label: Any = None,
        name: str = "clv",
        language: str = "en",
    ):
        self.column = column
        self.alive_column = alive_column
        self.shares = shares
        self.p_alive_min = p_alive_min
        self.labels = labels
        self.lost_label = lost_label
        self.name = name
        self.language = language

    def _fit(self, data: pd.DataFrame) -> list[Any]:
        value, alive = self.predicted(data)
        self.cut_points_ = self._cut_points(value, alive)
        labels = list(self.params_.labels or DEFAULT_LABELS[: len(self.params_.shares)])
        return [*labels, self.params_.lost_label or DEFAULT_LOST] if self.p_alive_min > 0 else labels

    def _cut_points(self, value: np.ndarray, alive: np.ndarray) -> np.ndarray:
        kept = value[alive]
        edges = np.cumsum(self.params_.shares)[:-1]
        return np.quantile(kept, 1 - edges) if len(kept) else np.zeros(len(edges))

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        value, alive = self.predicted(data)
        return self._assign(value, alive, self.cut_points_)

    def _assign(self, value: np.ndarray, alive: np.ndarray, cut_points: np.ndarray) -> np.ndarray:
        codes = (value[:, None] < cut_points[None, :]).sum(axis=1)
        if self.p_alive_min > 0:
            codes = np.where(alive, codes, len(cut_points) + 1)
        return codes

    def codes_from(self, clv: np.ndarray, p_alive: np.ndarray) -> np.ndarray:
        """Tier codes of tiers learned afresh on these predictions (as a fit then assign would give), with this
        scheme's shares and P(alive) floor: what the tiers would be under other model parameters
        (:func:`workbench.models.uncertainty.clv_intervals`). Needs a fitted scheme."""
        self._check_fitted()
        value, alive = np.asarray(clv, float), np.asarray(p_alive, float) >= self.p_alive_min
        return self._assign(value, alive, self._cut_points(value, alive))

    def predicted(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The predicted CLV and whether P(alive) reaches ``p_alive_min``, per customer."""
        if not has_amounts(data):
            raise NotApplicableError(f"{self._who} needs amounts (spend per purchase), and these transactions have none (counts only)")
        missing = [c for c in (self.column, self.alive_column) if c not in data.columns]
        if missing:
            raise NotApplicableError(
                f"{self._who} reads the models' predictions from column(s) {missing}, which the summary lacks: "
                "add them first (Scenario.with_clv, or workbench.models.value.with_predictions)"
            )
        value = numeric_column(data, self.column, self._who)
        alive = numeric_column(data, self.alive_column, self._who, param="alive_column") >= self.p_alive_min
        return value, alive


# ----------------------------------------------------------------------------- its params (tiers.schemes)


class ClvScheme(SchemeSpec):
    """Tiers by predicted CLV (BG/NBD or Pareto/NBD with Gamma-Gamma spend), then "likely lost"."""

    kind: Literal["clv"]
    SEGMENTER: ClassVar[type[Segmenter]] = CLVTiers
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"tiers": [{"label": {"en": "Top CLV", "zh": "高价值"}, "share": 0.5}, {"label": {"en": "Rest", "zh": "其余"}, "share": 0.5}]}
    model: str = Field("bgnbd", description="a registered transaction model (bgnbd, paretonbd, ...)")
    horizon_months: int = Field(12, gt=0, le=240)
    discount_rate: float = Field(0.01, ge=0, lt=1, description="per month")
    p_alive_min: float = CLVTiersParams.model_fields["p_alive_min"]
    tiers: list[TierSpec]
    lost_label: LabelLike | None = None

    @field_validator("model")
    @classmethod
    def _registered(cls, model: str) -> str:
        from workbench.models.registry import transaction_models

        if model not in transaction_models():
            raise ValueError(f"unknown model {model!r}; registered: {sorted(transaction_models())}")
        return model

    @model_validator(mode="after")
    def _check(self) -> ClvScheme:
        allow_keys(self.tiers, {"share"}, self.kind)
        tier_shares(self.tiers)
        return self

    def prediction(self, default: tuple[str, int, float] | None = None) -> tuple[str, int, float, tuple[str, str]]:
        """(model, horizon_months, discount_rate, columns) of the prediction these tiers read;
        the plain ``clv``/``p_alive`` columns when it is the scenario's ``default`` prediction."""
        from workbench.models.value import prediction_columns

        key = (self.model, self.horizon_months, self.discount_rate)
        return (*key, prediction_columns(*key, default=key == default))

    def labels_en(self, config: Any) -> list[str]:
        lost = [] if self.p_alive_min == 0 else [self.lost_label.en if self.lost_label else DEFAULT_LOST["en"]]
        return [t.label.en for t in self.tiers] + lost

    def segmenter_params(self, config: Any) -> dict[str, Any]:
        default = getattr(config, "clv_default", None)
        column, alive = self.prediction(default)[3]
        return {"column": column, "alive_column": alive, "shares": [t.share for t in self.tiers],
                "p_alive_min": self.p_alive_min, "labels": [t.label for t in self.tiers], "lost_label": self.lost_label}
