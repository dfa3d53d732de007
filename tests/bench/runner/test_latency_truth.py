"""Latency against a known truth: a server that pauses on a fixed schedule, driven open loop.

A user of that server sends each request at its intended time or, when held up, as soon as
its previous answer arrives; an answer comes at the end of the pause the request ran into
(or at once), plus the server's own service time. The true latency distribution follows from
the pause schedule and the users' schedules (the harness's: users evenly spread, 10 requests/s
each), with the server's unpaused service time as the only measured input. The harness's
latency (from intended send times) must match it within 10% at p95 and p99; the service time
(from the actual send, the old way) must not: a user held up by a pause sends the rest of its
schedule late, and timing from the actual send never counts that wait.
"""

from __future__ import annotations

import heapq
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram

from bench import ports
from bench.runner.client import Generator
from bench.runner.protocol import LoadSpec
from bench.server import probe

pytestmark = pytest.mark.slow

PERIOD_S, PAUSE_S = 4.0, 0.8
RATE, USERS, WINDOW_S = 100.0, 10, 8.0
SERVER = Path(__file__).with_name("pause_server.py")


def true_latencies_s(start: float, end: float, origin: float, service_s: float) -> list[float]:
    """Completion minus intended time of every request intended in [start, end).

    The server answers one request at a time (a pure-Python server under the GIL), first come
    first served, `service_s` each, and nothing during a pause; a user sends at its intended
    time or, when held up, as soon as its previous answer arrives.
    """
    period = USERS / RATE
    intended = [start - 10 * period + period * (u + 0.5) / USERS for u in range(USERS)]
    sends = [(t, u) for u, t in enumerate(intended)]
    heapq.heapify(sends)
    free = -math.inf  # when the server finishes what it already has
    out: list[float] = []
    while sends:
        sent, user = heapq.heappop(sends)
        due = intended[user]
        if due >= end:
            continue
        begin = max(sent, free)
        phase = (begin - origin) % PERIOD_S
        if phase < PAUSE_S:
            begin += PAUSE_S - phase
        free = begin + service_s
        if due >= start:
            out.append(free - due)
        intended[user] = due + period
        heapq.heappush(sends, (max(intended[user], free), user))
    return out


@pytest.fixture
def pausing_server() -> tuple[int, float]:
    port = ports.free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), str(port), str(PERIOD_S), str(PAUSE_S)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        origin = float(proc.stdout.readline())
        for _ in range(100):
            if probe(port, "/") == 200:
                break
        yield port, origin
    finally:
        proc.kill()
        proc.wait(5)


def test_latency_from_intended_send_times_matches_the_pause_schedule(
    pausing_server: tuple[int, float], tmp_path: Path
) -> None:
    port, origin = pausing_server
    generator = Generator(None, tmp_path / "generator.log")
    generator.start()
    try:
        spec = LoadSpec(
            sample_id="pause",
            base_url=f"http://127.0.0.1:{port}",
            requests=[{"name": "/", "path": "/", "method": "GET", "json_body": None}],
            users=USERS,
            rate=RATE,
            warmup_s=0.5,
            window_s=WINDOW_S,
            drain_s=2.0,
        )
        result, window = generator.run(spec, lambda start, end: (start, end))
    finally:
        generator.stop()
    start, end = window
    latency = HdrHistogram.decode(result.latency_hdr)
    service = HdrHistogram.decode(result.service_hdr)
    assert result.failures == 0
    # Every intended request of the window is counted, however late it was sent.
    assert abs(result.requests - RATE * WINDOW_S) <= 0.02 * RATE * WINDOW_S
    # The server's own service time, from requests no pause touched (the fastest half).
    service_s = service.get_value_at_percentile(50) / 1e6
    truths = true_latencies_s(start, end, origin, service_s)
    old_errors = []
    for q in (95, 99):
        truth = float(np.percentile(truths, q) * 1e6)
        measured = latency.get_value_at_percentile(q)
        assert abs(measured - truth) <= 0.10 * truth, (q, measured, truth)
        old_errors.append(abs(service.get_value_at_percentile(q) - truth) / truth)
    # The old way, from the actual send, fails the same check: it misses the held-back wait.
    assert max(old_errors) > 0.10, old_errors
