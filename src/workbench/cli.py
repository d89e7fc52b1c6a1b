"""The ``workbench`` command: run report notebooks, list runs, show params and data sets."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console
from rich.table import Table

from workbench.config import BUNDLED, Params, load_params, parse_override, reports_dir
from workbench.errors import WorkbenchError

app = typer.Typer(
    help="workbench: customer segmentation and tiering reports (RFM, tiers, clustering, churn, CLV).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def console() -> Console:
    """Standard output, sized when used (so COLUMNS set by a caller applies)."""
    return Console()


def err() -> Console:
    return Console(stderr=True)


def fail(problem: object) -> NoReturn:
    """One red line on standard error, then exit 2 (bad params or paths)."""
    err().print(f"[red]error:[/red] {problem}", highlight=False, soft_wrap=True)
    raise typer.Exit(2) from None


ParamsOption = Annotated[
    str, typer.Option("--params", "-p", help="scenario YAML: a path or a name in params/")
]
SetOption = Annotated[
    Optional[list[str]],
    typer.Option("--set", "-s", help="override a param: key=value, dotted keys for nested ones (repeatable)"),
]
ReportsOption = Annotated[
    Optional[Path], typer.Option("--reports", help="reports folder (default: reports/ in the project)")
]


@app.command()
def run(
    notebooks: Annotated[Optional[list[str]], typer.Argument(help="notebook names or paths")] = None,
    all_: Annotated[bool, typer.Option("--all", help="run every report notebook (or params.notebooks)")] = False,
    params: ParamsOption = "default.yaml",
    set_: SetOption = None,
    reports: ReportsOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress: only the final table")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="also stream the notebooks' output")] = False,
) -> None:
    """Execute notebooks with papermill and write versioned HTML reports.

    Each run lands in reports/<notebook>/<run-id>/ and is listed in reports/index.html. Shows a live
    progress line on a terminal, one line per notebook otherwise, then a table of the runs. Exits 1
    when any notebook fails (its report is still written and marked failed), 2 on bad params or paths.
    """
    from workbench.report.progress import runs_table, start_progress
    from workbench.report.run import available_notebooks, resolve_notebook, run_notebook

    _setup_logging(verbose)
    out = console()
    if not out.is_terminal:  # a log: the table's run ids and paths in full, not cut at 80 columns
        out.width = max(out.width, 200)
    try:
        overrides = dict(parse_override(item) for item in set_ or [])
        resolved = load_params(params, overrides)
        if all_:
            names = resolved.notebooks or available_notebooks()
        elif notebooks:
            names = notebooks
        else:
            raise WorkbenchError("name at least one notebook, or use --all")
        paths = [resolve_notebook(name) for name in names]  # every name checked before anything runs
        progress = None if quiet else start_progress(out, len(paths), live=False if verbose else None)
        results = []
        try:
            for path in paths:
                if progress:
                    progress.notebook_started(path.stem, cell_total(path))
                result = run_notebook(path, params, overrides, reports=reports,
                                      on_cell=progress.cell_started if progress else None)
                results.append(result)
                if progress:
                    progress.notebook_finished(result)
        finally:
            if progress:
                progress.close()
    except WorkbenchError as exc:
        fail(exc)
    out.print(runs_table(results))
    for failed in [r for r in results if not r.ok]:
        out.print(f"[red]{failed.describe()}[/red]", highlight=False, soft_wrap=True)
    out.print(f"index: {(reports or reports_dir()) / 'index.html'}", highlight=False, soft_wrap=True)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def cell_total(path: Path) -> int:
    """Cells papermill will run: the notebook's own plus the one it injects."""
    import nbformat

    return len(nbformat.read(path, as_version=4).cells) + 1


@app.command()
def render(
    executed: Annotated[Path, typer.Argument(help="a notebook executed by papermill or another scheduler")],
    reports: ReportsOption = None,
) -> None:
    """Make a notebook executed elsewhere (papermill, Airflow) into a versioned run: report.html,
    manifest.json, its exports, an index entry. Exits 1 when the notebook had failed, 2 on bad paths."""
    from workbench.report.scheduled import render_executed

    try:
        result = render_executed(executed, reports)
    except WorkbenchError as exc:
        fail(exc)
    style = "green" if result.ok else "red"
    console().print(f"[{style}]{result.describe()}[/{style}]", highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)


#: The fields of a run record for schedulers (``list --json``, ``status --json``).
RECORD_FIELDS = ("run_id", "notebook", "status", "title", "started", "ended", "duration_seconds", "params_file",
                 "params_hash", "data_fingerprint", "observation_end", "cells", "exports", "error")


def run_record(run: Any) -> dict[str, Any]:
    """One run as a scheduler reads it: the manifest's key fields, the status as the index shows
    it (``interrupted`` for a dead runner) and the paths of the folder and report."""
    record = {key: run.manifest.get(key) for key in RECORD_FIELDS}
    record.update(run_id=run.run_id, notebook=run.notebook, status=run.status, folder=str(run.path),
                  report=str(run.path / "report.html"))
    return record


@app.command("list")
def list_runs(
    reports: ReportsOption = None,
    notebook: Annotated[Optional[str], typer.Option(help="only runs of this notebook")] = None,
    limit: Annotated[int, typer.Option(help="show at most this many runs")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array of run records, newest first")] = False,
) -> None:
    """List report runs, newest first."""
    from workbench.report.registry import list_runs as registry_runs

    runs = [r for r in registry_runs(reports or reports_dir()) if notebook in (None, r.notebook)][:limit]
    if as_json:
        typer.echo(json.dumps([run_record(r) for r in runs], indent=2, ensure_ascii=False, default=str))
        return
    table = Table("run id", "notebook", "status", "title", "params", "data", "duration", title="report runs")
    for run in runs:
        m = run.manifest
        duration = m.get("duration_seconds")
        style = {"succeeded": "green", "failed": "red"}.get(run.status, "yellow")
        table.add_row(
            run.run_id, run.notebook, f"[{style}]{run.status}[/{style}]", str(m.get("title", "")),
            str(m.get("params_hash", "")), str(m.get("data_fingerprint", ""))[:12],
            "" if duration is None else f"{duration:.1f} s",
        )
    console().print(table)
    if not runs:
        console().print("no runs yet: try `workbench run --all`")


#: ``workbench status`` exit codes by run status.
STATUS_EXIT = {"succeeded": 0, "failed": 1, "interrupted": 1, "running": 3}


@app.command()
def status(
    run_id: Annotated[str, typer.Argument(help="a run id, or NOTEBOOK/RUN_ID; 'latest' or NOTEBOOK/latest")],
    reports: ReportsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="the run record as JSON")] = False,
) -> None:
    """One run's record. Exits 0 when it succeeded, 1 when it failed or was interrupted, 3 while it
    is still running, 2 when there is no such run."""
    from workbench.report.registry import list_runs as registry_runs

    notebook, _, wanted = run_id.rpartition("/")
    runs = [r for r in registry_runs(reports or reports_dir()) if notebook in ("", r.notebook)]
    found = runs[:1] if wanted == "latest" else [r for r in runs if r.run_id == wanted]
    if not found:
        fail(f"no run {run_id!r} in {reports or reports_dir()}")
    record = run_record(found[0])
    if as_json:
        typer.echo(json.dumps(record, indent=2, ensure_ascii=False, default=str))
    else:
        table = Table("field", "value", title=f"run {record['run_id']}")
        for key, value in record.items():
            table.add_row(key, "" if value is None else str(value))
        console().print(table)
    raise typer.Exit(STATUS_EXIT.get(record["status"], 1))


@app.command()
def notebooks() -> None:
    """List the report notebooks `--all` runs."""
    from workbench.report.run import available_notebooks

    for name in available_notebooks():
        console().print(name)


@app.command("params")
def show_params(
    params: ParamsOption = "default.yaml",
    set_: SetOption = None,
) -> None:
    """Validate a scenario and print every key with its resolved value and meaning."""
    try:
        resolved = load_params(params, dict(parse_override(item) for item in set_ or []))
    except WorkbenchError as exc:
        fail(exc)
    table = Table("key", "value", "meaning", title=f"params ({resolved.digest()})")
    for name, field in Params.model_fields.items():
        value = repr(getattr(resolved, name))
        table.add_row(name, value if len(value) <= 80 else value[:77] + "...", field.description or "")
    console().print(table)
    from workbench.segment.registry import scheme_specs

    kinds = Table("kind", "keys", "what it does", title="tier scheme kinds (tiers.schemes[].kind)")
    for kind, spec in scheme_specs().items():
        keys = ", ".join(k for k in spec.model_fields if k not in ("name", "description", "kind"))
        kinds.add_row(kind, keys, (spec.__doc__ or "").strip().splitlines()[0])
    console().print(kinds)
    from workbench.models.registry import transaction_models

    models = Table("kind", "name", "hyper-parameters", title="transaction models (clv.models, a clv scheme's model)")
    for kind, cls in transaction_models().items():
        models.add_row(kind, cls.label or cls.__name__, ", ".join(cls.Params.model_fields))
    console().print(models)


@app.command()
def datasets() -> None:
    """List the bundled data sets usable as data.transactions."""
    for family, names in BUNDLED.items():
        for name in names:
            console().print(f"{family}:{name}")


def _setup_logging(verbose: bool) -> None:
    """Notebook output streams to the terminal with --verbose; run.log in each run keeps it all."""
    console_handler = logging.StreamHandler()
    console_handler.setLevel(logging.INFO if verbose else logging.WARNING)
    console_handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "workbench_console", False)]:
        root.removeHandler(old)
    console_handler.workbench_console = True  # type: ignore[attr-defined]
    root.addHandler(console_handler)
    root.setLevel(logging.INFO)
    for noisy in ("traitlets", "papermill.translators"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


if __name__ == "__main__":  # pragma: no cover
    app()
