"""What ``workbench run`` shows while it works: a live line on a terminal (notebook i of n, cell j
of m, elapsed), one plain line per notebook in logs (cron, CI), and a final table of the runs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from workbench.report.run import RunResult


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:d}:{secs:02d}"


class PlainProgress:
    """One line per finished notebook (and one before the first): for logs, not terminals."""

    def __init__(self, console: Console, total: int):
        self.console, self.total = console, total
        self.index, self.cells, self.cell = 0, 0, 0
        self.console.print(f"running {total} notebook{'s' * (total != 1)}", highlight=False)

    def notebook_started(self, notebook: str, cells: int) -> None:
        self.index += 1
        self.notebook, self.cells, self.cell = notebook, cells, 0
        self.started = time.monotonic()

    def cell_started(self, number: int) -> None:
        self.cell = number

    def notebook_finished(self, result: RunResult) -> None:
        self.console.print(f"[{self.index}/{self.total}] {result.describe()}", highlight=False, soft_wrap=True,
                           style=None if result.ok else "red")

    def close(self) -> None:
        """Nothing is left open."""


class LiveProgress(PlainProgress):
    """The plain lines, plus a live status line redrawn four times a second on a terminal."""

    def __init__(self, console: Console, total: int):
        super().__init__(console, total)
        self.notebook = ""
        self.live = Live(self, console=console, refresh_per_second=4, transient=True)
        self.live.start()

    def __rich__(self) -> Text:
        if not self.notebook:
            return Text("")
        elapsed = _clock(time.monotonic() - self.started)
        return Text.assemble(
            ("running ", "bold"), f"notebook {self.index} of {self.total} ", (self.notebook, "cyan"),
            f"  cell {self.cell} of {self.cells}  {elapsed}",
        )

    def notebook_finished(self, result: RunResult) -> None:
        self.notebook = ""
        super().notebook_finished(result)

    def close(self) -> None:
        self.live.stop()


def start_progress(console: Console, total: int, *, live: bool | None = None) -> PlainProgress:
    """A live display when ``console`` is a terminal (or ``live`` says so), else plain lines."""
    live = console.is_terminal if live is None else live
    return LiveProgress(console, total) if live else PlainProgress(console, total)


def _cells(counts: dict | None) -> str:
    """``completed/total`` cells of a run."""
    return f"{counts['completed']}/{counts['total']}" if counts else ""


def runs_table(results: Sequence[RunResult]) -> Table:
    """The final table: one row per run with its status, duration, cells and report."""
    table = Table("notebook", "status", "duration", "cells", "run id", "report", title="runs")
    for result in results:
        style = "green" if result.ok else "red"
        duration = result.manifest.get("duration_seconds")
        table.add_row(
            result.notebook, f"[{style}]{result.status}[/{style}]",
            "" if duration is None else _clock(duration), _cells(result.manifest.get("cells")),
            result.run_id, str(result.report),
        )
    return table
