"""A rich progress bar in planned seconds (so its ETA is the plan's), on stderr.

Without a terminal (CI, a log file) the bar is off; one plain line per visit (and per stage
before the visits) says where the run is instead: elapsed, share of the plan, ETA.
"""

from __future__ import annotations

import time

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
        self._planned = planned_s
        self._done = 0.0
        self._started = time.monotonic()
        self._plain = not console.is_terminal

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def cell(self, description: str) -> None:
        self._progress.update(self._task, description=description)
        # A visit starts with "round R/N NAME: starting"; its cells follow without a colon.
        if self._plain and (
            description.endswith(": starting") or not description.startswith("round")
        ):
            self.log(self.line(description))

    def advance(self, planned_s: float) -> None:
        self._progress.advance(self._task, planned_s)
        self._done += planned_s

    def line(self, description: str) -> str:
        """`[  2:31] 21% of 11.8 min planned, ETA 9:12: round 1/3 flask: starting`"""
        elapsed = time.monotonic() - self._started
        share = min(1.0, self._done / self._planned) if self._planned > 0 else 0.0
        remaining = max(0.0, self._planned - self._done)
        # The plan's remaining seconds, scaled by how fast the plan has gone so far.
        pace = elapsed / self._done if self._done > 0 else 1.0
        return (
            f"[{self._clock(elapsed)}] {share:.0%} of {self._planned / 60:.1f} min planned, "
            f"ETA {self._clock(remaining * pace)}: {description}"
        )

    @staticmethod
    def _clock(seconds: float) -> str:
        minutes, secs = divmod(int(seconds), 60)
        return f"{minutes:>3}:{secs:02}"

    def log(self, message: str) -> None:
        """A line that stays (above the bar on a terminal, plain in a log file)."""
        self.console.print(message, highlight=False, markup=False)
