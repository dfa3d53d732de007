"""The generator's recorder: µs resolution and the wall-clock window (no load, no locust)."""

from __future__ import annotations

import time

from hdrh.histogram import HdrHistogram

from bench.runner.generator import Recorder


def test_sub_millisecond_latencies_keep_their_microseconds() -> None:
    rec = Recorder()
    rec.set_window(time.time() - 1, time.time() + 60)
    for ms in (0.3127, 0.4501, 0.2999, 12.5):
        rec.on_request(response_time=ms)
    hist = HdrHistogram.decode(rec.payload()["hdr"])
    assert hist.get_total_count() == 4
    assert hist.get_min_value() == 300  # 299.9 µs rounds to 300, not to 0 ms
    assert 312 <= hist.get_value_at_percentile(50) <= 313


def test_only_requests_completed_inside_the_window_count() -> None:
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
