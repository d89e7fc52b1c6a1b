"""Segmenters: every segmentation method as one ordered tier per customer, best tier first.

- :mod:`~workbench.segment.base`: the :class:`Segmenter` interface and :class:`ScoreTiers`
  (tiers from any numeric column, e.g. a predicted CLV);
- :mod:`~workbench.segment.rfm`: RFM scores (:func:`rfm_scores`) and named RFM segments;
- :mod:`~workbench.segment.rules`: Pareto (ABC) tiers, attribute facets, :class:`Crossed`;
- :mod:`~workbench.segment.lifecycle` and :mod:`~workbench.segment.grid`: lifecycle stages and
  the revenue x frequency x potential x relationship grid;
- :mod:`~workbench.segment.clv`: CLV tiers from the BG/NBD or Pareto/NBD and Gamma-Gamma models;
- :mod:`~workbench.segment.schema`: the ``tiers:`` params (:class:`TiersConfig`) and
  :func:`build_segmenters`.
"""

from workbench.segment.base import Label, Segmenter
from workbench.segment.clv import CLVTiers
from workbench.segment.grid import ValueGrid
from workbench.segment.lifecycle import LifecycleStages
from workbench.segment.profiles import profile
from workbench.segment.rfm import RFMScorer, RFMScoreTiers, RFMSegmenter, rfm_scores
from workbench.segment.rules import Crossed, FacetTiers, ParetoTiers, ThresholdTiers
from workbench.segment.schema import TiersConfig, build_segmenters, params_error
from workbench.segment.score import ScoreTiers

QuantileTiers = ScoreTiers

__all__ = [
    "CLVTiers",
    "Crossed",
    "FacetTiers",
    "Label",
    "LifecycleStages",
    "ParetoTiers",
    "QuantileTiers",
    "RFMScoreTiers",
    "RFMScorer",
    "RFMSegmenter",
    "ScoreTiers",
    "Segmenter",
    "ThresholdTiers",
    "TiersConfig",
    "ValueGrid",
    "build_segmenters",
    "params_error",
    "profile",
    "rfm_scores",
]
