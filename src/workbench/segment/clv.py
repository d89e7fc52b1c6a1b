"""CLV tiers: a segmenter on top of the CLV models, so model-based tiers compare like any other.

Fitting fits a transaction model (BG/NBD or Pareto/NBD) and the Gamma-Gamma spend model on the
summary, predicts each customer's discounted CLV over a horizon and P(alive), and learns CLV cut
points from shares of the customers still likely alive; customers with P(alive) below
``p_alive_min`` form a last "likely lost" tier. Assigning another summary (e.g. a later period)
reuses the fitted models and cut points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from workbench.errors import NotApplicableError, ParamsError
from workbench.segment.base import LabelLike, Segmenter, check_shares, has_amounts
from workbench.segment.registry import SchemeSpec
from workbench.segment.specs import TierSpec, allow_keys, tier_shares

DEFAULT_LABELS = (
    {"en": "Top CLV", "zh": "高终身价值"},
    {"en": "Middle CLV", "zh": "中终身价值"},
    {"en": "Low CLV", "zh": "低终身价值"},
)
DEFAULT_LOST = {"en": "Likely lost", "zh": "可能已流失"}


class CLVTiers(Segmenter):
    """Tiers by predicted CLV (best first), then a tier of customers likely lost.

    Parameters
    ----------
    model : ``"bgnbd"`` (Fader, Hardie & Lee 2005) or ``"paretonbd"`` (Schmittlein et al. 1987).
    horizon_months, discount_rate : CLV over this many months, discounted per month
        (:func:`workbench.models.clv.predict_clv`, discrete end-of-month discounting).
    shares : shares of the likely-alive customers per CLV tier, best first; they sum to 1.
    p_alive_min : customers whose P(alive) is below it go to the last tier (0 disables it).
    labels, lost_label : tier labels ({en, zh}), one per share, and the lost tier's label.
    time_unit : ``"D"`` or ``"W"`` of the summary; default ``summary.attrs["time_unit"]``.
    """

    needs_repeat_customers = True

    def __init__(
        self,
        model: str = "bgnbd",
        horizon_months: int = 12,
        discount_rate: float = 0.01,
        shares: Sequence[float] = (0.2, 0.3, 0.5),
        p_alive_min: float = 0.3,
        labels: Sequence[Any] | None = None,
        lost_label: Any = None,
        time_unit: str | None = None,
        name: str = "clv",
        language: str = "en",
    ):
        self.model = model
        self.horizon_months = horizon_months
        self.discount_rate = discount_rate
        self.shares = shares
        self.p_alive_min = p_alive_min
        self.labels = labels
        self.lost_label = lost_label
        self.time_unit = time_unit
        self.name = name
        self.language = language

    def _fit(self, data: pd.DataFrame) -> list[Any]:
        from workbench.models.clv import GammaGamma
        from workbench.models.registry import transaction_model

        if not has_amounts(data):
            raise NotApplicableError(f"{self._who} needs amounts (spend per purchase), and these transactions have none (counts only)")
        shares = check_shares(self.shares)
        model_class = transaction_model(self.model, f"{self._who}: model")
        if not 0 <= self.p_alive_min < 1:
            raise ParamsError(f"{self._who}: p_alive_min must be in [0, 1), got {self.p_alive_min}")
        self.transaction_model_ = model_class().fit(data)
        spenders = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
        self.spend_model_ = GammaGamma().fit(spenders)
        value, alive = self.predict(data)
        kept = value[alive]
        edges = np.cumsum(shares)[:-1]
        self.cut_points_ = np.quantile(kept, 1 - edges) if len(kept) else np.zeros(len(edges))
        labels = list(self.labels) if self.labels is not None else list(DEFAULT_LABELS[: len(shares)])
        if len(labels) != len(shares):
            raise ParamsError(f"{self._who}: {len(labels)} labels for {len(shares)} shares")
        return [*labels, self.lost_label or DEFAULT_LOST] if self.p_alive_min > 0 else labels

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        value, alive = self.predict(data)
        codes = (value.to_numpy()[:, None] < self.cut_points_[None, :]).sum(axis=1)
        if self.p_alive_min > 0:
            codes = np.where(alive.to_numpy(), codes, len(self.cut_points_) + 1)
        return codes

    def predict(self, summary: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Predicted CLV and whether P(alive) reaches ``p_alive_min``, per customer."""
        from workbench.models.clv import predict_clv

        value = predict_clv(
            self.transaction_model_, self.spend_model_, summary, self.horizon_months, self.discount_rate,
            time_unit=self.time_unit,
        )
        alive = self.transaction_model_.p_alive(summary) >= self.p_alive_min
        return value, alive


# ----------------------------------------------------------------------------- its params (tiers.schemes)


class ClvScheme(SchemeSpec):
    """Tiers by predicted CLV (BG/NBD or Pareto/NBD with Gamma-Gamma spend), then "likely lost"."""

    kind: Literal["clv"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"tiers": [{"label": {"en": "Top CLV", "zh": "高价值"}, "share": 0.5}, {"label": {"en": "Rest", "zh": "其余"}, "share": 0.5}]}
    model: str = Field("bgnbd", description="a registered transaction model (bgnbd, paretonbd, ...)")
    horizon_months: int = Field(12, gt=0, le=240)
    discount_rate: float = Field(0.01, ge=0, lt=1, description="per month")
    p_alive_min: float = Field(0.3, ge=0, lt=1, description="below it: the likely-lost tier; 0 = none")
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

    def labels_en(self, config: Any) -> list[str]:
        lost = [] if self.p_alive_min == 0 else [self.lost_label.en if self.lost_label else DEFAULT_LOST["en"]]
        return [t.label.en for t in self.tiers] + lost

    def build(self, config: Any, built: dict, language: str) -> Segmenter:
        return CLVTiers(
            self.model,
            self.horizon_months,
            self.discount_rate,
            shares=[t.share for t in self.tiers],
            p_alive_min=self.p_alive_min,
            labels=[t.label for t in self.tiers],
            lost_label=self.lost_label,
            name=self.name,
            language=language,
        )
