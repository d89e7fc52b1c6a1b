"""Shared fixtures: the project folder, small notebooks, and report runs reused across tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

import tests.example_method  # noqa: F401  (a method defined outside the package: see test_registry_proof)
from tests.xdist_groups import REPORT_RUN_MODULES, pytest_collection_modifyitems  # noqa: F401  (the hook)

ROOT = Path(__file__).resolve().parents[1]

if os.environ.get("PYTEST_XDIST_WORKER"):  # parallel workers: one BLAS/OpenMP thread each, not two apiece
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)

def make_notebook(path: Path, *sources: str, tags: dict[int, list[str]] | None = None) -> Path:
    """Write a notebook whose first cell is a ``parameters`` cell and the rest are ``sources``."""
    from workbench.notebook_parameters import parameters_cell

    cells = [nbformat.v4.new_code_cell(parameters_cell(), metadata={"tags": ["parameters"]})]
    for i, source in enumerate(sources):
        cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": (tags or {}).get(i, [])}))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


PARAMS_CELL = "from workbench.notebook_parameters import notebook_params\nparams = notebook_params(globals())"


@pytest.fixture
def tiny_notebook(tmp_path: Path) -> Path:
    """A fast notebook that reads its params, records a metric and draws a figure."""
    return make_notebook(
        tmp_path / "nbs" / "01_tiny.ipynb",
        PARAMS_CELL,
        "from workbench.report import record, heading\nheading(params.title)\nrecord('answer', 42)",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
        "print('SECRET-CODE-MARKER')  # the source of this cell must not appear in the report",
    )


@pytest.fixture
def failing_notebook(tmp_path: Path) -> Path:
    """A notebook whose third code cell raises."""
    return make_notebook(
        tmp_path / "nbs" / "02_broken.ipynb",
        PARAMS_CELL,
        "x = 1",
        "raise ValueError('deliberate failure for the test')",
        "never = 'reached'",
    )


@pytest.fixture(scope="session")
def cdnow_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every shipped notebook run once on full CDNOW in English as a scheduler runs it (plain
    papermill with the notebooks' default parameters, as in JupyterLab, then ``workbench render``),
    on the B2B demo (``workbench run --all``), and in Chinese on the CDNOW 1/10 sample through the
    README's ``make report``: three processes side by side, each with its own reports folder.
    ``out["make_report"]`` is the ``make report`` output, ``out["papermill"]`` papermill's."""
    import subprocess
    import sys

    import yaml

    zh_params = tmp_path_factory.mktemp("params_zh") / "cdnow_sample_zh.yaml"
    scenario = yaml.safe_load((ROOT / "params" / "cdnow_sample.yaml").read_text(encoding="utf-8"))
    scenario.update(language="zh", title=ZH_TITLE)
    zh_params.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    cli = [sys.executable, "-m", "workbench.cli", "run", "--all", "-q"]
    runs = {
        "en": lambda reports: [sys.executable, "-c", SCHEDULED, str(reports)],
        "b2b": lambda reports: [*cli, "--reports", str(reports), "-p", "demo_b2b"],
        "zh": lambda reports: ["make", "report", f"REPORTS={reports}", f"PARAMS={zh_params}"],
    }
    out, procs = {}, {}
    for name, command in runs.items():
        reports = tmp_path_factory.mktemp(f"reports_{name}")
        procs[name] = subprocess.Popen(command(reports), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True)
        out[name] = reports
    for name, proc in procs.items():
        output, _ = proc.communicate(timeout=1800)
        assert proc.returncode == 0, f"{name}: {output}"
        out[{"zh": "make_report", "en": "papermill", "b2b": "run"}[name]] = output
    return out


#: Each report notebook as cron would run it: plain papermill from notebooks/ with only the export
#: folder given, then ``workbench render`` into the reports folder ``sys.argv[1]``.
SCHEDULED = """
import subprocess, sys
from pathlib import Path
from workbench.report.run import available_notebooks, pinned_kernel
reports = Path(sys.argv[1])
executed = reports.parent / (reports.name + "_executed")
executed.mkdir(parents=True, exist_ok=True)  # papermill writes the notebook, not its folder
for name in available_notebooks():
    out = executed / f"{name}.ipynb"
    done = subprocess.run([sys.executable, "-m", "papermill", f"{name}.ipynb", str(out), "-k", pinned_kernel(),
                           "-p", "output_dir", str(executed / name)], cwd="notebooks", capture_output=True, text=True)
    print(f"papermill {name}: exit {done.returncode}")
    print(done.stderr)
    if done.returncode == 0:
        done = subprocess.run([sys.executable, "-m", "workbench.cli", "render", str(out), "--reports", str(reports)])
    if done.returncode:
        sys.exit(f"{name} failed")
"""


#: The Chinese run's title: Chinese text with characters HTML must escape.
ZH_TITLE = "客户分级报告 <测试>"


def chromium_path() -> str:
    """Debian's Chromium; fail loudly (not skip) when it is missing."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not found:
        pytest.fail("Chromium is missing: run `make system-deps` (apt-get install chromium)")
    return found
