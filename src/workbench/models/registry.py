"""The registered models: every transaction-model class that declares a ``kind``.

Params (``clv.models``, the ``clv`` tier scheme's ``model``), the CLV tiers and the CLV report
ask here, so a new transaction model is one class (a subclass of
:class:`~workbench.models.transaction._TransactionModel` with ``kind`` and ``label``), nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.errors import ParamsError


def transaction_models() -> dict[str, type]:
    """kind -> class of every transaction model defined so far (subclasses included)."""
    from workbench.models import clv  # noqa: F401  (defines the shipped models)
    from workbench.models.transaction import _TransactionModel

    return kinds_of(_TransactionModel)


def kinds_of(base: type) -> dict[str, type]:
    """kind -> class of every subclass of ``base`` (at any depth) that declares its own ``kind``."""
    found: dict[str, type] = {}
    stack = list(base.__subclasses__())
    while stack:
        cls = stack.pop(0)
        stack.extend(cls.__subclasses__())
        kind = cls.__dict__.get("kind")
        if kind:
            found.setdefault(kind, cls)
    return found


def transaction_model(kind: object, who: str = "clv.models") -> type:
    """The class registered as ``kind``; a ParamsError naming ``who`` and the known kinds."""
    models = transaction_models()
    if kind not in models:
        raise ParamsError(f"{who}: unknown model {kind!r}; choose from {sorted(models)}")
    return models[kind]  # type: ignore[index]


def model_kwargs(cls: type, covariates: Sequence[str] = ()) -> dict:
    """Keyword arguments that construct ``cls`` for a scenario: its covariates, for a model that takes them."""
    return {"covariates": list(covariates)} if getattr(cls, "takes_covariates", False) else {}
