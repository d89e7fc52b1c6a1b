"""The ``workbench`` command: run report notebooks, list runs, show params and data sets."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="do not stream notebook output")] = False,
) -> None:
    """Execute notebooks with papermill and write versioned HTML reports.

    Each run lands in reports/<notebook>/<run-id>/ and is listed in reports/index.html. Exits 1
    when any notebook fails (its report is still written and marked failed), 2 on bad arguments.
    """
    from workbench.report.run import available_notebooks, resolve_notebook, run_notebook

    _setup_logging(quiet)
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
        results = [run_notebook(path, params, overrides, reports=reports) for path in paths]
    except WorkbenchError as exc:
        err().print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for result in results:
        style = "green" if result.ok else "red"
        console().print(f"[{style}]{result.describe()}[/{style}]", highlight=False)
    index = (reports or reports_dir()) / "index.html"
    console().print(f"index: {index}", highlight=False)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command("list")
def list_runs(
    reports: ReportsOption = None,
    notebook: Annotated[Optional[str], typer.Option(help="only runs of this notebook")] = None,
    limit: Annotated[int, typer.Option(help="show at most this many runs")] = 50,
) -> None:
    """List report runs, newest first."""
    from workbench.report.registry import list_runs as registry_runs

    runs = [r for r in registry_runs(reports or reports_dir()) if notebook in (None, r.notebook)]
    table = Table("run id", "notebook", "status", "title", "params", "data", "duration", title="report runs")
    for run in runs[:limit]:
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
        err().print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
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


def _setup_logging(quiet: bool) -> None:
    """Notebook output streams to the terminal unless --quiet; run.log in each run keeps it all."""
    console_handler = logging.StreamHandler()
    console_handler.setLevel(logging.WARNING if quiet else logging.INFO)
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
