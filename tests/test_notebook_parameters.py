"""Plain papermill on the report notebooks: every scenario key is a declared parameter with its help,
``-f params/x.yaml`` passes without a warning and resolves to that scenario, unknown keys are errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.conftest import ROOT
from workbench.config import Params, load_params
from workbench.errors import ParamsError
from workbench.notebook_parameters import (
    INJECTED_MARK, NOTEBOOK_ONLY, injected_names, notebook_params, parameters_cell, resolve_parameters,
)
from workbench.report.run import available_notebooks

NOTEBOOKS = available_notebooks()
PARAMS_FILES = sorted(p.name for p in (ROOT / "params").glob("*.yaml"))
PAPERMILL = [sys.executable, "-m", "papermill"]


def _parameters_source(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_notebook_declares_every_scenario_key(notebook):
    assert _parameters_source(ROOT / "notebooks" / f"{notebook}.ipynb") == parameters_cell(), (
        "the parameters cell is out of date: run `python -m workbench.notebook_parameters`")


def test_papermill_reads_every_parameter_with_its_help(caplog):
    from papermill.inspection import inspect_notebook

    with caplog.at_level("WARNING", logger="papermill"):
        found = inspect_notebook(str(ROOT / "notebooks" / f"{NOTEBOOKS[0]}.ipynb"))
    assert caplog.records == []
    assert list(found) == [*NOTEBOOK_ONLY, *Params.model_fields]
    assert all(p["help"] for p in found.values()), [name for name, p in found.items() if not p["help"]]
    assert found["tiers"]["inferred_type_name"] == "Optional[dict]" and found["title"]["default"] == "None"


def test_papermill_help_notebook_lists_the_parameters():
    shown = subprocess.run([*PAPERMILL, "--help-notebook", f"notebooks/{NOTEBOOKS[0]}.ipynb"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "Unable to parse" not in shown.stdout + shown.stderr
    for name, field in Params.model_fields.items():
        assert f"{name}: " in shown.stdout and field.description.split()[0] in shown.stdout


def _kernel_namespace(prepared: Path) -> dict:
    """Run a prepared notebook's parameter cells as the kernel would, with IPython's input history."""
    nb = nbformat.read(prepared, as_version=4)
    namespace: dict = {"_ih": [""]}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            namespace["_ih"].append(cell.source)
            exec(cell.source, namespace)
    return namespace


def _prepare(notebook: str, out: Path, *args: str) -> subprocess.CompletedProcess:
    """Plain papermill, as a scheduler runs it from notebooks/, without executing (--prepare-only)."""
    return subprocess.run([*PAPERMILL, f"{notebook}.ipynb", str(out), "-k", "python3", "--prepare-only", *args],
                          cwd=ROOT / "notebooks", capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("params_file", PARAMS_FILES)
def test_plain_papermill_passes_each_params_file_without_a_warning(params_file, tmp_path):
    for notebook in NOTEBOOKS:
        out = tmp_path / f"{notebook}.ipynb"
        done = _prepare(notebook, out, "-f", f"../params/{params_file}")
        assert done.returncode == 0, done.stderr
        warnings = [line for line in done.stderr.splitlines() if "warn" in line.lower()]
        assert warnings == [], f"{notebook} with {params_file}: {warnings}"
        assert notebook_params(_kernel_namespace(out)) == load_params(params_file), f"{notebook} with {params_file}"


def test_an_unknown_key_is_an_error_naming_it(tmp_path):
    out = tmp_path / "prepared.ipynb"
    assert _prepare(NOTEBOOKS[0], out, "-p", "titel", "Monthly").returncode == 0
    with pytest.raises(ParamsError, match="unknown notebook parameter 'titel'"):
        notebook_params(_kernel_namespace(out))


def test_single_keys_replace_those_of_the_params_file(tmp_path):
    out = tmp_path / "prepared.ipynb"
    assert _prepare(NOTEBOOKS[0], out, "-p", "params_file", "demo_b2b.yaml", "-p", "title", "Monthly").returncode == 0
    resolved = notebook_params(_kernel_namespace(out))
    assert resolved.title == "Monthly"
    assert resolved == load_params("demo_b2b.yaml", {"title": "Monthly"})


def test_a_whole_scenario_takes_nothing_from_the_default_params_file(tmp_path):
    """``-f`` with a scenario that lacks keys default.yaml sets (here calibration_end and
    observation_end): those take the built-in defaults, not CDNOW's dates."""
    scenario = yaml.safe_load((ROOT / "params" / "cdnow_sample.yaml").read_text(encoding="utf-8"))
    for key in ("calibration_end", "observation_end"):
        scenario.pop(key, None)
    (tmp_path / "short.yaml").write_text(yaml.safe_dump(scenario), encoding="utf-8")
    out = tmp_path / "prepared.ipynb"
    assert _prepare(NOTEBOOKS[0], out, "-f", str(tmp_path / "short.yaml")).returncode == 0
    resolved = notebook_params(_kernel_namespace(out))
    assert resolved.calibration_end is None and resolved.observation_end is None
    assert resolved == load_params(tmp_path / "short.yaml")


def test_outside_papermill_the_cell_values_apply_over_the_file():
    """In JupyterLab: no injected cell; a value typed into the parameters cell replaces the file's."""
    namespace = {"params_file": "demo_b2b.yaml", "title": "Monthly", "time_unit": "D", "language": None}
    resolved = notebook_params(namespace)
    assert resolved == load_params("demo_b2b.yaml", {"title": "Monthly", "time_unit": "D"})
    assert notebook_params({"params_file": "default.yaml", "pd": object()}) == load_params("default.yaml")


def test_an_injected_none_still_replaces_the_files_value():
    resolved = resolve_parameters({"params_file": "default.yaml", "calibration_end": None}, {"calibration_end"})
    assert resolved.calibration_end is None and load_params("default.yaml").calibration_end is not None


def test_injected_names_come_from_the_latest_injected_cell():
    history = ["", f'{INJECTED_MARK}\ntitle = "a"\n', "x = 1", f'{INJECTED_MARK}\ntime_unit = "D"\nclv = {{}}\n']
    assert injected_names({"_ih": history}) == {"time_unit", "clv"}
    assert injected_names({}) == set()
