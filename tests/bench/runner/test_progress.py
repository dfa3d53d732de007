"""Without a terminal: one plain line per visit and per stage, with elapsed, plan share, ETA."""

from __future__ import annotations

import io
import re

from rich.console import Console

from bench.runner.progress import RunProgress


def test_plain_lines_one_per_visit_without_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    with RunProgress(120.0, console) as progress:
        progress.cell("calibration")
        progress.advance(12.0)
        for name in ("flask", "bottle"):
            progress.cell(f"round 1/1 {name}: starting")
            for cell in ("plaintext-rate-0.1", "json-rate-0.1"):
                progress.cell(f"round 1/1 {name} {cell}")
                progress.advance(10.0)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert re.fullmatch(r"\[  0:00\] 0% of 2\.0 min planned, ETA   2:00: calibration", lines[0])
    assert lines[1].endswith("10% of 2.0 min planned, ETA   0:00: round 1/1 flask: starting")
    assert "27% of 2.0 min planned" in lines[2] and lines[2].endswith("bottle: starting")


def test_a_terminal_gets_the_bar_and_no_lines() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with RunProgress(60.0, console) as progress:
        progress.cell("round 1/1 flask: starting")
    assert "planned, ETA" not in out.getvalue()
