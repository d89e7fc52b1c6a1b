"""``clv:`` in a scenario: which transaction models the CLV report compares, the horizon and the
discount. The models layer owns this section; :mod:`workbench.config` assembles it."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from workbench.data.params import Strict


class CLVParams(Strict):
    """Settings of the CLV report: which transaction models, the CLV horizon and discount."""

    models: list[str] = Field(
        default_factory=lambda: ["bgnbd", "paretonbd"], min_length=1,
        description="transaction models to compare (registered kinds: bgnbd, paretonbd, ...)",
    )
    horizon_months: int = Field(12, gt=0, le=240, description="CLV horizon in months")
    discount_rate: float = Field(0.01, ge=0, lt=1, description="discount rate per month")
    max_frequency: int = Field(7, ge=1, le=50, description="last calibration-frequency group in conditional expectations")
    covariates: list[str] = Field(
        default_factory=list,
        description="customer attribute columns that shift the purchase and dropout processes of the models "
                    "with covariates (paretonbd_cov, bgnbd_cov); categorical ones are dummy-coded against their most common level",
    )

    @field_validator("models")
    @classmethod
    def _registered(cls, models: list[str]) -> list[str]:
        from workbench.models.registry import transaction_models

        known = transaction_models()
        unknown = [m for m in models if m not in known]
        if unknown:
            raise ValueError(f"unknown model(s) {unknown}; registered: {sorted(known)}")
        return models

    @model_validator(mode="after")
    def _covariates_given(self) -> CLVParams:
        from workbench.models.registry import transaction_models

        known = transaction_models()
        wanting = [m for m in self.models if getattr(known[m], "takes_covariates", False)]
        if wanting and not self.covariates:
            raise ValueError(f"model(s) {wanting} need covariates: list attribute columns in clv.covariates")
        return self

    def model_options(self, kind: str) -> dict:
        """Keyword arguments of the model registered as ``kind`` from these settings (its covariates)."""
        from workbench.models.registry import model_kwargs, transaction_model

        return model_kwargs(transaction_model(kind), self.covariates)

    @property
    def default_prediction(self) -> tuple[str, int, float]:
        """(model, horizon_months, discount_rate) of the summary's plain ``clv`` and ``p_alive``."""
        return (self.models[0], self.horizon_months, self.discount_rate)
