"""Notebooks executed by a scheduler (plain papermill, Airflow's PapermillOperator, nbconvert) made
into the same versioned run folder ``workbench run`` writes: ``workbench render EXECUTED.ipynb``.

The executed notebook keeps what the run needs: papermill's parameters and times in its metadata,
the params the kernel resolved and the exports it wrote as ``run.`` facts (see
:mod:`workbench.report.metrics`), and any error in its outputs.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import nbformat

from workbench.config import Params, reports_dir
from workbench.errors import ParamsError, ReportError, WorkbenchError
from workbench.notebook_parameters import resolve_parameters
from workbench.report.metrics import RUN_EXPORTS, RUN_PARAMS, collect_metrics, split_run_facts
from workbench.report.registry import MANIFEST, create_run_dir, holding_run, write_json_atomic
from workbench.report.run import RunResult, _reason, index_run, record_run, start_manifest


def read_executed(path: Path) -> nbformat.NotebookNode:
    """An executed notebook, or a clear error when ``path`` is not one."""
    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise WorkbenchError(f"{path}: no such file") from None
    except Exception as exc:
        raise WorkbenchError(f"{path}: not a notebook ({type(exc).__name__}: {exc})") from None
    if not any(cell.get("execution_count") for cell in nb.cells if cell.cell_type == "code"):
        raise WorkbenchError(f"{path}: no cell was executed; run it first (papermill, then workbench render)")
    return nb


def notebook_name(nb: nbformat.NotebookNode, path: Path) -> str:
    """The report notebook's name: papermill's input notebook, else the file's own name."""
    source = (nb.metadata.get("papermill") or {}).get("input_path")
    return Path(source).stem if source else path.stem


def first_error(nb: nbformat.NotebookNode) -> dict[str, Any] | None:
    """The first error output, in the manifest's error shape; None when every cell ran cleanly."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return {"cell": cell.get("execution_count"), "cell_index": index,
                        "name": output.get("ename"), "message": output.get("evalue")}
    if (nb.metadata.get("papermill") or {}).get("exception"):
        return {"cell": None, "cell_index": None, "name": "PapermillExecutionError",
                "message": "papermill recorded an exception"}
    return None


def scenario_of(nb: nbformat.NotebookNode, facts: dict[str, Any]) -> tuple[Params, str | None]:
    """The params the kernel resolved; else, for a run that failed before, the params its injected
    parameters give (the built-in defaults when those are invalid). Also the params file named."""
    parameters = dict((nb.metadata.get("papermill") or {}).get("parameters") or {})
    params_file = parameters.get("params_file")
    if facts.get(RUN_PARAMS):
        return Params.model_validate(facts[RUN_PARAMS]), params_file
    try:
        return resolve_parameters(parameters, set(parameters)), params_file
    except ParamsError:
        return Params(), params_file


def render_executed(executed: Path, reports: Path | None = None) -> RunResult:
    """Register a notebook executed elsewhere as a run in ``reports`` (see the module docstring)."""
    executed = Path(executed)
    nb = read_executed(executed)
    notebook = notebook_name(nb, executed)
    _, facts = split_run_facts(collect_metrics(nb))
    params, params_file = scenario_of(nb, facts)
    papermill = nb.metadata.get("papermill") or {}
    reports = Path(reports if reports is not None else reports_dir()).resolve()
    try:
        run_id, run_dir = create_run_dir(reports, notebook)
    except OSError as exc:
        raise ReportError(f"cannot create a run folder in {reports}: {_reason(exc)}") from None
    try:
        with holding_run(run_dir):
            overrides = {k: v for k, v in (papermill.get("parameters") or {}).items() if k != "params_file"}
            manifest = start_manifest(notebook, run_id, params, params_file, overrides)
            manifest.update(_times(papermill), rendered_from=executed.name, rendered=manifest["started"])
            write_json_atomic(run_dir / MANIFEST, manifest)
            output = run_dir / f"{notebook}.ipynb"
            shutil.copyfile(executed, output)
            missing = _copy_exports(facts.get(RUN_EXPORTS) or [], run_dir)
            if missing:
                manifest["missing_exports"] = missing
            manifest = record_run(manifest, run_dir, output, output, params, first_error(nb))
    except OSError as exc:
        raise ReportError(f"{notebook}: the run in {run_dir} could not be recorded: {_reason(exc)}") from None
    return index_run(reports, notebook, run_id, run_dir, manifest)


def _times(papermill: dict[str, Any]) -> dict[str, Any]:
    """Start, end and duration of the execution as papermill recorded them (None when unknown)."""
    started, ended, duration = papermill.get("start_time"), papermill.get("end_time"), papermill.get("duration")
    times: dict[str, Any] = {"started": started, "ended": ended,
                             "duration_seconds": None if duration is None else round(float(duration), 3)}
    if started is None:  # not papermill: the render time stands in, and says so
        times["started"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        times["times_unknown"] = True
    return times


def _copy_exports(paths: list[str], run_dir: Path) -> list[str]:
    """Copy the export files the kernel wrote into the run folder; the names of those now missing."""
    missing = []
    for name in paths:
        source = Path(name)
        target = run_dir / source.name
        if source.resolve() == target.resolve():
            continue
        if source.is_file():
            shutil.copyfile(source, target)
        else:
            missing.append(source.name)
    return missing


__all__ = ["render_executed"]
