"""The layer contract (.importlinter) holds, and it can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path, src: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True, env=env, timeout=300)


def test_no_module_imports_a_layer_above_it():
    done = _lint(ROOT, ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "workbench layers KEPT" in done.stdout


def test_a_backwards_import_breaks_the_contract(tmp_path: Path):
    """The loader importing the report layer (privacy used to live there) is caught."""
    shutil.copytree(ROOT / "src" / "workbench", tmp_path / "src" / "workbench")
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    loader = tmp_path / "src" / "workbench" / "data" / "load.py"
    loader.write_text(loader.read_text() + "\n\ndef _backwards():\n    from workbench.report.display import customer_table  # noqa\n")
    done = _lint(tmp_path, tmp_path / "src")
    assert done.returncode != 0 and "workbench layers BROKEN" in done.stdout
    assert "workbench.data.load -> workbench.report.display" in done.stdout
