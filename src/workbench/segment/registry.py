"""The registry of tier-scheme kinds: one spec class per kind, found by its ``kind``.

A kind is a :class:`SchemeSpec` subclass: a pydantic model with ``kind: Literal["my_kind"]`` and
``SEGMENTER``, the segmenter class it builds. Its keys are the segmenter's hyper-parameters
(``SEGMENTER.Params``, declared once; a spec inherits them when the YAML has the same shape, or
maps its keys in ``segmenter_params``). Defining the class
registers it: ``tiers.schemes`` in params accepts the kind, :func:`scheme_kinds` lists it for
messages and help, and the segmenter contract tests run its :meth:`SchemeSpec.example`. A new
method is one segmenter class plus its spec, in one module, and nothing else.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, ClassVar, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, WrapValidator

#: kind -> spec class, in the order the classes were defined.
_SPECS: dict[str, type[SchemeSpec]] = {}

#: Packages whose modules define kinds, imported by name when the kinds are first needed: the
#: segmenters of higher layers (clustering, churn) register here without this layer importing them.
PROVIDERS: list[str] = ["workbench.segment", "workbench.cluster", "workbench.churn"]


class SchemeSpec(BaseModel):
    """One entry of ``tiers.schemes``: ``name``, ``kind`` and the kind's own keys."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="identifier of the scheme")
    description: str | None = None

    #: A minimal entry of this kind (without ``name``) for the contract tests and the help.
    EXAMPLE: ClassVar[dict[str, Any] | None] = None
    #: The segmenter class this kind builds (its ``Params`` are the hyper-parameters).
    SEGMENTER: ClassVar[type | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        field = cls.model_fields.get("kind")
        for kind in get_args(field.annotation) if field is not None else ():
            _SPECS[kind] = cls
            _adapter.cache_clear()

    def labels_en(self, config: Any) -> list[str] | None:
        """English tier labels when known without data (used to check playbook keys)."""
        tiers = getattr(self, "tiers", None)
        return [t.label.en for t in tiers] if tiers else None

    def segmenter_params(self, config: Any) -> dict[str, Any]:
        """Keyword arguments of :data:`SEGMENTER` from this entry: by default its fields that are
        the segmenter's ``Params`` (a kind whose YAML has another shape overrides this)."""
        fields = self.SEGMENTER.Params.model_fields if self.SEGMENTER is not None else {}
        return {k: getattr(self, k) for k in fields if k in type(self).model_fields}

    def build(self, config: Any, built: dict, language: str):
        """The unfitted segmenter of this entry (``built``: the earlier schemes by name)."""
        if self.SEGMENTER is None:  # pragma: no cover - a kind must set SEGMENTER or override build
            raise NotImplementedError(f"{type(self).__name__} sets no SEGMENTER")
        return self.SEGMENTER(**self.segmenter_params(config), name=self.name, language=language)

    @classmethod
    def example(cls, name: str | None = None) -> SchemeSpec | None:
        """:data:`EXAMPLE` validated under ``name`` (default: the kind), or None without one."""
        if cls.EXAMPLE is None:
            return None
        kind = get_args(cls.model_fields["kind"].annotation)[0]
        return cls.model_validate({"name": name or kind, "kind": kind, **cls.EXAMPLE})


def scheme_specs() -> dict[str, type[SchemeSpec]]:
    """Every registered kind and its spec class."""
    import importlib

    for package in PROVIDERS:
        importlib.import_module(package)
    return dict(_SPECS)


def scheme_kinds() -> tuple[str, ...]:
    return tuple(scheme_specs())


@lru_cache(maxsize=1)
def _adapter() -> TypeAdapter:
    specs = tuple(dict.fromkeys(scheme_specs().values()))
    union = Union[specs] if len(specs) > 1 else specs[0]  # noqa: UP007
    return TypeAdapter(Annotated[union, Field(discriminator="kind")] if len(specs) > 1 else union)


def _validate(value: Any, handler: Any) -> SchemeSpec:
    if isinstance(value, SchemeSpec):
        return value
    return _adapter().validate_python(value)


#: The type of one ``tiers.schemes`` entry: validated by the spec its ``kind`` names, among the
#: kinds registered when validation runs.
Scheme = Annotated[Any, WrapValidator(_validate)]
