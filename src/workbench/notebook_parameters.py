"""The report notebooks' papermill parameters: every scenario key, declared in each notebook's
``parameters`` cell, and how a run's parameters become :class:`~workbench.config.Params`.

The cell (:func:`parameters_cell`) declares ``params_file``, ``output_dir`` and each top-level key
of :class:`~workbench.config.Params` with its type and help, default ``None`` meaning "from
``params_file``", in the one-assignment-per-line form papermill parses. So ``papermill -f
params/x.yaml`` or ``-p title ...`` passes only known parameters, and ``papermill --help-notebook``
lists them all. :func:`notebook_params` resolves them inside the kernel.
"""

from __future__ import annotations

import ast
import datetime as dt
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from workbench.config import PARAMS_FIELDS, Params, parse_params, read_yaml, resolve_params_path
from workbench.errors import ParamsError

#: Parameters of the notebook itself, not scenario keys: (default, type, help).
NOTEBOOK_ONLY: dict[str, tuple[str, str, str]] = {
    "params_file": ('"default.yaml"', "str",
                    "scenario YAML, a path or a name in params/; a key below left None comes from it"),
    "output_dir": ('""', "str", "folder for exports; the runner sets the run folder; empty means reports/scratch/"),
}
#: The first line of the cell papermill injects (its Python translator's comment).
INJECTED_MARK = "# Parameters"


def _kind(annotation: Any) -> str:
    """The plain type name papermill shows for a Params field: str, bool, int, float, list or dict."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _kind(args[0])
    if origin is Literal:
        return type(args[0]).__name__
    if origin in (list, tuple):
        return "list"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "dict"
    if annotation in (dt.date, dt.datetime):
        return "str"
    if annotation in (str, bool, int, float):
        return annotation.__name__
    raise TypeError(f"no papermill type for {annotation!r}")  # pragma: no cover - a new kind of field


def parameters_cell() -> str:
    """The source of every report notebook's ``parameters`` cell."""
    lines = [f"{name}: {kind} = {default}  # {text}" for name, (default, kind, text) in NOTEBOOK_ONLY.items()]
    for name, field in Params.model_fields.items():
        text = field.description or ""
        if "=" in text or "\n" in text:  # papermill reads one '=' per line
            raise ValueError(f"Params.{name}: its description must be one line without '='")
        # a string annotation: papermill reads the type, the cell stays literal assignments (no import)
        lines.append(f'{name}: "Optional[{_kind(field.annotation)}]" = None  # {text}')
    return "\n".join(lines)


def injected_names(namespace: Mapping[str, Any]) -> set[str]:
    """The names papermill's injected cell assigned in this kernel (its latest one), from IPython's
    input history; empty outside papermill."""
    for source in reversed(list(namespace.get("_ih") or [])):
        if isinstance(source, str) and source.startswith(INJECTED_MARK):
            try:
                tree = ast.parse(source)
            except SyntaxError:  # pragma: no cover - papermill writes valid Python
                return set()
            return {target.id for node in tree.body if isinstance(node, ast.Assign)
                    for target in node.targets if isinstance(target, ast.Name)}
    return set()


def resolve_parameters(values: Mapping[str, Any], injected: set[str] | frozenset[str] = frozenset()) -> Params:
    """Params from a notebook's parameter values.

    A scenario key given (not ``None``, or injected even as ``None``) replaces that top-level key of
    ``params_file``. Injected parameters that name ``data`` without ``params_file`` are a whole
    scenario (``papermill -f params/x.yaml``): keys they lack take the built-in defaults, not those
    of the notebook's default ``params_file``. An injected name that is no parameter is an error.
    """
    unknown = sorted(set(injected) - PARAMS_FIELDS - NOTEBOOK_ONLY.keys())
    if unknown:
        known = ", ".join([*NOTEBOOK_ONLY, *Params.model_fields])
        raise ParamsError(f"unknown notebook parameter{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))} "
                          f"(passed with papermill -p/-f); parameters: {known}")
    given = {key: values[key] for key in Params.model_fields
             if key in values and (values[key] is not None or key in injected)}
    source = values.get("params_file") or "default.yaml"
    if "data" in injected and "params_file" not in injected:
        return parse_params(given, "injected parameters")
    mapping = read_yaml(resolve_params_path(source))
    mapping.update(given)
    return parse_params(mapping, str(source))


def notebook_params(namespace: Mapping[str, Any]) -> Params:
    """The params of a notebook run, from its global namespace (see :func:`resolve_parameters`)."""
    return resolve_parameters(namespace, injected_names(namespace))


def write_parameters_cells(folder: Path) -> list[Path]:
    """Rewrite the ``parameters`` cell of every report notebook in ``folder``; returns those changed."""
    import nbformat

    changed = []
    for path in sorted(folder.glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        if cell.source != parameters_cell():
            cell.source = parameters_cell()
            nbformat.write(nb, path)
            changed.append(path)
    return changed


if __name__ == "__main__":  # python -m workbench.notebook_parameters: after a change to Params
    from workbench.paths import notebooks_dir

    for path in write_parameters_cells(notebooks_dir()):
        print(f"updated {path.name}")
