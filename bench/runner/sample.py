"""One measured window: the generator's counts and histogram, with server and generator CPU
snapshotted by the harness at the window's own start and end instants."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

from bench.runner.client import Generator
from bench.runner.measure import PeakSampler, Source, cpu_between, wait_between
from bench.runner.protocol import LoadResult, LoadSpec


@dataclass(frozen=True)
class WindowReadings:
    server_cpu_s: float
    generator_cpu_s: float
    server_wait_s: float
    generator_wait_s: float
    interval_s: float
    rss_peak_bytes: float


@dataclass(frozen=True)
class Measurement:
    spec: LoadSpec
    result: LoadResult
    readings: WindowReadings
    histogram: HdrHistogram

    @property
    def achieved_rps(self) -> float:
        return self.result.requests / self.result.duration_s

    def latency_us(self, percentile: float) -> float:
        if self.result.requests == 0:
            return math.nan
        return float(self.histogram.get_value_at_percentile(percentile))

    @property
    def latency_max_us(self) -> float:
        return float(self.histogram.get_max_value()) if self.result.requests else math.nan

    @property
    def latency_mean_us(self) -> float:
        return float(self.histogram.get_mean_value()) if self.result.requests else math.nan

    def server_util(self, cores: int) -> float:
        return self.readings.server_cpu_s / (self.readings.interval_s * cores)

    def generator_util(self, cores: int) -> float:
        return self.readings.generator_cpu_s / (self.readings.interval_s * cores)

    def generator_wait_util(self, cores: int) -> float:
        return self.readings.generator_wait_s / (self.readings.interval_s * cores)

    def server_wait_util(self, cores: int) -> float:
        return self.readings.server_wait_s / (self.readings.interval_s * cores)

    def generator_demand(self, cores: int) -> float:
        """Share of its cores the generator used or waited for: what decides generator-bound."""
        wait = self.generator_wait_util(cores)
        return self.generator_util(cores) + (0.0 if math.isnan(wait) else wait)

    @property
    def server_cpu_us_per_req(self) -> float:
        if not self.result.requests:
            return math.nan
        return self.readings.server_cpu_s * 1e6 / self.result.requests


def _sleep_until(wall: float) -> None:
    while (left := wall - time.time()) > 0:
        time.sleep(min(left, 0.05))


def drive(generator: Generator, spec: LoadSpec, server: Source, gen: Source) -> Measurement:
    def on_window(start: float, end: float) -> WindowReadings:
        _sleep_until(start)
        s0, g0, t0 = server.cpu(), gen.cpu(), time.monotonic()
        with PeakSampler(server.rss_bytes) as peak:
            _sleep_until(end)
        s1, g1, t1 = server.cpu(), gen.cpu(), time.monotonic()
        return WindowReadings(
            server_cpu_s=cpu_between(s0, s1),
            generator_cpu_s=cpu_between(g0, g1),
            server_wait_s=wait_between(s0, s1),
            generator_wait_s=wait_between(g0, g1),
            interval_s=t1 - t0,
            rss_peak_bytes=peak.peak,
        )

    result, readings = generator.run(spec, on_window)
    return Measurement(spec, result, readings, HdrHistogram.decode(result.hdr))
