"""`make test` keeps the tests that share the report runs on one worker (``--dist loadgroup``); a
pytest / pytest-xdist pair that drops the groups silently runs those report runs once per worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.xdist_groups import REPORT_RUN_MODULES

TEST_FILE = '''
import os
from pathlib import Path

def _record(name):
    with open(Path(__file__).parent / "workers.txt", "a") as out:
        out.write(f"{{__name__}}.{{name}} {{os.environ['PYTEST_XDIST_WORKER']}}\\n")

{tests}
'''


def test_the_report_run_modules_share_one_worker(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("from tests.xdist_groups import pytest_collection_modifyitems  # noqa: F401\n")
    names = [*sorted(REPORT_RUN_MODULES), "test_other_a", "test_other_b"]
    for name in names:
        tests = "\n".join(f"def test_{i}():\n    _record('{i}')\n" for i in range(4))
        (tmp_path / f"{name}.py").write_text(TEST_FILE.format(tests=tests))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                          "--dist", "loadgroup", str(tmp_path)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    records = dict(line.split() for line in (tmp_path / "workers.txt").read_text().splitlines())
    assert len(records) == 4 * len(names)
    shared = {worker for test, worker in records.items() if test.split(".")[0] in REPORT_RUN_MODULES}
    assert len(shared) == 1, f"the report-run tests ran on {sorted(shared)}"
    assert len(set(records.values())) == 2, "the other files should still spread over both workers"
