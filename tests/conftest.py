"""Shared fixtures: the project folder, small notebooks, and report runs reused across tests."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

import tests.example_method  # noqa: F401  (a method defined outside the package: see test_registry_proof)

ROOT = Path(__file__).resolve().parents[1]

if os.environ.get("PYTEST_XDIST_WORKER"):  # parallel workers: one BLAS/OpenMP thread each, not two apiece
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def make_notebook(path: Path, *sources: str, tags: dict[int, list[str]] | None = None) -> Path:
    """Write a notebook whose first cell is a ``parameters`` cell and the rest are ``sources``."""
    cells = [nbformat.v4.new_code_cell('params_file = "default.yaml"', metadata={"tags": ["parameters"]})]
    for i, source in enumerate(sources):
        cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": (tags or {}).get(i, [])}))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


PARAMS_CELL = "from workbench.config import notebook_params\nparams = notebook_params(globals())"


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
def cdnow_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every shipped notebook run once through the CLI on CDNOW, in English and in Chinese, and on
    the B2B demo: three ``workbench run --all`` processes side by side (each its own reports folder)."""
    import subprocess
    import sys

    runs = {
        "en": ["--set", "title=CDNOW customer tiers"],
        "zh": ["--set", "language=zh", "--set", f"title={json.dumps('客户分级报告 <测试>', ensure_ascii=False)}"],
        "b2b": ["-p", "demo_b2b"],
    }
    out, procs = {}, {}
    for name, options in runs.items():
        reports = tmp_path_factory.mktemp(f"reports_{name}")
        command = [sys.executable, "-m", "workbench.cli", "run", "--all", "-q", "--reports", str(reports), *options]
        procs[name] = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out[name] = reports
    for name, proc in procs.items():
        output, _ = proc.communicate(timeout=1800)
        assert proc.returncode == 0, f"{name}: {output}"
    return out


def chromium_path() -> str:
    """Debian's Chromium; fail loudly (not skip) when it is missing."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not found:
        pytest.fail("Chromium is missing: run `make system-deps` (apt-get install chromium)")
    return found
