"""The papermill runner: manifests, no overwrite, failed runs, the CLI's exit codes, concurrency."""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from typer.testing import CliRunner

from workbench.cli import app
from workbench.data.datasets import cdnow_path
from workbench.report.registry import MANIFEST
from workbench.report.run import run_notebook

def visible_text(page: str) -> str:
    """The text of an HTML page without tags and styles (code is split into highlighted spans)."""
    page = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", page))


MANIFEST_KEYS = {
    "notebook", "run_id", "status", "title", "started", "ended", "duration_seconds", "params", "params_hash",
    "data_fingerprint", "git", "python", "packages", "metrics", "error", "overrides", "params_file", "observation_end",
}


def test_manifest_records_params_data_code_versions_and_metrics(tiny_notebook: Path, tmp_path: Path):
    result = run_notebook(tiny_notebook, "default.yaml", {"title": "Tiny"}, reports=tmp_path / "r")
    manifest = json.loads((result.path / MANIFEST).read_text())
    assert result.ok, manifest["error"]
    assert MANIFEST_KEYS <= set(manifest)
    assert manifest["status"] == "succeeded" and manifest["error"] is None
    assert manifest["metrics"] == {"answer": 42}
    assert manifest["params"]["title"] == "Tiny" and manifest["overrides"] == {"title": "Tiny"}
    assert len(manifest["params_hash"]) == 12
    expected = hashlib.sha256(cdnow_path("master").read_bytes()).hexdigest()
    assert manifest["data_fingerprint"] == expected
    assert manifest["git"]["commit"] is None or len(manifest["git"]["commit"]) == 40
    assert manifest["packages"]["pandas"] and manifest["packages"]["papermill"]
    assert manifest["duration_seconds"] > 0 and manifest["started"] < manifest["ended"]
    executed = nbformat.read(result.path / tiny_notebook.name, as_version=4)
    assert any(c.get("outputs") for c in executed.cells)  # the executed notebook is kept
    assert "SECRET-CODE-MARKER" in (result.path / "run.log").read_text()  # cell output logged


def test_a_second_run_never_overwrites_the_first(tiny_notebook: Path, tmp_path: Path):
    first = run_notebook(tiny_notebook, reports=tmp_path)
    before = {p: p.read_bytes() for p in first.path.iterdir()}
    second = run_notebook(tiny_notebook, reports=tmp_path)
    assert second.path != first.path and second.run_id > first.run_id
    assert {p: p.read_bytes() for p in first.path.iterdir()} == before


def test_a_failing_notebook_gives_a_failed_manifest_and_a_report_showing_the_cell(
    failing_notebook: Path, tiny_notebook: Path, tmp_path: Path
):
    good = run_notebook(tiny_notebook, reports=tmp_path)
    good_html = good.report.read_bytes()
    result = run_notebook(failing_notebook, reports=tmp_path)
    manifest = json.loads((result.path / MANIFEST).read_text())
    assert manifest["status"] == "failed"
    assert manifest["error"]["name"] == "ValueError"
    assert manifest["error"]["cell"] == 5  # In [5]: parameters, injected parameters, then three cells
    html = visible_text(result.report.read_text(encoding="utf-8"))
    assert "deliberate failure for the test" in html
    assert "raise ValueError(" in html  # the failing cell's code is shown
    assert "never = " not in html  # other code stays hidden
    assert good.report.read_bytes() == good_html
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert result.run_id in index and good.run_id in index


def test_cli_exits_non_zero_naming_notebook_and_cell(failing_notebook: Path, tmp_path: Path):
    result = CliRunner().invoke(app, ["run", str(failing_notebook), "-q", "--reports", str(tmp_path)])
    assert result.exit_code == 1
    assert "02_broken" in result.output and "In [5]" in result.output
    assert "deliberate failure" in result.output


def test_cli_rejects_bad_params_with_the_key_and_creates_no_run(tiny_notebook: Path, tmp_path: Path):
    result = CliRunner().invoke(app, ["run", str(tiny_notebook), "--set", "time_unit=fortnight", "--reports", str(tmp_path)])
    assert result.exit_code == 2
    assert "time_unit" in result.output
    assert not list(tmp_path.glob("*/*/manifest.json"))


def test_cli_unknown_notebook_lists_available(tmp_path: Path):
    result = CliRunner().invoke(app, ["run", "no_such_notebook", "--reports", str(tmp_path)])
    assert result.exit_code == 2 and "00_data_quality" in result.output


def test_two_concurrent_runs_both_land_in_the_index(tiny_notebook: Path, tmp_path: Path):
    command = [sys.executable, "-m", "workbench.cli", "run", str(tiny_notebook), "-q", "--reports", str(tmp_path)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    manifests = [json.loads(p.read_text()) for p in tmp_path.glob("*/*/manifest.json")]
    assert len(manifests) == 2 and {m["status"] for m in manifests} == {"succeeded"}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(m["run_id"] in index for m in manifests)


def test_cli_help_documents_every_command():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "list", "notebooks", "params", "datasets"):
        assert command in result.output
    run_help = CliRunner().invoke(app, ["run", "--help"]).output
    for option in ("--all", "--params", "--set", "--reports"):
        assert option in run_help


def test_cli_list_shows_runs(tiny_notebook: Path, tmp_path: Path):
    run = run_notebook(tiny_notebook, reports=tmp_path)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["list", "--reports", str(tmp_path)])
    assert result.exit_code == 0 and run.run_id in result.output and "succeeded" in result.output


def test_the_time_limit_applies_to_the_whole_notebook(tmp_path: Path):
    """Three cells of 1.5 s each pass a 4 s limit one by one but not together."""
    from tests.conftest import PARAMS_CELL, make_notebook

    slow = make_notebook(tmp_path / "03_slow.ipynb", PARAMS_CELL, *["import time; time.sleep(1.5)"] * 3)
    result = run_notebook(slow, "default.yaml", {"timeout_seconds": 4}, reports=tmp_path / "r")
    assert result.status == "failed"
    assert "time limit of 4 s" in result.manifest["error"]["message"]
    assert "time limit of 4 s" in visible_text(result.report.read_text(encoding="utf-8"))


def test_a_report_that_cannot_be_rendered_is_recorded_as_failed(tiny_notebook: Path, tmp_path: Path, monkeypatch):
    import workbench.report.run as run_module

    def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(run_module, "render_html", broken)
    result = run_notebook(tiny_notebook, reports=tmp_path)
    assert result.status == "failed" and "renderer exploded" in result.manifest["error"]["message"]
    assert json.loads((result.path / MANIFEST).read_text())["status"] == "failed"
    assert "renderer exploded" in result.report.read_text(encoding="utf-8")


def test_cli_checks_every_notebook_name_before_running_any(tiny_notebook: Path, tmp_path: Path):
    result = CliRunner().invoke(app, ["run", str(tiny_notebook), "no_such_notebook", "--reports", str(tmp_path)])
    assert result.exit_code == 2 and "no_such_notebook" in result.output
    assert not list(tmp_path.glob("*/*/manifest.json"))


def test_a_relative_params_path_works_from_the_project_folder(tiny_notebook: Path, tmp_path: Path, monkeypatch):
    """`make report` passes params/default.yaml; the notebook runs in another folder."""
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    result = run_notebook(tiny_notebook, "params/default.yaml", reports=tmp_path)
    assert result.ok, result.manifest["error"]


def test_cli_params_shows_resolved_values_and_rejects_bad_ones():
    runner = CliRunner(env={"COLUMNS": "200"})
    shown = runner.invoke(app, ["params", "-p", "demo_b2b", "--set", "time_unit=D"])
    assert shown.exit_code == 0
    assert "'D'" in shown.output and "synthetic:b2b" in shown.output and "time limit" in shown.output
    bad = runner.invoke(app, ["params", "--set", "language=fr"])
    assert bad.exit_code == 2 and "language" in bad.output


def test_cli_lists_notebooks_and_bundled_data_sets():
    runner = CliRunner()
    from workbench.report.run import available_notebooks

    listed = runner.invoke(app, ["notebooks"]).output.split()
    assert listed == available_notebooks() and listed[0] == "00_data_quality"
    assert runner.invoke(app, ["datasets"]).output.split() == ["cdnow:master", "cdnow:sample", "synthetic:b2b"]
