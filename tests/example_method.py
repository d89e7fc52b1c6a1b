"""A segmentation method and a transaction model defined outside the package, as a user or a
later issue would add them: one segmenter class with its scheme spec, and one model class, nothing
else. Imported by conftest.py, so the registries know the kinds "buyer_bands" and
"bgnbd_test_start" before the contract tests are collected; tests/test_registry_proof.py and
tests/test_model_registry.py check that params, build_segmenters, Scenario, ``workbench params``
and the contract tests accept them without any other file changed."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from workbench.models.bgnbd import BetaGeo
from workbench.segment.base import HyperParams, Segmenter, numeric_column
from workbench.segment.registry import SchemeSpec


class BuyerBandsParams(HyperParams):
    min_repeats: int = Field(1, ge=1)


class BuyerBands(Segmenter):
    """Repeat buyers (at least ``min_repeats`` repeat purchases) first, then one-time buyers."""

    Params = BuyerBandsParams

    def __init__(self, min_repeats: int = 1, *, name: str = "buyer_bands", language: str = "en"):
        self.min_repeats = min_repeats
        self.name = name
        self.language = language

    def _fit(self, data: pd.DataFrame) -> list[Any]:
        numeric_column(data, "frequency", self._who, param=None)
        return [{"en": "Repeat buyers", "zh": "复购客户"}, {"en": "One-time buyers", "zh": "一次性客户"}]

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        return (numeric_column(data, "frequency", self._who, param=None) < self.min_repeats).astype(int)


class BuyerBandsScheme(SchemeSpec, BuyerBandsParams):
    """``kind: buyer_bands`` in tiers.schemes: its keys are BuyerBands' hyper-parameters."""

    kind: Literal["buyer_bands"]
    SEGMENTER: ClassVar[type[Segmenter]] = BuyerBands
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"min_repeats": 2}

    def labels_en(self, config: Any) -> list[str]:
        return ["Repeat buyers", "One-time buyers"]


class HeavierStartBetaGeo(BetaGeo):
    """A BG/NBD fitted from another starting point: a stand-in for a new model."""

    kind = "bgnbd_test_start"
    label = "BG/NBD (test start)"

    @staticmethod
    def _start_values(alpha0):
        return [0.8, alpha0 * 1.5, 0.8, 1.5]
