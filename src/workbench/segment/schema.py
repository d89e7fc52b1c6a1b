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
(:mod:`workbench.segment.registry`). Mistakes raise :class:`~workbench.errors.ParamsError` naming the
key path, e.g. ``tiers.schemes[2].tiers[1].min: thresholds must strictly decrease ...``.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.errors import ParamsError
from workbench.segment.base import (
    KeyedParamsError,
    LabelLike,
    ScoreTiers,
    Segmenter,
    check_ladder,
    check_shares,
    defaults,
)
from workbench.segment.clv import DEFAULT_LOST, CLVTiers
from workbench.segment.registry import Scheme, SchemeSpec, scheme_kinds, scheme_specs
from workbench.segment.grid import ValueGrid
from workbench.segment.lifecycle import STAGES, LifecycleStages
from workbench.segment.rfm import RFMScoreTiers, RFMSegmenter, RFMSegmentRule, default_segment_map, segment_grid
from workbench.segment.rules import Crossed, FacetTiers, ParetoTiers


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------- RFM


class RFMWeights(_Strict):
    """Weights of ``rfm_score = r*R + f*F + m*M``."""

    r: float = 1.0
    f: float = 1.0
    m: float = 1.0


class RFMConfig(_Strict):
    """RFM scoring settings and the named-segment map (see :mod:`workbench.segment.rfm`)."""

    n: int = Field(5, ge=2, le=9, description="score levels 1..n")
    frequency: Literal["frequency", "n_transactions"] = "frequency"
    monetary: Literal["revenue", "monetary_value"] = "revenue"
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


class TierSpec(_Strict):
    """One tier of a scheme: its label and, depending on the kind, ``min``, ``max`` or ``share``."""

    label: LabelLike
    min: float | None = None
    max: float | None = None
    share: float | None = None


def _allow(tiers: list[TierSpec], allowed: set[str], kind: str) -> None:
    for i, tier in enumerate(tiers):
        for key in ("min", "max", "share"):
            if getattr(tier, key) is not None and key not in allowed:
                raise KeyedParamsError(f"tiers[{i}].{key}", f"not used by kind {kind} (use {' or '.join(sorted(allowed))})")


def _ladder(tiers: list[TierSpec], bound: str, kind: str) -> list[float]:
    """Bounds of all tiers but the last (which takes the rest), checked and in order."""
    if len(tiers) < 2:
        raise KeyedParamsError("tiers", f"give at least two tiers, got {len(tiers)}")
    for i, tier in enumerate(tiers[:-1]):
        if getattr(tier, bound) is None:
            raise KeyedParamsError(f"tiers[{i}].{bound}", f"missing: every tier but the last needs {bound}")
    if getattr(tiers[-1], bound) is not None:
        raise KeyedParamsError(
            f"tiers[{len(tiers) - 1}].{bound}",
            f"the last tier takes everyone left, so it has no {bound}; remove it or add a tier below",
        )
    values = [getattr(t, bound) for t in tiers[:-1]]
    try:
        check_ladder(values, decreasing=bound == "min", key="tiers")
    except KeyedParamsError as exc:
        raise KeyedParamsError(f"{exc.key}.{bound}", exc.detail) from None
    return values


def _shares(tiers: list[TierSpec]) -> list[float]:
    for i, tier in enumerate(tiers):
        if tier.share is None:
            raise KeyedParamsError(f"tiers[{i}].share", "missing: every tier needs a share")
    shares = [t.share for t in tiers]
    try:
        check_shares(shares, key="tiers")
    except KeyedParamsError as exc:
        raise KeyedParamsError(f"{exc.key}.share" if "[" in exc.key else exc.key, exc.detail) from None
    return shares


_Scheme = SchemeSpec


class ThresholdsScheme(_Scheme):
    """Thresholds on any numeric column: ``min`` per tier (``max`` when lower is better)."""

    kind: Literal["thresholds"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"column": "revenue", "tiers": [{"label": {"en": "High", "zh": "高"}, "min": 100}, {"label": {"en": "Low", "zh": "低"}}]}
    column: str
    higher_is_better: bool = True
    tiers: list[TierSpec]

    @model_validator(mode="after")
    def _check(self) -> ThresholdsScheme:
        bound = "min" if self.higher_is_better else "max"
        _allow(self.tiers, {bound}, f"thresholds with higher_is_better: {str(self.higher_is_better).lower()}")
        _ladder(self.tiers, bound, self.kind)
        return self

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        bound = "min" if self.higher_is_better else "max"
        return ScoreTiers(
            self.column,
            thresholds=[getattr(t, bound) for t in self.tiers[:-1]],
            labels=[t.label for t in self.tiers],
            higher_is_better=self.higher_is_better,
            name=self.name,
            language=language,
        )


class QuantilesScheme(_Scheme):
    """Shares of customers by a numeric column (top 20 % / next 30 % / rest)."""

    kind: Literal["quantiles"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"column": "revenue", "tiers": [{"label": {"en": "Top", "zh": "前列"}, "share": 0.2}, {"label": {"en": "Rest", "zh": "其余"}, "share": 0.8}]}
    column: str
    higher_is_better: bool = True
    tiers: list[TierSpec]

    @model_validator(mode="after")
    def _check(self) -> QuantilesScheme:
        _allow(self.tiers, {"share"}, self.kind)
        _shares(self.tiers)
        return self

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        return ScoreTiers(
            self.column,
            shares=[t.share for t in self.tiers],
            labels=[t.label for t in self.tiers],
            higher_is_better=self.higher_is_better,
            name=self.name,
            language=language,
        )


class ParetoScheme(_Scheme):
    """Revenue-contribution tiers: shares of the column's total (A = 80 %, B = 15 %, C = 5 %)."""

    kind: Literal["pareto"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"tiers": [{"label": "A", "share": 0.8}, {"label": "B", "share": 0.15}, {"label": "C", "share": 0.05}]}
    column: str = "revenue"
    tiers: list[TierSpec]

    @model_validator(mode="after")
    def _check(self) -> ParetoScheme:
        _allow(self.tiers, {"share"}, self.kind)
        _shares(self.tiers)
        return self

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        return ParetoTiers(
            self.column,
            shares=[t.share for t in self.tiers],
            labels=[t.label for t in self.tiers],
            name=self.name,
            language=language,
        )


class RFMSegmentsScheme(_Scheme):
    """The named RFM segments, with the settings of ``tiers.rfm``."""

    kind: Literal["rfm_segments"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {}

    def labels_en(self, config: TiersConfig) -> list[str]:
        return [s.label.en for s in config.rfm.segments]

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        rfm = config.rfm
        segments = [s.model_dump() for s in rfm.segments]
        default = [RFMSegmentRule.model_validate(x).model_dump() for x in default_segment_map()]
        return RFMSegmenter(
            rfm.n,
            frequency=rfm.frequency,
            monetary=rfm.monetary,
            segments=None if segments == default else segments,
            name=self.name,
            language=language,
        )


class RFMScoreScheme(_Scheme):
    """Tiers on an RFM score (``rfm_score``, ``R``, ``F`` or ``M``): ``min`` per tier or ``share``."""

    kind: Literal["rfm_score"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"tiers": [{"label": "A", "min": 10}, {"label": "B"}]}
    column: Literal["rfm_score", "R", "F", "M"] = "rfm_score"
    tiers: list[TierSpec]

    @model_validator(mode="after")
    def _check(self) -> RFMScoreScheme:
        _allow(self.tiers, {"min", "share"}, self.kind)
        if any(t.share is not None for t in self.tiers):
            _shares(self.tiers)
        else:
            _ladder(self.tiers, "min", self.kind)
        return self

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        by_share = any(t.share is not None for t in self.tiers)
        rfm = config.rfm
        return RFMScoreTiers(
            self.column,
            n=rfm.n,
            frequency=rfm.frequency,
            monetary=rfm.monetary,
            weights=rfm.weight_tuple,
            thresholds=None if by_share else [t.min for t in self.tiers[:-1]],
            shares=[t.share for t in self.tiers] if by_share else None,
            labels=[t.label for t in self.tiers],
            name=self.name,
            language=language,
        )


class LifecycleScheme(_Scheme):
    """Lifecycle stages (see :class:`~workbench.segment.lifecycle.LifecycleStages`)."""

    kind: Literal["lifecycle"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {}
    new_within_days: float = Field(90, gt=0)
    dormant_after_days: float = Field(180, gt=0)
    churned_after_days: float = Field(365, gt=0)
    loyal_min_frequency: int = Field(3, ge=1)
    labels: dict[Literal[tuple(STAGES)], LabelLike] = Field(default_factory=dict)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _check(self) -> LifecycleScheme:
        if self.churned_after_days <= self.dormant_after_days:
            raise KeyedParamsError(
                "churned_after_days",
                f"must exceed dormant_after_days ({self.churned_after_days:g} <= {self.dormant_after_days:g})",
            )
        return self

    def labels_en(self, config: TiersConfig) -> list[str]:
        return [self.labels.get(k, lab).en for k, lab in STAGES.items()]

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        return LifecycleStages(
            new_within_days=self.new_within_days,
            dormant_after_days=self.dormant_after_days,
            churned_after_days=self.churned_after_days,
            loyal_min_frequency=self.loyal_min_frequency,
            labels={k: v.model_dump() for k, v in self.labels.items()} or None,
            name=self.name,
            language=language,
        )


class GridScheme(_Scheme):
    """The revenue x frequency x potential x relationship grid (see :class:`ValueGrid`)."""

    kind: Literal["grid"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {}
    revenue_shares: list[float] = Field(default_factory=lambda: [0.2, 0.3, 0.5])
    frequency_min: float = 2
    potential_column: str | None = None
    potential_shares: list[float] = Field(default_factory=lambda: [0.2, 0.3, 0.5])
    close_min_tenure_days: float = Field(180, gt=0)
    overdue_factor: float = Field(2.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> GridScheme:
        for key in ("revenue_shares", "potential_shares"):
            check_shares(getattr(self, key), key=key)
            if len(getattr(self, key)) != 3:
                raise KeyedParamsError(key, "give three shares: high, mid, low")
        return self

    def labels_en(self, config: TiersConfig) -> None:
        return None

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        return ValueGrid(
            revenue_shares=self.revenue_shares,
            frequency_min=self.frequency_min,
            potential_column=self.potential_column,
            potential_shares=self.potential_shares,
            close_min_tenure_days=self.close_min_tenure_days,
            overdue_factor=self.overdue_factor,
            name=self.name,
            language=language,
        )


class FacetValue(_Strict):
    value: str | int | float | bool
    label: LabelLike | None = None


class FacetScheme(_Scheme):
    """Tiers from an attribute column (nature, industry, size, region)."""

    kind: Literal["facet"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"column": "region"}
    column: str
    values: list[FacetValue] | None = None

    def labels_en(self, config: TiersConfig) -> list[str] | None:
        if self.values is None:
            return None
        named = [v.label.en if v.label else str(v.value) for v in self.values]
        return named + [FacetTiers.OTHER.en, FacetTiers.UNKNOWN.en]

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        values = None
        if self.values is not None:
            values = [{"value": v.value, "label": (v.label or str(v.value))} for v in self.values]
        return FacetTiers(self.column, values=values, name=self.name, language=language)


class CrossedScheme(_Scheme):
    """The product of earlier schemes, named in ``of`` (tiers ordered lexicographically)."""

    kind: Literal["crossed"]
    EXAMPLE: ClassVar[dict[str, Any] | None] = {"of": ["facet", "pareto"]}
    of: list[str] = Field(min_length=2)
    sep: str = " · "

    def labels_en(self, config: TiersConfig) -> None:
        return None

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
        out = built[self.of[0]]
        for other in self.of[1:]:
            out = Crossed(out, built[other], sep=self.sep, name=self.name, language=language)
        return out


class ClvScheme(_Scheme):
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
        _allow(self.tiers, {"share"}, self.kind)
        _shares(self.tiers)
        return self

    def labels_en(self, config: TiersConfig) -> list[str]:
        lost = [] if self.p_alive_min == 0 else [self.lost_label.en if self.lost_label else DEFAULT_LOST["en"]]
        return [t.label.en for t in self.tiers] + lost

    def build(self, config: TiersConfig, built: dict, language: str) -> Segmenter:
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


# ----------------------------------------------------------------------------- playbooks


class PlaybookEntry(_Strict):
    """What to do with one tier; each field ``{en, zh}`` (or one string)."""

    service_level: LabelLike
    cadence: LabelLike
    channel: LabelLike
    owner: LabelLike
    actions: LabelLike

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
                if "playbooks" not in self.model_fields_set:
                    continue  # shipped playbooks of schemes this scenario does not use
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
        lines.append(f"{path}: {msg}")
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
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else None


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
