"""Scheduled runs as cron or Airflow make them: plain papermill, then ``workbench render`` into the
run registry; ``workbench list --json`` and ``workbench status`` read it; progress as the runner
shows it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.conftest import ROOT
from workbench.cli import app, cell_total
from workbench.config import load_params
from workbench.report.progress import start_progress
from workbench.report.registry import MANIFEST, list_runs
from workbench.report.run import pinned_kernel, run_notebook

PAPERMILL = [sys.executable, "-m", "papermill"]


def _papermill(notebook: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PAPERMILL, str(notebook), str(out), "-k", pinned_kernel(), *args],
                          cwd=notebook.parent, capture_output=True, text=True, timeout=900)


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.notebook
def test_papermill_then_render_gives_an_indexed_run_with_its_exports(tmp_path):
    out, exports, reports = tmp_path / "rfm_out.ipynb", tmp_path / "exports", tmp_path / "reports"
    done = _papermill(ROOT / "notebooks" / "10_rfm_tiers.ipynb", out, "-p", "params_file", "cdnow_sample.yaml",
                      "-p", "output_dir", str(exports))
    assert done.returncode == 0, done.stderr[-3000:]
    assert [line for line in done.stderr.splitlines() if "warn" in line.lower()] == []
    rendered = _cli("render", str(out), "--reports", str(reports))
    assert rendered.exit_code == 0, rendered.output
    (run,) = list_runs(reports)
    assert run.notebook == "10_rfm_tiers" and run.status == "succeeded"
    manifest = run.manifest
    assert manifest["params"] == load_params("cdnow_sample.yaml").model_dump(mode="json")
    assert manifest["params_file"] == "cdnow_sample.yaml" and manifest["rendered_from"] == "rfm_out.ipynb"
    assert manifest["duration_seconds"] > 0 and manifest["metrics"]["customers"] > 0
    written = sorted(p.name for p in exports.iterdir())
    assert written and manifest["exports"] == written
    assert all((run.path / name).read_bytes() == (exports / name).read_bytes() for name in written)
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert run.run_id in index
    html = (run.path / "report.html").read_text(encoding="utf-8")
    assert "notebook_params" not in html and "run.params" not in html
    assert (reports / "10_rfm_tiers" / "latest.html").exists()


def test_render_of_a_failed_notebook_is_a_failed_run_naming_the_cell(failing_notebook, tmp_path):
    out = tmp_path / "executed.ipynb"
    assert _papermill(failing_notebook, out).returncode != 0
    rendered = _cli("render", str(out), "--reports", str(tmp_path / "r"))
    assert rendered.exit_code == 1
    assert "02_broken" in rendered.output and "deliberate failure" in rendered.output
    (run,) = list_runs(tmp_path / "r")
    assert run.status == "failed" and run.manifest["error"]["name"] == "ValueError"
    assert "deliberate failure" in (run.path / "report.html").read_text(encoding="utf-8")
    status = _cli("status", run.run_id, "--reports", str(tmp_path / "r"), "--json")
    assert status.exit_code == 1 and json.loads(status.output)["status"] == "failed"


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"), ("not json", "not a notebook"), ("unexecuted", "no cell was executed"),
])
def test_render_rejects_what_is_not_an_executed_notebook(tiny_notebook, tmp_path, content, message):
    path = tmp_path / "input.ipynb"
    if content == "unexecuted":
        path.write_bytes(tiny_notebook.read_bytes())
    elif content is not None:
        path.write_text(content)
    rendered = _cli("render", str(path), "--reports", str(tmp_path / "r"))
    assert rendered.exit_code == 2 and message in rendered.output
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").glob(f"*/*/{MANIFEST}"))


def test_list_json_and_status_give_run_records(tiny_notebook, tmp_path):
    reports = tmp_path / "r"
    first = run_notebook(tiny_notebook, "default.yaml", reports=reports)
    second = run_notebook(tiny_notebook, "cdnow_sample.yaml", reports=reports)
    listed = _cli("list", "--json", "--reports", str(reports))
    assert listed.exit_code == 0
    records = json.loads(listed.output)
    assert [r["run_id"] for r in records] == [second.run_id, first.run_id]
    assert {r["status"] for r in records} == {"succeeded"}
    assert records[0]["params_file"] == "cdnow_sample.yaml" and records[0]["report"].endswith("report.html")
    assert records[0]["cells"]["completed"] == records[0]["cells"]["total"] > 0
    for ask in (first.run_id, f"01_tiny/{first.run_id}"):
        status = _cli("status", ask, "--reports", str(reports), "--json")
        assert status.exit_code == 0 and json.loads(status.output)["run_id"] == first.run_id
    latest = _cli("status", "01_tiny/latest", "--reports", str(reports), "--json")
    assert json.loads(latest.output)["run_id"] == second.run_id
    missing = _cli("status", "20990101T000000.000000Z-0000000000", "--reports", str(reports))
    assert missing.exit_code == 2 and "no run" in missing.output


def test_the_runner_reports_each_cell_as_it_starts(tiny_notebook, tmp_path):
    cells: list[int] = []
    result = run_notebook(tiny_notebook, reports=tmp_path, on_cell=cells.append)
    assert result.ok
    assert cells == list(range(1, cell_total(tiny_notebook) + 1))
    assert result.manifest["cells"] == {"total": len(cells), "completed": len(cells)}


def test_a_log_gets_one_line_per_notebook_and_a_final_table(tiny_notebook, failing_notebook, tmp_path):
    result = _cli("run", str(tiny_notebook), str(failing_notebook), "--reports", str(tmp_path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "running 2 notebooks"
    assert lines[1].startswith("[1/2] 01_tiny: succeeded in ") and lines[2].startswith("[2/2] 02_broken: FAILED")
    assert "Executing Cell" not in result.output  # papermill's per-cell log only with --verbose
    assert "runs" in result.output and "succeeded" in result.output and "failed" in result.output
    tiny = next(ln for ln in lines if ln.startswith("│ 01_tiny"))
    cells = cell_total(tiny_notebook)
    assert f"{cells}/{cells}" in tiny and str(tmp_path) in tiny  # cells run; the report path in full


def test_a_terminal_gets_a_live_line_with_notebook_cell_and_elapsed(tiny_notebook, tmp_path):
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    progress = start_progress(terminal, 1)
    progress.notebook_started("01_tiny", cell_total(tiny_notebook))
    progress.cell_started(3)
    progress.live.refresh()
    shown = screen.getvalue()
    progress.notebook_finished(run_notebook(tiny_notebook, reports=tmp_path))
    progress.close()
    assert "notebook 1 of 1" in shown and "01_tiny" in shown
    assert f"cell 3 of {cell_total(tiny_notebook)}" in shown and "0:0" in shown
    assert "[1/1] 01_tiny: succeeded" in screen.getvalue()


def test_the_workbench_kernel_is_ipykernel_without_its_start_up_warning(tmp_path):
    from workbench.kernel import QUIET, install_kernel

    for _ in range(2):  # a second install refreshes, not duplicates
        folder = install_kernel(str(tmp_path))
    argv = json.loads((folder / "kernel.json").read_text())["argv"]
    assert argv[0] == sys.executable and "ipykernel_launcher" in argv and argv.count(QUIET) == 1
