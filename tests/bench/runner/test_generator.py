"""The generator's recorder: µs resolution, windows by intended or completion time, and
open requests counted as failures, never dropped (no load, no locust)."""

from __future__ import annotations

import time
from types import SimpleNamespace

from hdrh.histogram import HdrHistogram

from bench.runner.generator import STILL_OPEN, Recorder, Schedule, redirect_error
from bench.runner.protocol import LoadSpec


def test_sub_millisecond_latencies_keep_their_microseconds() -> None:
    rec = Recorder()
    rec.set_window(time.time() - 1, time.time() + 60)
    for ms in (0.3127, 0.4501, 0.2999, 12.5):
        rec.on_request(response_time=ms)
    hist = HdrHistogram.decode(rec.payload()["latency_hdr"])
    assert hist.get_total_count() == 4
    assert hist.get_min_value() == 300  # 299.9 µs rounds to 300, not to 0 ms
    assert 312 <= hist.get_value_at_percentile(50) <= 313


def test_closed_loop_counts_what_completed_inside_the_window() -> None:
    rec = Recorder()
    rec.on_request(response_time=1.0)  # before any window is set: warm-up
    rec.set_window(time.time() - 1, time.time() + 60)
    rec.on_request(response_time=1.0)
    rec.on_request(response_time=2.0, exception=ConnectionResetError("reset by peer"))
    rec.set_window(time.time() - 2, time.time() - 1)
    rec.on_request(response_time=1.0)  # after the window closed
    payload = rec.payload()
    assert (payload["requests"], payload["failures"]) == (2, 1)
    assert payload["errors"] == {"reset by peer": 1}


def test_open_loop_times_from_the_intended_send_and_keeps_the_service_time_apart() -> None:
    now = time.time()
    rec = Recorder(open_loop=True)
    rec.set_window(now - 10, now + 60)
    # Intended 0.5 s ago, sent late, answered in 2 ms: the user waited 500 ms, not 2.
    rec.on_request(response_time=2.0, context={"intended": now - 0.5})
    payload = rec.payload()
    latency = HdrHistogram.decode(payload["latency_hdr"]).get_max_value()
    service = HdrHistogram.decode(payload["service_hdr"]).get_max_value()
    assert 495_000 <= latency <= 520_000
    assert 1_990 <= service <= 2_010


def test_open_loop_belongs_to_the_window_of_its_intended_time() -> None:
    now = time.time()
    rec = Recorder(open_loop=True)
    rec.set_window(now - 2, now - 1)  # the window is over, its late answers still count
    rec.on_request(response_time=5.0, context={"intended": now - 1.5})
    rec.on_request(response_time=5.0, context={"intended": now - 0.5})  # next window's
    assert rec.payload()["requests"] == 1
    assert rec.payload()["completed"] == 0  # none arrived inside the window itself


def test_a_request_still_open_at_the_deadline_is_a_failure() -> None:
    now = time.time()
    rec = Recorder(open_loop=True)
    rec.set_window(now - 3, now - 1)
    rec.fail_open(now - 2.0, now)
    rec.fail_open(now - 0.5, now)  # intended after the window: not this window's
    payload = rec.payload()
    assert (payload["requests"], payload["failures"]) == (1, 1)
    assert payload["errors"] == {STILL_OPEN: 1}
    assert HdrHistogram.decode(payload["failures_hdr"]).get_max_value() >= 1_990_000


def test_pending_lists_the_request_in_flight_and_the_backlog() -> None:
    spec = LoadSpec("s", "http://127.0.0.1:1", [], users=2, rate=20.0, warmup_s=0, window_s=1)
    schedule = Schedule(spec)  # each user every 0.1 s
    schedule.users = [
        SimpleNamespace(inflight=10.05, due=10.15),  # blocked since 10.05, two more due
        SimpleNamespace(inflight=None, due=10.42),  # idle, next one after the window
    ]
    assert schedule.pending(10.0, 10.3) == [10.05, 10.15, 10.25]


def test_a_redirect_is_a_failure_not_followed() -> None:
    assert redirect_error(SimpleNamespace(status_code=301)) is not None
    assert redirect_error(SimpleNamespace(status_code=200)) is None
    rec = Recorder()
    rec.set_window(time.time() - 1, time.time() + 60)
    rec.on_request(response_time=1.0, response=SimpleNamespace(status_code=302))
    assert rec.payload()["failures"] == 1


def test_closed_loop_service_time_is_the_latency_recorded_once() -> None:
    rec = Recorder()
    rec.set_window(time.time() - 1, time.time() + 60)
    for ms in (0.5, 1.5, 2.5):
        rec.on_request(response_time=ms)
    payload = rec.payload()
    latency = HdrHistogram.decode(payload["latency_hdr"])
    service = HdrHistogram.decode(payload["service_hdr"])
    assert service.get_total_count() == latency.get_total_count() == 3
    assert service.get_value_at_percentile(50) == latency.get_value_at_percentile(50)
