"""``churn:`` in a scenario: how churn is defined (the inactivity threshold), the horizon of the
early warning, the churn models compared and the tiers whose lifetimes are compared. The churn
layer owns this section; :mod:`workbench.config` assembles it."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from workbench.data.params import Strict


class ChurnParams(Strict):
    """Settings of the churn report."""

    inactivity_days: float | None = Field(
        None, gt=0, description="churn = no purchase for longer than this; empty = the threshold with the fewest "
                                "false and missed churns on the calibration/holdout split (else the gap quantile)")
    gap_quantile: float = Field(0.9, gt=0, lt=1, description="without a split: the threshold is this quantile of the gaps between purchases")
    threshold_by: str | None = Field(
        None, description="a scheme of tiers.schemes: each of its tiers gets the gap quantile of its own customers as "
                          "threshold (tiers with fewer than 30 gaps take the pooled one); used when inactivity_days is empty")
    dates_column: str | None = Field(
        None, description="a date column of data.customers with known churn or contract-end dates: on or before the "
                          "observation end = churned that day, later = known active, empty = the inactivity rule")
    horizon_days: float = Field(90, gt=0, description="early-warning horizon and the horizon of the holdout scores")
    models: list[str] = Field(default_factory=lambda: ["cox", "weibull_aft", "weibull_cure"], min_length=1,
                              description="churn models to compare (registered kinds: cox, weibull_aft, weibull_cure)")
    attributes: list[str] | None = Field(None, description="attribute columns used as covariates; empty = every categorical attribute")
    schemes: list[str] = Field(default_factory=list, description="tier schemes whose lifetimes are compared; empty = the first two")
    watch: float = Field(0.3, gt=0, lt=1, description="risk tiers: P(lifetime ends within the horizon) from which a customer is watched")
    at_risk: float = Field(0.6, gt=0, lt=1, description="... and from which they are at risk")

    @field_validator("models")
    @classmethod
    def _registered(cls, models: list[str]) -> list[str]:
        from workbench.churn.models import survival_models

        unknown = [m for m in models if m not in survival_models()]
        if unknown:
            raise ValueError(f"unknown churn model(s) {unknown}; registered: {sorted(survival_models())}")
        return models

    @model_validator(mode="after")
    def _order(self) -> ChurnParams:
        if self.at_risk <= self.watch:
            raise ValueError(f"at_risk ({self.at_risk:g}) must exceed watch ({self.watch:g})")
        return self
