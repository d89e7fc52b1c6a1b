"""Run ids, exclusive run folders, and the index rebuilt from manifests."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

from workbench.report.registry import (
    HEADLINE, LATEST, MANIFEST, create_run_dir, list_runs, new_run_id, rebuild_index, write_json_atomic,
)


def test_run_ids_sort_by_time():
    base = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    times = [base + dt.timedelta(microseconds=m) for m in (0, 1, 999_999, 1_000_000, 86_400_000_000)]
    ids = [new_run_id(t) for t in times]
    assert sorted(ids) == ids


def test_run_ids_are_unique_within_one_instant():
    """1,000 ids at one instant: with a 40-bit tail a collision has probability < 5e-7."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    ids = {new_run_id(now) for _ in range(1000)}
    assert len(ids) == 1000


def test_run_folders_are_created_exclusively(tmp_path: Path):
    folders = [create_run_dir(tmp_path, "nb")[1] for _ in range(50)]
    assert len(set(folders)) == 50 and all(f.is_dir() for f in folders)


def _fake_run(reports: Path, notebook: str, status: str) -> Path:
    run_id, path = create_run_dir(reports, notebook)
    write_json_atomic(path / MANIFEST, {"notebook": notebook, "run_id": run_id, "status": status, "title": "t"})
    return path


def test_index_lists_runs_newest_first_and_latest_points_to_newest_success(tmp_path: Path):
    ok_old = _fake_run(tmp_path, "00_a", "succeeded")
    ok_new = _fake_run(tmp_path, "00_a", "succeeded")
    failed = _fake_run(tmp_path, "00_a", "failed")
    rebuild_index(tmp_path)
    runs = list_runs(tmp_path)
    assert [r.path for r in runs] == [failed, ok_new, ok_old]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    table = index[index.index("<table"):]
    assert table.index(failed.name) < table.index(ok_new.name) < table.index(ok_old.name)
    latest = (tmp_path / "00_a" / LATEST).read_text(encoding="utf-8")
    assert f"{ok_new.name}/report.html" in latest and failed.name not in latest


def test_the_comparison_heads_each_scenario_on_the_index(tmp_path: Path):
    runs = {}
    for params_file in ("default.yaml", "demo_b2b.yaml"):
        for notebook in ("00_data_quality", HEADLINE, "40_clv"):
            run_id, path = create_run_dir(tmp_path, notebook)
            write_json_atomic(path / MANIFEST, {"notebook": notebook, "run_id": run_id, "status": "succeeded",
                                                "title": f"t {params_file}", "params_file": params_file})
            runs[(params_file, notebook)] = run_id
    rebuild_index(tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    latest = index[:index.index("<table")]
    for params_file in ("default.yaml", "demo_b2b.yaml"):
        group = latest[latest.index(f"<code>{params_file}</code>"):]
        links = [group.index(f"{nb}/{runs[(params_file, nb)]}/report.html") for nb in (HEADLINE, "00_data_quality", "40_clv")]
        assert links == sorted(links), params_file
    assert latest.index("demo_b2b.yaml") < latest.index("default.yaml")  # the newest scenario first


def test_concurrent_index_rebuilds_lose_no_run(tmp_path: Path):
    def worker(i: int) -> None:
        _fake_run(tmp_path, f"nb{i % 3}", "succeeded")
        rebuild_index(tmp_path)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    manifests = list(tmp_path.glob(f"*/*/{MANIFEST}"))
    assert len(manifests) == 24
    for manifest in manifests:
        assert json.loads(manifest.read_text())["run_id"] in index
