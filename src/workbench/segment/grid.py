"""The multi-dimension value grid: revenue x frequency x potential x relationship."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, Field

from workbench.segment.base import (
    HyperParams,
    KeyedParamsError,
    Label,
    Segmenter,
    Shares,
    numeric_column,
    time_unit_days,
    to_days,
)
from workbench.segment.registry import SchemeSpec
from workbench.segment.rules import Crossed
from workbench.segment.score import ScoreTiers

_HIGH_MID_LOW = {
    "revenue": [Label(en="High revenue", zh="高贡献"), Label(en="Mid revenue", zh="中贡献"), Label(en="Low revenue", zh="低贡献")],
    "potential": [Label(en="High potential", zh="高潜力"), Label(en="Mid potential", zh="中潜力"), Label(en="Low potential", zh="低潜力")],
}
_FREQUENCY = [Label(en="Frequent", zh="高频"), Label(en="Infrequent", zh="低频")]
_RELATIONSHIP = [Label(en="Close", zh="关系紧密"), Label(en="Loose", zh="关系松散")]


def _three(value: list[float]) -> list[float]:
    if len(value) != 3:
        raise KeyedParamsError("", f"give three shares: high, mid, low; got {value!r}")
    return value


ThreeShares = Annotated[Shares, AfterValidator(_three)]


class GridParams(HyperParams):
    """Hyper-parameters of :class:`ValueGrid`."""

    revenue_shares: ThreeShares = [0.2, 0.3, 0.5]
    frequency_min: float = 2
    potential_column: str | None = None
    potential_shares: ThreeShares = [0.2, 0.3, 0.5]
    close_min_tenure_days: float = Field(180, gt=0)
    overdue_factor: float = Field(2.0, gt=0)


class ValueGrid(Segmenter):
    """Revenue (high/mid/low) x frequency (high/low) x potential (high/mid/low) x relationship
    (close/loose): 36 tiers, ordered lexicographically in that order of dimensions.

    - **revenue**: shares of customers by ``revenue`` (default top 20 % / next 30 % / rest);
    - **frequency**: frequent when ``frequency >= frequency_min`` repeat purchase periods;
    - **potential**: shares of customers by ``potential_column`` (e.g. a predicted CLV column)
      when the fitting summary has it (fitted attribute ``potential_source_`` says which was used,
      and assigning then needs that column too); otherwise by the proxy ``revenue / (T + 1) * (recency + 1) / (T + 1)`` with T
      and recency in days: spend per day of tenure, damped by how long ago the customer last
      bought relative to their tenure (recency / T, the intuition behind P(alive)). A heuristic:
      prefer a model's prediction;
    - **relationship**: close when the customer has been with us ``close_min_tenure_days`` or
      more, has repeat purchases, and is not overdue: time since last purchase
      ``T - recency <= overdue_factor * recency / frequency`` (the mean inter-purchase time).
      Tenure plus keeping to one's own purchase rhythm stand in for a regular relationship.

    Durations convert with the summary's time unit (``attrs["time_unit"]`` or ``time_unit``).
    Fitted attribute ``grid_``: the fitted :class:`Crossed` of the four dimension tierings.
    """

    Params = GridParams

    def __init__(
        self,
        *,
        revenue_shares: Sequence[float] = (0.2, 0.3, 0.5),
        frequency_min: float = 2,
        potential_column: str | None = None,
        potential_shares: Sequence[float] = (0.2, 0.3, 0.5),
        close_min_tenure_days: float = 180,
        overdue_factor: float = 2.0,
        time_unit: str | None = None,
        name: str = "value_grid",
        language: str = "en",
    ):
        self.revenue_shares = revenue_shares
        self.frequency_min = frequency_min
        self.potential_column = potential_column
        self.potential_shares = potential_shares
        self.close_min_tenure_days = close_min_tenure_days
        self.overdue_factor = overdue_factor
        self.time_unit = time_unit
        self.name = name
        self.language = language

    def _fit(self, data: pd.DataFrame) -> list[Label]:
        dims = [
            ScoreTiers("revenue", shares=self.revenue_shares, labels=_HIGH_MID_LOW["revenue"], name="revenue"),
            ScoreTiers("frequency", thresholds=[self.frequency_min], labels=_FREQUENCY, name="frequency"),
            ScoreTiers("_potential", shares=self.potential_shares, labels=_HIGH_MID_LOW["potential"], name="potential"),
            ScoreTiers("_close", thresholds=[1], labels=_RELATIONSHIP, name="relationship"),
        ]
        grid = dims[0]
        for dim in dims[1:]:
            grid = Crossed(grid, dim, name="value_grid")
        present = self.potential_column is not None and self.potential_column in data.columns
        self.potential_source_ = self.potential_column if present else "proxy"
        self.grid_ = grid.fit(self._dimensions(data))
        return [Label(en=e, zh=z) for e, z in zip(self.grid_.tier_labels_["en"], self.grid_.tier_labels_["zh"], strict=True)]

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        return self.grid_._codes(self._dimensions(data))

    def _dimensions(self, data: pd.DataFrame) -> pd.DataFrame:
        """The summary with the potential values and the relationship flag (1 = close) added."""
        days = time_unit_days(data, self.time_unit, self._who)
        col = lambda c, param=None: numeric_column(data, c, self._who, param=param)  # noqa: E731
        T, recency, frequency = to_days(col("T"), days), to_days(col("recency"), days), col("frequency")
        if self.potential_source_ != "proxy":
            potential = col(self.potential_source_, param="potential_column")
        else:
            potential = col("revenue") / (T + 1) * (recency + 1) / (T + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.where(frequency > 0, recency / np.maximum(frequency, 1), np.inf)
        close = (T >= self.close_min_tenure_days) & (frequency > 0) & (T - recency <= self.overdue_factor * gap)
        return data.assign(_potential=potential, _close=close.astype(float))


# ----------------------------------------------------------------------------- its params (tiers.schemes)


class GridScheme(SchemeSpec, GridParams):
    """The revenue x frequency x potential x relationship grid (see :class:`ValueGrid`)."""

    kind: Literal["grid"]
    SEGMENTER: ClassVar[type[Segmenter]] = ValueGrid
    EXAMPLE: ClassVar[dict[str, Any] | None] = {}

    def labels_en(self, config: Any) -> None:
        return None
