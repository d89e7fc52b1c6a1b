"""Hyper-parameters declared once: a pydantic model per estimator, and errors that name the key.

Segmenters (``Segmenter.Params``) and models (``MLEModel.Params``) list their ``__init__``
keywords here with types, ranges and cross-checks, in the manner of scikit-learn's
``_parameter_constraints``; ``fit`` validates ``get_params()`` with it, and a YAML spec of the
same method inherits the fields instead of restating them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from workbench.errors import ParamsError


class KeyedParamsError(ParamsError):
    """A ParamsError about one key below the object being validated (e.g. ``tiers[1].min``).

    Raised inside pydantic validators, it lets the params formatter report the full key path
    (``tiers.schemes[2].tiers[1].min``) instead of the path of the enclosing model.
    """

    def __init__(self, key: str, message: str):
        self.key = key
        self.detail = message
        super().__init__(f"{key}: {message}" if key else message)


def _join_key(path: str, key: str) -> str:
    return path + key if key.startswith("[") or not path else (f"{path}.{key}" if key else path)


class HyperParams(BaseModel):
    """The hyper-parameters of one estimator, declared once: types, ranges and cross-checks.

    An estimator names its model as ``Params`` and validates ``get_params()`` with it in ``fit``,
    so the message is the same whether it came from YAML or from code; a segmenter's YAML spec
    inherits its fields where the YAML has the same shape. Fields are the ``__init__`` keywords
    (a segmenter's other than ``name``, ``language`` and ``time_unit``) with the same defaults;
    the contract tests check both.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    @classmethod
    def checked(cls, values: Mapping[str, Any], who: str) -> HyperParams:
        """``values`` validated; a ParamsError ``who: key: problem`` for the first problem."""
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            err = exc.errors()[0]
            path = ""
            for part in err["loc"]:
                path = _join_key(path, f"[{part}]" if isinstance(part, int) else str(part))
            error = (err.get("ctx") or {}).get("error")
            if isinstance(error, KeyedParamsError):
                path, msg = _join_key(path, error.key), error.detail
            else:
                msg = err["msg"].removeprefix("Value error, ")
            raise ParamsError(f"{who}: {path}: {msg}" if path else f"{who}: {msg}") from None
