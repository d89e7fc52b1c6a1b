"""The run registry: run ids, run folders, manifests and ``reports/index.html``.

Layout: ``reports/<notebook>/<run-id>/`` with ``report.html``, ``<notebook>.ipynb``,
``manifest.json`` and exports; ``reports/<notebook>/latest.html`` points at the newest successful
run; ``reports/index.html`` lists every run, newest first. A run folder is created exclusively, so
no run ever overwrites another; the index is rebuilt from the manifests under a file lock and
written atomically, so runs finishing at once never lose each other.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import html
import json
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from workbench.files import write_text

MANIFEST = "manifest.json"
REPORT = "report.html"
INDEX = "index.html"
LATEST = "latest.html"


_clock_lock = threading.Lock()
_last_time = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def _monotonic_now() -> dt.datetime:
    """UTC now, strictly increasing within this process (so ids of one process never tie)."""
    global _last_time
    with _clock_lock:
        now = max(dt.datetime.now(dt.timezone.utc), _last_time + dt.timedelta(microseconds=1))
        _last_time = now
    return now


def new_run_id(now: dt.datetime | None = None) -> str:
    """``20261124T195301.123456Z-3f9a1c07d2``: sorts by UTC start time; the 40-bit random tail
    keeps ids of different processes apart when they start in the same microsecond (and the run
    folder is created exclusively, so even a collision could not overwrite a run)."""
    now = now or _monotonic_now()
    return f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{secrets.token_hex(5)}"


def create_run_dir(reports: Path, notebook: str) -> tuple[str, Path]:
    """A fresh, exclusively created run folder for ``notebook`` (never an existing one)."""
    parent = reports / notebook
    parent.mkdir(parents=True, exist_ok=True)
    while True:
        run_id = new_run_id()
        path = parent / run_id
        try:
            path.mkdir()
        except FileExistsError:  # pragma: no cover - needs a collision of 40 random bits in one microsecond
            continue
        return run_id, path


#: A lock file each run folder holds while its runner lives (an advisory ``flock``, released by the
#: operating system when the process ends, however it ends).
RUN_LOCK = ".running"
RUNNING, INTERRUPTED = "running", "interrupted"


@contextmanager
def holding_run(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir``'s run lock for the block: the run is alive while the lock is held."""
    try:
        with open(run_dir / RUN_LOCK, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        (run_dir / RUN_LOCK).unlink(missing_ok=True)


def runner_alive(run_dir: Path) -> bool:
    """True while a runner holds the run's lock (a run marked running whose lock is free was killed)."""
    try:
        handle = open(run_dir / RUN_LOCK, "r")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def write_json_atomic(path: Path, content: Any) -> None:
    """Write JSON via a temporary file and rename, so readers never see half a file."""
    write_text_atomic(path, json.dumps(content, indent=2, ensure_ascii=False, default=str))


def write_text_atomic(path: Path, text: str) -> None:
    write_text(path, text)


@dataclass(frozen=True)
class RunRecord:
    """One run as listed in the index: its folder and manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def notebook(self) -> str:
        return self.manifest.get("notebook", self.path.parent.name)

    @property
    def run_id(self) -> str:
        return self.manifest.get("run_id", self.path.name)

    @property
    def status(self) -> str:
        """The manifest's status, except that a run still marked running whose runner has gone
        (killed, crashed, machine restarted) is ``interrupted``."""
        status = self.manifest.get("status", "unknown")
        if status == RUNNING and not runner_alive(self.path):
            return INTERRUPTED
        return status


def list_runs(reports: Path) -> list[RunRecord]:
    """Every run under ``reports``, newest first (a run still writing shows as ``running``)."""
    runs = []
    for manifest in reports.glob(f"*/*/{MANIFEST}"):
        try:
            content = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            content = {"status": "unreadable"}
        runs.append(RunRecord(manifest.parent, content))
    return sorted(runs, key=lambda run: run.run_id, reverse=True)


@contextmanager
def _locked(reports: Path) -> Iterator[None]:
    reports.mkdir(parents=True, exist_ok=True)
    with open(reports / ".index.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def rebuild_index(reports: Path) -> Path:
    """Rewrite ``index.html`` and every notebook's ``latest.html`` from the manifests."""
    with _locked(reports):
        runs = list_runs(reports)
        for run in runs:
            if run.status == INTERRUPTED and run.manifest.get("status") == RUNNING:
                _mark_interrupted(run)
        latest: dict[str, RunRecord] = {}
        for run in runs:
            if run.status == "succeeded" and run.notebook not in latest:
                latest[run.notebook] = run
        for notebook, run in latest.items():
            target = f"{run.run_id}/{REPORT}"
            write_text_atomic(reports / notebook / LATEST, _redirect_page(target, notebook))
        write_text_atomic(reports / INDEX, _index_page(runs))
    return reports / INDEX


def _mark_interrupted(run: RunRecord) -> None:
    """Record a run whose runner went away as interrupted (kept, never deleted). The manifest is
    read again first: a runner writes its final manifest before it lets go of the lock."""
    try:
        manifest = json.loads((run.path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return
    if manifest.get("status") != RUNNING:
        run.manifest.update(manifest)
        return
    run.manifest.update(manifest)
    run.manifest["status"] = INTERRUPTED
    run.manifest["error"] = run.manifest.get("error") or {
        "cell": None, "cell_index": None, "name": "Interrupted",
        "message": "the runner stopped before the run finished (killed, crashed or the machine restarted)",
    }
    try:
        write_json_atomic(run.path / MANIFEST, run.manifest)
    except OSError:  # a read-only or full reports folder: the index still shows it as interrupted
        pass


def _redirect_page(target: str, notebook: str) -> str:
    t = html.escape(target, quote=True)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={t}"><title>{html.escape(notebook)} (latest)</title>'
        f'</head><body><a href="{t}">latest {html.escape(notebook)} report</a></body></html>'
    )


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.35rem .6rem;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}
th{background:#f4f4f4}.succeeded{color:#1a7f37}.failed{color:#cf222e;font-weight:600}
.running{color:#9a6700}.interrupted{color:#9a6700;font-weight:600}code{font-size:.85rem}
"""


#: The headline report: listed first for every scenario on the index.
HEADLINE = "90_compare_methods"


def _index_order(notebook: str) -> tuple[bool, str]:
    return notebook != HEADLINE, notebook


def _latest_by_scenario(runs: list[RunRecord]) -> dict[tuple[str, str], dict[str, RunRecord]]:
    """(title, params file) -> notebook -> its newest successful run; scenarios newest first."""
    out: dict[tuple[str, str], dict[str, RunRecord]] = {}
    for run in runs:  # newest first
        if run.status != "succeeded":
            continue
        key = (str(run.manifest.get("title", "")), str(run.manifest.get("params_file") or ""))
        out.setdefault(key, {}).setdefault(run.notebook, run)
    return out


def _index_page(runs: list[RunRecord]) -> str:
    esc = html.escape
    groups = []
    for (title, params_file), notebooks in _latest_by_scenario(runs).items():
        items = "".join(
            f'<li><a href="{esc(nb)}/{esc(run.run_id)}/{REPORT}">{esc(nb)}</a>'
            f'{" <b>(headline)</b>" if nb == HEADLINE else ""} <small>{esc(run.run_id)}</small></li>'
            for nb, run in sorted(notebooks.items(), key=lambda item: _index_order(item[0]))
        )
        source = f" <small><code>{esc(params_file)}</code></small>" if params_file else ""
        groups.append(f"<h3>{esc(title)}{source}</h3><ul>{items}</ul>")
    latest_items = "".join(groups)
    rows = []
    for run in runs:
        m = run.manifest
        link = f"{esc(run.notebook)}/{esc(run.run_id)}"
        duration = m.get("duration_seconds")
        rows.append(
            "<tr>"
            f"<td><code>{esc(run.run_id)}</code></td><td>{esc(run.notebook)}</td>"
            f'<td class="{esc(run.status)}">{esc(run.status)}</td>'
            f"<td>{esc(str(m.get('title', '')))}</td>"
            f"<td><code>{esc(str(m.get('params_hash', '')))}</code></td>"
            f"<td><code>{esc(str(m.get('data_fingerprint', ''))[:12])}</code></td>"
            f"<td>{'' if duration is None else f'{duration:.1f} s'}</td>"
            f'<td><a href="{link}/{REPORT}">report</a> · <a href="{link}/{MANIFEST}">manifest</a></td>'
            "</tr>"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>workbench reports</title>'
        f"<style>{_STYLE}</style></head><body><h1>workbench reports</h1>"
        f"<h2>Latest</h2>{latest_items or '<ul><li>no successful run yet</li></ul>'}"
        "<h2>All runs (newest first)</h2><table><thead><tr><th>run</th><th>notebook</th><th>status</th>"
        "<th>title</th><th>params</th><th>data</th><th>duration</th><th>links</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>"
    )
