"""The params schema: one typed object used by the CLI, the notebooks and the tests.

Each layer owns its section (``data`` in :mod:`workbench.data.params`, ``tiers`` in
:mod:`workbench.segment.schema`); this module assembles them into :class:`Params` and reads YAML.
Folders come from :mod:`workbench.paths` (re-exported here).

A scenario is one YAML file in ``params/``. :func:`load_params` reads and validates it; unknown
keys and bad values raise :class:`~workbench.errors.ParamsError` naming the key path
(``data.columns.customer_id: ...``). ``--set key=value`` overrides use dotted keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from workbench.data.params import BUNDLED, DataParams, Strict  # noqa: F401  (BUNDLED re-exported)
from workbench.paths import HOME_ENV, notebooks_dir, params_dir, project_root, reports_dir  # noqa: F401  (re-exported)
from workbench.errors import ParamsError
from workbench.models.params import CLVParams
from workbench.churn.params import ChurnParams
from workbench.compare.params import CompareParams
from workbench.engine.params import EngineParams
from workbench.units import TimeUnit
from workbench.segment.schema import KeyedParamsError, TiersConfig, params_error

class Params(Strict):
    """One scenario: data, time frame, presentation and per-method settings."""

    title: str = Field("Customer tiers", description="report title shown to stakeholders")
    language: Literal["en", "zh"] = Field("en", description="language of labels in reports and figures")
    data: DataParams = Field(default_factory=DataParams, description="transactions (and attributes): source, columns, cleaning")
    observation_end: dt.date | None = Field(
        None, description="last day observed (inclusive); null means the last transaction date, reported"
    )
    calibration_end: dt.date | None = Field(
        None, description="last day of the calibration period (inclusive); null means no holdout split"
    )
    time_unit: TimeUnit = Field("W", description="D for days, W for weeks of 7 days (the BTYD convention)")
    merge_same_day: bool = Field(True, description="merge purchases of one customer on one day")
    show_customer_ids: bool = Field(False, description="show raw customer ids in reports (else keyed pseudonyms)")
    export_customer_ids: bool = Field(
        False, description="raw customer ids in CRM export files (else the same keyed pseudonyms)"
    )
    timeout_seconds: int = Field(1800, gt=0, description="time limit for running one notebook, in seconds")
    notebooks: list[str] = Field(default_factory=list, description="notebooks run by --all; empty means all")
    top_share: float = Field(0.2, gt=0, lt=1, description="top share of customers for concentration figures")
    clv: CLVParams = Field(default_factory=CLVParams, description="CLV models, horizon and discounting")
    churn: ChurnParams = Field(default_factory=ChurnParams, description="churn definition, early warning and churn models")
    engine: EngineParams = Field(default_factory=EngineParams, description="where the cleaning and the summaries run: duckdb or spark")
    compare: CompareParams = Field(default_factory=CompareParams, description="the method comparison: schemes, stability, migration, export")
    tiers: TiersConfig = Field(
        default_factory=TiersConfig.default,
        description="RFM settings, tier schemes and playbooks (defaults: workbench/segment/defaults.yaml)",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> Params:
        if self.calibration_end and self.observation_end and self.calibration_end >= self.observation_end:
            raise ValueError(
                f"calibration_end ({self.calibration_end}) must be before observation_end ({self.observation_end})"
            )
        return self

    @model_validator(mode="after")
    def _churn_schemes(self) -> Params:
        names = [s.name for s in self.tiers.schemes]
        wanted = [("churn.schemes", n) for n in self.churn.schemes] + [("churn.threshold_by", self.churn.threshold_by)] * (
            self.churn.threshold_by is not None)
        wanted += [("compare.schemes", n) for n in self.compare.schemes]
        wanted += [("compare.migration_schemes", n) for n in self.compare.migration_schemes]
        wanted += [("compare.choose", self.compare.choose)] * (self.compare.choose is not None)
        for key, name in wanted:
            if name not in names:
                raise KeyedParamsError(key, f"no tier scheme named {name!r}; schemes: {', '.join(names)}")
        return self

    @model_validator(mode="after")
    def _clv_columns(self) -> Params:
        """The tier schemes' plain ``clv``/``p_alive`` columns are the prediction of ``clv:``."""
        self.tiers.predict_clv_by_default(self.clv.default_prediction)
        return self

    def digest(self) -> str:
        """Short sha256 of the resolved params (stable key order)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


PARAMS_FIELDS = frozenset(Params.model_fields)


def parse_params(mapping: Mapping[str, Any], source: str = "params") -> Params:
    """Validate a mapping into :class:`Params`; errors name ``source`` and the key path."""
    if not isinstance(mapping, Mapping):
        raise ParamsError(f"{source}: expected a mapping of keys to values, got {type(mapping).__name__}")
    try:
        return Params.model_validate(dict(mapping))
    except ValidationError as exc:
        raise ParamsError(f"{source}: {params_error(exc, prefix='', root=Params)}") from None


def load_params(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Params:
    """Read a scenario YAML (a name in ``params/`` or a path) and apply dotted-key overrides."""
    mapping = read_yaml(resolve_params_path(path)) if path is not None else {}
    source = str(path) if path is not None else "params"
    for key, value in (overrides or {}).items():
        set_dotted(mapping, key, value)
    return parse_params(mapping, source)


def resolve_params_path(path: str | Path) -> Path:
    """A params file by path, or by name inside ``params/`` (``default`` or ``default.yaml``)."""
    candidate = Path(path)
    options = [candidate, params_dir() / candidate, params_dir() / f"{candidate}.yaml"]
    for option in options:
        if option.is_file():
            return option.resolve()  # absolute: notebooks run in another working directory
    known = ", ".join(sorted(p.name for p in params_dir().glob("*.yaml"))) or "none"
    raise ParamsError(f"params file {str(path)!r} not found (files in params/: {known})")


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        content = load_yaml_text(path.read_text(encoding="utf-8"), path.name) or {}
    except UnicodeDecodeError:
        raise ParamsError(f"{path.name}: not UTF-8 text; save the params file as UTF-8") from None
    if not isinstance(content, dict):
        raise ParamsError(f"{path.name}: the top level must be a mapping of keys to values")
    return content


#: Most YAML nodes a params document may expand to once aliases are followed (a scenario has a few
#: hundred): nested anchors (a "billion laughs" file) are refused before anything is built.
MAX_YAML_NODES = 20_000


def load_yaml_text(text: str, source: str) -> Any:
    """YAML as Python values (safe types only). A key repeated in one mapping is an error naming the
    key and both lines; aliases that would expand beyond :data:`MAX_YAML_NODES` nodes are refused."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_yaml_node(node, source)
        return loader.construct_document(node)
    except ParamsError:
        raise
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date such as 1998-13-45
        raise ParamsError(f"{source}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _check_yaml_node(root: yaml.Node, source: str) -> None:
    """Duplicate keys, and the size of the document with every alias expanded (memoised, so the
    check itself stays linear in the text)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            sizes[id(node)] = 1
            continue
        if not children_done:
            if isinstance(node, yaml.MappingNode):
                _check_duplicate_keys(node, source)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        size = 1 + sum(sizes.get(id(child), 1) for child in children)
        if size > MAX_YAML_NODES:
            raise ParamsError(
                f"{source}: the document expands to more than {MAX_YAML_NODES:,} values through anchors and "
                f"aliases (line {node.start_mark.line + 1}); write the values out instead of nesting aliases"
            )
        sizes[id(node)] = size


def _check_duplicate_keys(node: yaml.MappingNode, source: str) -> None:
    seen: dict[tuple[str, str], int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        line = key.start_mark.line + 1
        if (key.tag, key.value) in seen:
            raise ParamsError(
                f"{source}: key {key.value!r} appears twice in one mapping (lines {seen[key.tag, key.value]} and {line}); "
                "keep one (a later one would silently win)"
            )
        seen[key.tag, key.value] = line


def parse_override(text: str) -> tuple[str, Any]:
    """``key.sub=value`` -> (``key.sub``, value parsed as YAML: numbers, dates, booleans, lists)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ParamsError(f"--set {text!r}: expected key=value, e.g. --set time_unit=D")
    try:
        value = load_yaml_text(raw, f"--set {key.strip()}") if raw.strip() else ""
    except ParamsError as exc:
        if "not valid YAML" not in str(exc):
            raise
        value = raw  # left as text: the schema then names the key
    return key.strip(), value


def set_dotted(mapping: dict[str, Any], key: str, value: Any) -> None:
    """Set ``mapping['a']['b'] = value`` for ``key='a.b'``, creating intermediate mappings."""
    parts = key.split(".")
    node = mapping
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ParamsError(f"--set {key}: {'.'.join(parts[: i + 1])} is not a mapping")
        node = child
    node[parts[-1]] = value

