"""The ``tiers:`` section of the params YAML: RFM settings, tier schemes and playbooks.

``TiersConfig`` is the pydantic model of the whole section (unknown keys are errors);
``build_segmenters(config)`` turns its ``schemes`` into segmenters, in order. One scheme is one
YAML entry, e.g.::

    - name: value_tiers
      kind: thresholds
      column: revenue
      tiers:
        - {label: {en: Diamond, zh: 钻石}, min: 1000}
        - {label: {en: Gold, zh: 黄金}, min: 200}
        - {label: {en: Bronze, zh: 青铜}}       # the last tier takes the rest: no min

Kinds: ``rfm_segments``, ``rfm_score``, ``thresholds``, ``quantiles``, ``pareto``, ``lifecycle``,
``grid``, ``facet``, ``crossed``, ``clv``, and any kind registered later
(:mod:`workbench.segment.registry`). Each kind's spec lives next to its segmenter (``thresholds``
and ``quantiles`` in :mod:`~workbench.segment.score`, ``pareto``/``facet``/``crossed`` in
:mod:`~workbench.segment.rules`, and so on); this module assembles the section. Mistakes raise :class:`~workbench.errors.ParamsError` naming the
key path, e.g. ``tiers.schemes[2].tiers[1].min: thresholds must strictly decrease ...``.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from workbench.errors import ParamsError
from workbench.models.params import CLVParams
from workbench.segment.base import (
    KeyedParamsError,
    LabelLike,
    Segmenter,
    defaults,
)
from workbench.segment.registry import Scheme, scheme_kinds, scheme_specs
from workbench.segment.rfm import RFMSegmentRule, RFMSettings, default_segment_map, segment_grid
from workbench.segment.rules import CrossedScheme


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------- RFM


class RFMWeights(_Strict):
    """Weights of ``rfm_score = r*R + f*F + m*M``."""

    r: float = 1.0
    f: float = 1.0
    m: float = 1.0


class RFMConfig(RFMSettings):
    """RFM scoring settings and the named-segment map (see :mod:`workbench.segment.rfm`)."""

    weights: RFMWeights = Field(default_factory=RFMWeights)
    segments: list[RFMSegmentRule] = Field(
        default_factory=lambda: [RFMSegmentRule.model_validate(x) for x in default_segment_map()]
    )

    @model_validator(mode="after")
    def _covers_grid(self) -> RFMConfig:
        segment_grid(self.segments, self.n)
        return self

    @property
    def weight_tuple(self) -> tuple[float, float, float]:
        return (self.weights.r, self.weights.f, self.weights.m)

    def scores(self, summary: Any) -> Any:
        """:func:`~workbench.segment.rfm.rfm_scores` of ``summary`` with these settings."""
        from workbench.segment.rfm import rfm_scores

        return rfm_scores(summary, self.n, frequency=self.frequency, monetary=self.monetary, weights=self.weight_tuple)


# ----------------------------------------------------------------------------- schemes




# ----------------------------------------------------------------------------- playbooks


def _shipped_playbook(scheme_name: str) -> dict:
    """The shipped playbook entries of one scheme (``segment/defaults.yaml``), validated."""
    raw = defaults()["playbooks"].get(scheme_name)
    return {} if raw is None else {k: PlaybookEntry.model_validate(v) for k, v in raw.items()}


class PlaybookEntry(_Strict):
    """What to do with one tier; each field ``{en, zh}`` (or one string)."""

    service_level: LabelLike
    cadence: LabelLike
    channel: LabelLike
    owner: LabelLike
    actions: LabelLike
    cost: float | None = Field(
        None, ge=0, description="cost of serving one customer of the tier for a month, in any unit (the comparison "
                                "uses ratios between tiers only); empty = the cost of the default entry for its position")

    FIELDS: ClassVar[tuple[str, ...]] = ("service_level", "cadence", "channel", "owner", "actions")


POSITIONS = ("top", "middle", "bottom")


# ----------------------------------------------------------------------------- the section


class TiersConfig(_Strict):
    """The ``tiers:`` section of the params: ``rfm`` settings, ``schemes``, ``playbooks``.

    Every key has a default (``segment/defaults.yaml``); ``TiersConfig.default()`` is them all.
    ``playbooks`` maps ``default`` (keys ``top``, ``middle``, ``bottom``: by tier position) and
    scheme names (keys: the English tier labels) to :class:`PlaybookEntry` objects.
    """

    rfm: RFMConfig = Field(default_factory=lambda: RFMConfig.model_validate(defaults()["rfm"]))
    # the defaults are raw YAML, validated like user input
    schemes: list[Scheme] = Field(default_factory=lambda: defaults()["schemes"], validate_default=True)
    playbooks: dict[str, dict[str, PlaybookEntry]] = Field(
        default_factory=lambda: defaults()["playbooks"], validate_default=True
    )

    @model_validator(mode="after")
    def _check(self) -> TiersConfig:
        seen: dict[str, int] = {}
        for i, scheme in enumerate(self.schemes):
            if scheme.name in seen:
                raise KeyedParamsError(f"schemes[{i}].name", f"{scheme.name!r} is already the name of schemes[{seen[scheme.name]}]")
            if isinstance(scheme, CrossedScheme):
                for j, ref in enumerate(scheme.of):
                    if ref not in seen:
                        raise KeyedParamsError(
                            f"schemes[{i}].of[{j}]",
                            f"no earlier scheme named {ref!r}; earlier schemes: {list(seen) or 'none'}",
                        )
            seen[scheme.name] = i
        by_name = {s.name: s for s in self.schemes}
        for scheme_name, entries in self.playbooks.items():
            if scheme_name == "default":
                for key in entries:
                    if key not in POSITIONS:
                        raise KeyedParamsError(f"playbooks.default.{key}", f"default playbook keys are {list(POSITIONS)}")
                continue
            if scheme_name not in by_name:
                if "playbooks" not in self.model_fields_set or entries == _shipped_playbook(scheme_name):
                    continue  # shipped playbooks of schemes this scenario does not use (also when a runner re-injects them)
                raise KeyedParamsError(
                    f"playbooks.{scheme_name}", f"no scheme named {scheme_name!r}; schemes: {list(by_name)}"
                )
            known = by_name[scheme_name].labels_en(self)
            for key in entries:
                if known is not None and key not in known:
                    raise KeyedParamsError(
                        f"playbooks.{scheme_name}[{key!r}]",
                        f"scheme {scheme_name!r} has no tier labelled {key!r} in English; its tiers: {known}",
                    )
        return self

    #: (model, horizon_months, discount_rate) the scenario predicts into the plain ``clv`` and
    #: ``p_alive`` columns: ``clv:`` of the params that embed this section (default its defaults).
    _clv_default: tuple[str, int, float] = PrivateAttr(default_factory=lambda: CLVParams().default_prediction)

    @property
    def clv_default(self) -> tuple[str, int, float]:
        return self._clv_default

    def predict_clv_by_default(self, prediction: tuple[str, int, float]) -> None:
        """Name the prediction the scenario writes to the plain ``clv``/``p_alive`` columns."""
        self._clv_default = prediction

    @classmethod
    def default(cls) -> TiersConfig:
        """The shipped defaults (``segment/defaults.yaml``)."""
        return cls()

    @classmethod
    def parse(cls, data: Any, prefix: str = "tiers") -> TiersConfig:
        """Validate a ``tiers:`` mapping; ParamsError names the key path under ``prefix``."""
        try:
            return cls.model_validate({} if data is None else data)
        except ValidationError as exc:
            raise params_error(exc, prefix) from None

    @classmethod
    def from_yaml(cls, source: str | Path) -> TiersConfig:
        """From a YAML file (or text) holding a ``tiers:`` section (or only its content)."""
        text = Path(source).read_text(encoding="utf-8") if _is_path(source) else str(source)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ParamsError(f"tiers: the YAML cannot be read: {exc}") from None
        if isinstance(data, dict) and "tiers" in data:
            data = data["tiers"]
        return cls.parse(data)

    def build(self, language: str = "en") -> list[Segmenter]:
        """The segmenters of ``schemes``, in order (see :func:`build_segmenters`)."""
        return build_segmenters(self, language=language)


def _is_path(source: str | Path) -> bool:
    return isinstance(source, Path) or ("\n" not in source and source.endswith((".yaml", ".yml")))


def build_segmenters(config: TiersConfig | dict | str | Path | None = None, *, language: str = "en") -> list[Segmenter]:
    """One unfitted segmenter per scheme of ``config`` (a TiersConfig, a ``tiers:`` mapping, a YAML
    path, or None for the defaults), in the order listed; each is named after its scheme.

    Example: ``labels = {s.name: s.fit_assign(summary) for s in build_segmenters(params.tiers)}``.
    """
    if config is None:
        config = TiersConfig.default()
    elif isinstance(config, (str, Path)):
        config = TiersConfig.from_yaml(config)
    elif not isinstance(config, TiersConfig):
        config = TiersConfig.parse(config)
    if language not in ("en", "zh"):
        raise ParamsError(f"build_segmenters: language must be 'en' or 'zh', got {language!r}")
    built: dict[str, Segmenter] = {}
    for scheme in config.schemes:
        built[scheme.name] = scheme.build(config, built, language)
    return list(built.values())


# ----------------------------------------------------------------------------- error messages


def params_error(exc: ValidationError, prefix: str = "tiers", root: type[BaseModel] | None = None) -> ParamsError:
    """A ParamsError whose lines name the full key path of each problem.

    For use by any pydantic model embedding :class:`TiersConfig`: pass the path of the section as
    ``prefix`` (``""`` when ``exc`` comes from the enclosing model) and the model that raised
    ``exc`` as ``root`` (default TiersConfig) so unknown keys list the allowed ones. Errors raised
    by this module's validators carry the sub-key they are about.
    """
    lines = []
    for err in exc.errors():
        path, msg = _key_path(prefix, err["loc"]), err["msg"]
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if isinstance(ctx.get("error"), KeyedParamsError):
            path, msg = _join(path, ctx["error"].key), ctx["error"].detail
        elif kind == "extra_forbidden":
            allowed = _allowed_keys(root or TiersConfig, err["loc"][:-1])
            msg = f"unknown key (allowed: {', '.join(allowed)})" if allowed else "unknown key (check its spelling)"
        elif kind == "value_error":
            msg = msg.removeprefix("Value error, ")
        elif kind == "missing":
            msg = "required key is missing"
        elif kind == "union_tag_invalid":
            path, msg = _join(path, "kind"), f"unknown scheme kind {ctx.get('tag')!r}; kinds: {', '.join(scheme_kinds())}"
        elif kind == "union_tag_not_found":
            path, msg = _join(path, "kind"), f"missing; kinds: {', '.join(scheme_kinds())}"
        lines.append(f"{path}: {msg}" if path else msg)
    return ParamsError(lines[0] if len(lines) == 1 else "invalid params:\n  " + "\n  ".join(lines))


def _allowed_keys(root: type[BaseModel], loc: tuple) -> list[str] | None:
    """Field names of the model found at ``loc`` below ``root`` (lists, dicts, tagged unions)."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is list and isinstance(part, int):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif tp is Any and str(part) in scheme_specs():  # a scheme entry: its kind names the spec
            tp = scheme_specs()[str(part)]
        elif get_origin(tp) is Union:  # a tagged union: the tag names the member
            members = [m for m in get_args(tp) if _unwrap(m) is not None and part in _tags(_unwrap(m))]
            if not members:
                return None
            tp = members[0]
        else:
            return None
    tp = _unwrap(tp)
    if not (isinstance(tp, type) and issubclass(tp, BaseModel)):
        return None
    first = [k for k in ("name", "description", "kind") if k in tp.model_fields]  # a scheme's own keys after these
    return first + [k for k in tp.model_fields if k not in first]


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None``."""










    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return tp


def _tags(model: Any) -> tuple:
    field = getattr(model, "model_fields", {}).get("kind")
    return get_args(field.annotation) if field is not None else ()


def _key_path(prefix: str, loc: tuple) -> str:
    path = prefix
    parts = list(loc)
    for i, part in enumerate(parts):
        # drop the discriminator tag pydantic inserts after a scheme's index
        if isinstance(part, str) and part in scheme_specs() and i >= 2 and parts[i - 2] == "schemes":
            continue
        path = _join(path, f"[{part}]" if isinstance(part, int) else str(part))
    return path


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _join(path: str, key: str) -> str:
    if key.startswith("["):
        return path + key
    head = key.split(".")[0].split("[")[0]
    if not _IDENT.match(head) and "[" not in key and "." not in key:
        return f"{path}[{key!r}]"
    return f"{path}.{key}" if path else key
