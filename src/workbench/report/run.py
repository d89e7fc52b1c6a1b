"""Run report notebooks with papermill into versioned, never-overwritten report folders.

``run_notebook("00_data_quality", "default.yaml")`` executes the notebook with the scenario's
params injected, writes ``reports/00_data_quality/<run-id>/`` (executed ``.ipynb``, self-contained
``report.html``, ``manifest.json``) and rebuilds ``reports/index.html``. A failing notebook still
gets its HTML (the failing cell shown) and a manifest with ``status: failed``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata as md
import logging
import platform
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient.exceptions import CellTimeoutError

from workbench.config import Params, load_params, notebooks_dir, project_root, reports_dir, resolve_params_path
from workbench.errors import ReportError, WorkbenchError
from workbench.kernel import KERNEL_NAME  # the kernel `make` installs; else this Python's own
from workbench.report.metrics import collect_metrics, split_run_facts
from workbench.report.registry import (
    MANIFEST, REPORT, RUN_LOCK, create_run_dir, holding_run, rebuild_index, write_json_atomic, write_text_atomic,
)
from workbench.report.render import failure_page, render_html

log = logging.getLogger("workbench.report")


logging.getLogger("traitlets").setLevel(logging.ERROR)

LOG = "run.log"
#: papermill's log line as a cell starts (``log_output=True``).
CELL_START = re.compile(r"Executing Cell (\d+)")
KEY_PACKAGES = (
    "workbench", "pandas", "numpy", "scipy", "ibis-framework", "duckdb", "pyarrow", "lifelines",
    "scikit-learn", "matplotlib", "papermill", "nbconvert", "pydantic",
)


@dataclass
class RunResult:
    """What one notebook run produced."""

    notebook: str
    run_id: str
    path: Path
    status: str
    manifest: dict[str, Any] = field(repr=False)

    @property
    def report(self) -> Path:
        return self.path / REPORT

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def describe(self) -> str:
        if self.ok:
            return f"{self.notebook}: succeeded in {self.manifest['duration_seconds']:.1f} s -> {self.report}"
        error = self.manifest.get("error") or {}
        where = f"cell In [{error['cell']}]" if error.get("cell") is not None else "before any cell"
        return f"{self.notebook}: FAILED at {where}: {error.get('message', 'unknown error')} -> {self.report}"


def available_notebooks(folder: Path | None = None) -> list[str]:
    """Report notebooks (``notebooks/NN_name.ipynb``), in their numbered order."""
    folder = folder or notebooks_dir()
    return sorted(p.stem for p in folder.glob("[0-9]*.ipynb"))


def resolve_notebook(name: str | Path, folder: Path | None = None) -> Path:
    """A notebook by path or by name in ``notebooks/`` (with or without ``.ipynb``)."""
    folder = folder or notebooks_dir()
    candidate = Path(name)
    for option in (candidate, folder / candidate, folder / f"{candidate}.ipynb"):
        if option.is_file() and option.suffix == ".ipynb":
            return option.resolve()
    raise WorkbenchError(f"notebook {str(name)!r} not found; available: {', '.join(available_notebooks(folder))}")


def run_notebook(
    notebook: str | Path,
    params: str | Path | None = "default.yaml",
    overrides: Mapping[str, Any] | None = None,
    *,
    reports: Path | None = None,
    kernel_name: str | None = None,
    on_cell: Callable[[int], None] | None = None,
) -> RunResult:
    """Execute one notebook with a scenario and register the run (see the module docstring).

    ``params.timeout_seconds`` limits the whole run, from the input fingerprint to the last cell.
    A reports folder that cannot be written, or a disk that fills up, is a :class:`ReportError`
    with a one-line reason; no partial report or export is left behind, and the run is recorded
    as failed when its manifest can still be written. ``on_cell(j)`` is called as cell ``j`` starts.
    """
    started = time.monotonic()
    path = resolve_notebook(notebook)
    resolved = load_params(params, overrides)
    deadline = started + resolved.timeout_seconds
    params_file = str(resolve_params_path(params)) if params is not None else None
    # absolute once: the kernel works in notebooks/, so a relative folder would split the run
    reports = Path(reports if reports is not None else reports_dir()).resolve()
    try:
        run_id, run_dir = create_run_dir(reports, path.stem)
    except OSError as exc:
        raise ReportError(f"cannot create a run folder in {reports}: {_reason(exc)}") from None
    try:
        with holding_run(run_dir):
            manifest = _run(path, run_dir, run_id, resolved, params_file, overrides, kernel_name, started, deadline,
                            on_cell)
    except OSError as exc:
        raise ReportError(f"{path.stem}: the run in {run_dir} could not be recorded: {_reason(exc)}") from None
    return index_run(reports, path.stem, run_id, run_dir, manifest)


def index_run(reports: Path, notebook: str, run_id: str, run_dir: Path, manifest: dict[str, Any]) -> RunResult:
    """List a recorded run in ``reports/index.html``; the run as a :class:`RunResult`."""
    try:
        rebuild_index(reports)
    except OSError as exc:
        raise ReportError(f"{notebook}: the run finished ({manifest['status']}) but {reports / 'index.html'} "
                          f"could not be written: {_reason(exc)}") from None
    result = RunResult(notebook, run_id, run_dir, manifest["status"], manifest)
    log.debug(result.describe())
    return result


def _run(path: Path, run_dir: Path, run_id: str, resolved: Params, params_file: str | None,
         overrides: Mapping[str, Any] | None, kernel_name: str | None, started: float, deadline: float,
         on_cell: Callable[[int], None] | None) -> dict:
    """Execute and record one run inside its folder; returns the final manifest."""
    manifest = start_manifest(path.stem, run_id, resolved, params_file, overrides)
    write_json_atomic(run_dir / MANIFEST, manifest)
    output = run_dir / path.name
    with _run_log(run_dir / LOG, on_cell):
        error = _execute(path, output, resolved, params_file, kernel_name or pinned_kernel(), deadline)
    manifest["ended"] = _now()
    manifest["duration_seconds"] = round(time.monotonic() - started, 3)
    return record_run(manifest, run_dir, output, path, resolved, error)


def record_run(manifest: dict[str, Any], run_dir: Path, output: Path, source: Path, resolved: Params,
               error: dict | None) -> dict[str, Any]:
    """Finish a run folder after execution: status, metrics, exports and ``report.html`` from the
    executed notebook ``output`` (``source`` when it was never written); returns the manifest."""
    manifest["status"] = "failed" if error else "succeeded"
    manifest["error"] = error
    try:
        executed = _read_executed(output, source)
        manifest["cells"] = cell_counts(executed)
        manifest["metrics"], _ = split_run_facts(collect_metrics(executed))
        # the observation end as used: the param, or the last transaction day it resolved to
        manifest["observation_end"] = manifest["metrics"].get("observation_end")
        standard = {MANIFEST, REPORT, LOG, output.name, RUN_LOCK}
        manifest["exports"] = sorted(
            p.name for p in run_dir.iterdir() if p.name not in standard and not p.name.startswith(".")
        )
        html = render_html(
            executed, title=resolved.title, footer=_footer(manifest), failure=error, language=resolved.language
        )
    except Exception as exc:  # the run is recorded as failed whatever broke after execution
        manifest["status"] = "failed"
        manifest["error"] = error or _error("RenderError", f"the report could not be rendered: {exc}")
        html = failure_page(resolved.title, manifest["error"])
    try:
        write_text_atomic(run_dir / REPORT, html)
    except OSError as exc:  # e.g. a full disk: no partial report.html is left (atomic write)
        manifest["status"] = "failed"
        problem = f"report.html could not be written: {_reason(exc)}"
        first = manifest["error"]
        manifest["error"] = {**first, "message": f"{first['message']}; {problem}"} if first else _error("OSError", problem)
        _remove_partial(output)
        write_json_atomic(run_dir / MANIFEST, manifest)
        raise
    write_json_atomic(run_dir / MANIFEST, manifest)
    return manifest


def _error(name: str, message: str) -> dict:
    return {"cell": None, "cell_index": None, "name": name, "message": message}


def _reason(exc: OSError) -> str:
    """One line for an operating-system error: 'No space left on device', 'Read-only file system'."""
    return exc.strerror or str(exc)


def _remove_partial(output: Path) -> None:
    """Delete an executed notebook that was cut short while being written (unreadable JSON)."""
    try:
        nbformat.read(output, as_version=4)
    except FileNotFoundError:
        return
    except Exception:
        output.unlink(missing_ok=True)


def run_many(
    notebooks: Sequence[str | Path],
    params: str | Path | None = "default.yaml",
    overrides: Mapping[str, Any] | None = None,
    *,
    reports: Path | None = None,
) -> list[RunResult]:
    """Run notebooks one after another; a failure does not stop the others."""
    return [run_notebook(nb, params, overrides, reports=reports) for nb in notebooks]


def pinned_kernel() -> str:
    """``workbench`` (the kernel of this project's .venv) when installed, else ``python3``, which
    jupyter_client resolves to the Python running the runner."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return KERNEL_NAME if KERNEL_NAME in specs else "python3"


def _execute(
    path: Path, output: Path, params: Params, params_file: str | None, kernel_name: str, deadline: float
) -> dict | None:
    import papermill as pm

    parameters = params.model_dump(mode="json")
    parameters["output_dir"] = str(output.parent)
    if params_file:
        parameters["params_file"] = params_file
    message = f"time limit of {params.timeout_seconds} s for the run exceeded (params.timeout_seconds)"
    if time.monotonic() >= deadline:
        return _error("Timeout", message)
    try:
        pm.execute_notebook(
            str(path),
            str(output),
            parameters=parameters,
            kernel_name=kernel_name,
            cwd=str(path.parent),
            log_output=True,
            progress_bar=False,
            report_mode=False,
            start_timeout=int(max(1, min(60, deadline - time.monotonic()))),
            # the time limit is for the whole run: each cell gets what is left of it
            timeout_func=lambda cell: max(1.0, deadline - time.monotonic()),
        )
    except pm.PapermillExecutionError as exc:
        return {"cell": exc.exec_count, "cell_index": exc.cell_index, "name": exc.ename, "message": exc.evalue}
    except CellTimeoutError:
        return _error("Timeout", message)
    except OSError as exc:  # the executed notebook could not be written (full disk): recorded, not raised
        _remove_partial(output)
        return _error("OSError", f"the executed notebook could not be written: {_reason(exc)}")
    except Exception as exc:  # kernel death, timeout, missing kernel: the run is still recorded
        return _error(type(exc).__name__, str(exc))
    return None


class _CellWatcher(logging.Handler):
    """Calls ``on_cell(j)`` when papermill logs that cell ``j`` starts."""

    def __init__(self, on_cell: Callable[[int], None]):
        super().__init__()
        self.on_cell = on_cell

    def emit(self, record: logging.LogRecord) -> None:
        started = CELL_START.match(record.getMessage())
        if started:
            self.on_cell(int(started.group(1)))


@contextmanager
def _run_log(path: Path, on_cell: Callable[[int], None] | None = None) -> Iterator[None]:
    """Write this thread's papermill log (cell outputs included) to the run folder."""
    handlers: list[logging.Handler] = [logging.FileHandler(path, encoding="utf-8")]
    handlers[0].setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    if on_cell is not None:
        handlers.append(_CellWatcher(on_cell))
    thread = threading.get_ident()
    logger = logging.getLogger("papermill")
    for handler in handlers:
        handler.addFilter(lambda record: record.thread == thread)
        logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()


def cell_counts(executed: nbformat.NotebookNode) -> dict[str, int]:
    """How many cells the notebook has and how many papermill completed."""
    done = sum(cell.get("metadata", {}).get("papermill", {}).get("status") == "completed" for cell in executed.cells)
    return {"total": len(executed.cells), "completed": done}


def _read_executed(output: Path, source: Path) -> nbformat.NotebookNode:
    target = output if output.exists() else source
    return nbformat.read(target, as_version=4)


def start_manifest(
    notebook: str, run_id: str, params: Params, params_file: str | None, overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    from workbench.data.sources import fingerprint

    try:
        data_fingerprint = fingerprint(params.data)
    except WorkbenchError as exc:
        data_fingerprint = f"unavailable: {exc}"
    return {
        "notebook": notebook,
        "run_id": run_id,
        "status": "running",
        "title": params.title,
        "started": _now(),
        "ended": None,
        "duration_seconds": None,
        "params_file": Path(params_file).name if params_file else None,
        "overrides": dict(overrides or {}),
        "params": params.model_dump(mode="json"),
        "params_hash": params.digest(),
        "data_fingerprint": data_fingerprint,
        "git": _git_state(),
        "python": platform.python_version(),
        "packages": _versions(),
        "metrics": {},
        "observation_end": None,
        "error": None,
    }


def _footer(manifest: Mapping[str, Any]) -> dict[str, Any]:
    git = manifest.get("git") or {}
    commit = (git.get("commit") or "none")[:10] + (" (modified)" if git.get("dirty") else "")
    return {
        "run": manifest["run_id"],
        "status": manifest["status"],
        "params": manifest["params_hash"],
        "data": str(manifest["data_fingerprint"])[:12],
        "code": commit,
        "workbench": manifest["packages"].get("workbench"),
    }


def _git_state() -> dict[str, Any]:
    root = project_root()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    return versions


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


__all__ = ["RunResult", "available_notebooks", "index_run", "record_run", "resolve_notebook", "run_notebook", "run_many",
           "start_manifest"]
