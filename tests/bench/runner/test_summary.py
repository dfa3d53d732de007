"""The end-of-run table: medians, spread, lower bounds and the contention warning."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console

from bench.runner.summary import contention_warning, cv, table


def _row(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "framework": "flask", "scenario": "plaintext", "mode": "rate", "users": 10,
        "offered_rps": 500.0, "io_ms": 0, "achieved_rps": 500.0, "latency_p50_us": 900.0,
        "latency_p99_us": 3000.0, "server_cpu_us_per_req": 400.0, "rss_peak_mib": 100.0,
        "generator_bound": False, "rate_shortfall": False, "failures": 0, "bound": "",
        "capacity_rps": math.nan, "server_runq_util": 0.01, "generator_runq_util": 0.02,
        "server_cpu_util": 0.5,
    }  # fmt: skip
    row.update(kw)
    return row


def _render(rows: list[dict[str, Any]]) -> str:
    console = Console(width=200, record=True)
    console.print(table(rows))
    return console.export_text()


def test_cv_needs_two_trials() -> None:
    assert math.isnan(cv([1.0]))
    assert cv([1.0, 1.0]) == 0
    assert abs(cv([90.0, 110.0]) - 0.1414) < 1e-3


def test_generator_bound_capacity_prints_as_a_lower_bound() -> None:
    rows = [
        _row(mode="capacity", step=0, bound="generator", capacity_rps=9000.0,
             offered_rps=6000.0),
        _row(mode="capacity", step=1, bound="generator", capacity_rps=9000.0,
             generator_bound=True, offered_rps=15000.0),
    ]  # fmt: skip
    text = _render(rows)
    assert ">= 9,000" in text and "generator" in text
    server = _render([_row(mode="capacity", step=0, bound="server", capacity_rps=1200.0)])
    assert "1,200" in server and ">=" not in server


def test_a_peak_short_of_saturation_prints_as_a_lower_bound() -> None:
    threads = _render([_row(mode="peak", users=16, bound="threads", achieved_rps=800.0)])
    assert ">= 800" in threads
    server = _render([_row(mode="peak", users=16, bound="server", achieved_rps=3200.0)])
    assert "3,200" in server and ">=" not in server


def test_contention_warning_only_on_a_busy_machine() -> None:
    assert contention_warning([_row()]) is None
    busy = contention_warning([_row(server_runq_util=0.3, generator_runq_util=0.2)])
    assert busy is not None and "25%" in busy


def test_a_framework_on_two_servers_gets_a_row_per_server() -> None:
    rows = [
        _row(mode="peak", users=16, bound="server", achieved_rps=1500.0, server="gunicorn"),
        _row(mode="peak", users=16, bound="server", achieved_rps=2500.0, server="granian-wsgi"),
    ]
    text = _render(rows)
    assert "flask on gunicorn" in text and "flask on granian-wsgi" in text
    assert "1,500" in text and "2,500" in text  # two medians, not one of both servers
    assert "flask on" not in _render([_row(server="gunicorn")])
