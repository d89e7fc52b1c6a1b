"""Runs that cannot hang, split or be left half-written: odd data paths, relative folders, killed
runners, read-only and full disks (the last two on a real tmpfs in a private mount namespace)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PARAMS_CELL, ROOT, make_notebook
from workbench.report.registry import MANIFEST, list_runs, rebuild_index
from workbench.report.run import run_notebook

pytestmark = pytest.mark.notebook
CLI = [sys.executable, "-m", "workbench.cli"]


def _cli(*args: str, timeout: float = 300, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, "WORKBENCH_HOME": str(ROOT)})


@pytest.fixture
def loading_notebook(tmp_path: Path) -> Path:
    """A notebook that loads the scenario's data and writes one export."""
    return make_notebook(
        tmp_path / "nbs" / "05_load.ipynb",
        "from workbench.scenario import Scenario\nsc = Scenario.from_notebook(globals(), '05_load')",
        "sc.export_path('rows.txt').write_text(str(len(sc.data.transactions)))",
    )


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_fifo_device_or_folder_as_data_fails_fast_and_clearly(loading_notebook: Path, tmp_path: Path, kind):
    """A FIFO or /dev/zero used to hang the runner's fingerprint before the kernel started (no
    time limit applied); a folder was hashed recursively before being rejected."""
    target = {"fifo": tmp_path / "tx.csv", "device": Path("/dev/zero"), "folder": tmp_path / "big"}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
        (target / "a.csv").write_bytes(b"x" * (1 << 20))
    started = time.monotonic()
    done = _cli("run", str(loading_notebook), "-q", "--reports", str(tmp_path / "r"),
                "--set", f"data.transactions={target}", "--set", "timeout_seconds=120", timeout=150)
    assert done.returncode == 1, done.stderr
    assert time.monotonic() - started < 120
    (manifest,) = [json.loads(p.read_text()) for p in (tmp_path / "r").glob(f"*/*/{MANIFEST}")]
    expected = {"fifo": "is a named pipe (FIFO)", "device": "is a device", "folder": "is a folder"}[kind]
    assert manifest["status"] == "failed" and expected in manifest["error"]["message"]
    assert manifest["data_fingerprint"].startswith("unavailable:") and expected in manifest["data_fingerprint"]


def test_a_relative_reports_folder_keeps_exports_in_the_run_folder(loading_notebook: Path, tmp_path: Path, monkeypatch):
    """`make report` passes --reports reports; the kernel works in the notebooks' folder."""
    monkeypatch.chdir(tmp_path)
    result = run_notebook(loading_notebook, "cdnow_sample", reports=Path("rel") / "reports")
    assert result.ok, result.manifest["error"]
    assert result.path.is_absolute() and result.path.is_relative_to(tmp_path / "rel" / "reports")
    assert (result.path / "rows.txt").read_text() == "6919"
    assert result.manifest["exports"] == ["rows.txt"]
    assert not list(loading_notebook.parent.rglob("rows.txt"))


def test_a_killed_runner_leaves_its_run_interrupted_not_running(tmp_path: Path):
    slow = make_notebook(tmp_path / "nbs" / "06_slow.ipynb", PARAMS_CELL, "import time; time.sleep(120)")
    reports = tmp_path / "r"
    runner = subprocess.Popen([*CLI, "run", str(slow), "-q", "--reports", str(reports)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list(reports.glob(f"*/*/{MANIFEST}")) and time.monotonic() < deadline:
            time.sleep(0.2)
        (run,) = list_runs(reports)
        assert run.status == "running"  # its runner is alive
        rebuild_index(reports)
        assert json.loads((run.path / MANIFEST).read_text())["status"] == "running"
    finally:
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait(timeout=30)
    (run,) = list_runs(reports)
    assert run.status == "interrupted"
    rebuild_index(reports)
    manifest = json.loads((run.path / MANIFEST).read_text())
    assert manifest["status"] == "interrupted" and "runner stopped" in manifest["error"]["message"]
    assert "interrupted" in (reports / "index.html").read_text()


# --- real filesystems in a private mount namespace ------------------------------------------------

CHECK = r"""
import json, sys
from pathlib import Path
import pandas as pd
root = Path(sys.argv[1])
out = {"files": {}, "manifests": [], "csv_rows": {}}
for p in sorted(root.rglob("*")):
    if p.is_file():
        out["files"][str(p.relative_to(root))] = p.stat().st_size
for m in root.glob("*/*/manifest.json"):
    out["manifests"].append(json.loads(m.read_text()))
for c in root.glob("*/*/*.csv"):
    out["csv_rows"][c.name] = len(pd.read_csv(c, encoding="utf-8-sig"))
print("CHECK" + json.dumps(out))
"""


def _in_namespace(script: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace (its mounts vanish with it)."""
    unshare = shutil.which("unshare")
    assert unshare, "util-linux unshare is needed for the filesystem tests"
    flags = ["--mount", "--propagation", "private"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--mount"]
    return subprocess.run([unshare, *flags, "sh", "-c", script], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env={**os.environ, "WORKBENCH_HOME": str(ROOT)})


def _checked(done: subprocess.CompletedProcess) -> dict:
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("CHECK")), None)
    assert line, done.stdout + done.stderr
    return json.loads(line[len("CHECK"):])


def test_a_read_only_reports_folder_is_a_clear_message(tmp_path: Path):
    target = tmp_path / "ro"
    target.mkdir()
    script = (f"mount -t tmpfs -o ro,size=1m tmpfs {target} && "
              f"{' '.join(CLI)} run 00_data_quality -q -p cdnow_sample --reports {target}; echo EXIT=$?")
    done = _in_namespace(script)
    assert "EXIT=2" in done.stdout, done.stdout + done.stderr
    assert "Read-only file system" in done.stderr and str(target) in done.stderr
    assert "Traceback" not in done.stderr


def test_a_full_disk_leaves_no_partial_file_and_a_failed_run(tmp_path: Path):
    """The RFM report on a 5 MB disk with 1.5 MB free: exports, the executed notebook or the
    report no longer fit. Nothing is left truncated, the run is not left 'running', and the
    command ends with one clear line."""
    target = tmp_path / "small"
    target.mkdir()
    check = tmp_path / "check.py"
    check.write_text(CHECK)
    script = (
        f"mount -t tmpfs -o size=5m tmpfs {target} && "
        f"head -c 3500000 /dev/zero > {target}/filler && "
        f"{' '.join(CLI)} run 10_rfm_tiers -q -p cdnow_sample --reports {target}; echo EXIT=$?; "
        f"rm {target}/filler; {sys.executable} {check} {target}"
    )
    done = _in_namespace(script)
    state = _checked(done)
    assert "EXIT=0" not in done.stdout, "the report fit on the small disk: the test needs a smaller one"
    assert "No space left on device" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not [name for name, size in state["files"].items() if name.endswith(".html") and size == 0]
    assert not [name for name in state["files"] if name.endswith((".tmp", ".running"))]
    assert all(rows == 2357 for rows in state["csv_rows"].values()), state["csv_rows"]  # complete or absent
    assert [m["status"] for m in state["manifests"]] == ["failed"], state["manifests"]
    assert "No space left on device" in state["manifests"][0]["error"]["message"]
