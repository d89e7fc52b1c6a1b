"""Compare two commits in the same run: ``make report``'s notebooks and the benchmark scripts.

Each commit is checked out into a temporary folder (``git worktree``) and used through
``PYTHONPATH`` with this environment's packages, so only the code differs. The rounds alternate
between the commits (before, after, before, after, ...) so that a busy machine slows both alike;
the report prints each commit's median and the ratio after / before (below 1 = faster now).

* ``report``: ``workbench run --all`` on ``params/default.yaml`` (the notebooks of ``make
  report``, without the virtual-environment step), wall seconds.
* ``bench_clv`` / ``bench_summary``: each commit's own script (quick sizes), whose lines with
  ``x`` ratios against lifetimes / pandas are printed for both commits; those ratios are measured
  against the peer in the same process run.

Usage: python benchmarks/bench_commits.py BEFORE [AFTER] [--rounds 3] [--skip-benchmarks] [--notebook NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def checkout(rev: str, into: Path) -> Path:
    git("worktree", "add", "--detach", str(into), rev)
    return into


def env_for(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree / "src"), "WORKBENCH_ID_KEY": "b" * 64}


def notebook_seconds(reports: Path) -> dict[str, float]:
    """Each notebook's execution time from the run manifests."""
    out = {}
    for manifest in reports.glob("*/*/manifest.json"):
        data = json.loads(manifest.read_text())
        out[data["notebook"]] = data["duration_seconds"]
    return out


def time_report(tree: Path, reports: Path, notebook: str | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (this process's children: the runner and its kernels) of one run of
    every notebook (or of ``notebook`` alone)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "run", *([notebook] if notebook else ["--all"]),
         "--params", str(tree / "params" / "default.yaml"),
         "--reports", str(reports), "--quiet"],
        cwd=tree, env=env_for(tree), capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{tree.name}: workbench run failed\n{done.stdout}\n{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_script(tree: Path, script: str, args: list[str]) -> str:
    path = tree / "benchmarks" / script
    if not path.exists():
        return f"({script} not in this commit)"
    done = subprocess.run([sys.executable, str(path), *args], cwd=tree, env=env_for(tree), capture_output=True, text=True)
    return done.stdout + (f"\n[exit {done.returncode}] {done.stderr[-2000:]}" if done.returncode else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after", nargs="?", default="HEAD")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-benchmarks", action="store_true")
    parser.add_argument("--notebook", help="time this notebook alone (default: every notebook, as make report)")
    args = parser.parse_args()
    revs = {"before": git("rev-parse", "--short", args.before), "after": git("rev-parse", "--short", args.after)}
    print(f"before = {revs['before']}, after = {revs['after']}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="workbench-commits-") as tmp:
        trees = {k: checkout(rev, Path(tmp) / k) for k, rev in revs.items()}
        try:
            times: dict[str, list[float]] = {k: [] for k in trees}
            cpu: dict[str, list[float]] = {k: [] for k in trees}
            per_notebook: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
            for i in range(args.rounds):
                for k, tree in trees.items():
                    reports = Path(tmp) / f"reports-{k}-{i}"
                    wall, used = time_report(tree, reports, args.notebook)
                    times[k].append(wall)
                    cpu[k].append(used)
                    per_notebook[k].append(notebook_seconds(reports))
                    print(f"  round {i + 1}: {k:6s} report {wall:6.1f} s wall, {used:6.1f} s CPU", flush=True)
            for label, values in (("wall", times), ("CPU", cpu)):
                med = {k: statistics.median(v) for k, v in values.items()}
                print(f"report ({args.notebook or 'all notebooks'}), median {label}: before {med['before']:.1f} s, after {med['after']:.1f} s, "
                      f"after / before = {med['after'] / med['before']:.2f}")
            for name in sorted(per_notebook["after"][0]):
                nb = {k: statistics.median(r.get(name, float("nan")) for r in per_notebook[k]) for k in trees}
                print(f"  {name:18s} before {nb['before']:6.1f} s  after {nb['after']:6.1f} s  "
                      f"after / before = {nb['after'] / nb['before']:.2f}")
            if not args.skip_benchmarks:
                for script, script_args in (("bench_clv.py", ["--sizes", "cdnow,100k", "--skip-lifetimes-pareto"]),
                                            ("bench_summary.py", ["--customers", "100000"])):
                    for k, tree in trees.items():
                        out = run_script(tree, script, script_args)
                        ratios = [ln for ln in out.splitlines() if re.search(r"\d x\b|x faster|speed-up|ratio", ln)]
                        print(f"\n== {script} at {k} ({revs[k]})")
                        print("\n".join(ratios) if ratios else out[-3000:])
        finally:
            for tree in trees.values():
                git("worktree", "remove", "--force", str(tree))


if __name__ == "__main__":
    main()
