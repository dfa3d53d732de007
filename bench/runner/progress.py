"""A rich progress bar in planned seconds (so its ETA is the plan's), on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class RunProgress:
    def __init__(self, planned_s: float, console: Console) -> None:
        self.console = console
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal,
        )
        self._task = self._progress.add_task("starting", total=planned_s)

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def cell(self, description: str) -> None:
        self._progress.update(self._task, description=description)

    def advance(self, planned_s: float) -> None:
        self._progress.advance(self._task, planned_s)

    def log(self, message: str) -> None:
        """A line that stays (above the bar on a terminal, plain in a log file)."""
        self.console.print(message, highlight=False, markup=False)
