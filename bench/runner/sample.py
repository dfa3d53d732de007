"""One measured window: the generator's counts and histograms, with server and generator CPU
snapshotted by the harness at the window's own start and end instants.

Nothing else runs in the harness during the window: memory is read once after it (each
process's VmHWM), and /proc/stat is read at the two instants for the steal and irq time of the
server's cores. The speed of those cores is probed just before the window and just after it
(bench.runner.speed), during the warm-up and the drain, never inside it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

from bench.runner.client import Generator
from bench.runner.measure import Source, core_times, cpu_between, shares_between, wait_between
from bench.runner.protocol import LoadResult, LoadSpec
from bench.runner.speed import probe_cores_us


@dataclass(frozen=True)
class WindowReadings:
    server_cpu_s: float
    generator_cpu_s: float
    server_wait_s: float
    generator_wait_s: float
    interval_s: float
    rss_peak_bytes: float
    steal_share: float = math.nan
    irq_share: float = math.nan
    database_cpu_s: float = math.nan
    probe_before_us: float = math.nan
    probe_after_us: float = math.nan


@dataclass(frozen=True)
class Measurement:
    spec: LoadSpec
    result: LoadResult
    readings: WindowReadings
    latency: HdrHistogram
    """Successful requests, from the intended send time (closed loop: from the actual send)."""
    service: HdrHistogram
    failed: HdrHistogram

    @property
    def achieved_rps(self) -> float:
        """Responses delivered inside the window per second (open loop and closed alike)."""
        return self.result.completed / self.result.duration_s

    @property
    def succeeded(self) -> int:
        return self.result.requests - self.result.failures

    def latency_us(self, percentile: float) -> float:
        return _at(self.latency, percentile)

    def service_us(self, percentile: float) -> float:
        return _at(self.service, percentile)

    @property
    def latency_max_us(self) -> float:
        h = self.latency
        return float(h.get_max_value()) if h.get_total_count() else math.nan

    @property
    def latency_mean_us(self) -> float:
        h = self.latency
        return float(h.get_mean_value()) if h.get_total_count() else math.nan

    @property
    def error_share(self) -> float:
        return self.result.failures / self.result.requests if self.result.requests else 0.0

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
    def database_cpu_us_per_req(self) -> float:
        """PostgreSQL's CPU (its whole process tree) per response delivered in the window."""
        if not self.result.completed:
            return math.nan
        return self.readings.database_cpu_s * 1e6 / self.result.completed

    @property
    def server_cpu_us_per_req(self) -> float:
        """The window's server CPU over the responses it delivered in the same window."""
        if not self.result.completed:
            return math.nan
        return self.readings.server_cpu_s * 1e6 / self.result.completed


def _at(histogram: HdrHistogram, percentile: float) -> float:
    if not histogram.get_total_count():
        return math.nan
    return float(histogram.get_value_at_percentile(percentile))


def _sleep_until(wall: float) -> None:
    while (left := wall - time.time()) > 0:
        time.sleep(min(left, 0.05))


def drive(
    generator: Generator,
    spec: LoadSpec,
    server: Source,
    gen: Source,
    server_cpus: tuple[int, ...] = (),
    *,
    database: Source | None = None,
) -> Measurement:
    def on_window(start: float, end: float) -> WindowReadings:
        before = probe_cores_us(server_cpus)
        _sleep_until(start)
        c0 = core_times(server_cpus) if server_cpus else None
        d0 = database.cpu() if database is not None else None
        s0, g0, t0 = server.cpu(), gen.cpu(), time.monotonic()
        _sleep_until(end)
        s1, g1, t1 = server.cpu(), gen.cpu(), time.monotonic()
        d1 = database.cpu() if database is not None else None
        c1 = core_times(server_cpus) if server_cpus else None
        after = probe_cores_us(server_cpus)
        steal, irq = shares_between(c0, c1) if c0 and c1 else (math.nan, math.nan)
        try:
            peak = server.rss_peak_bytes()
        except (OSError, ValueError):
            peak = math.nan
        return WindowReadings(
            server_cpu_s=cpu_between(s0, s1),
            generator_cpu_s=cpu_between(g0, g1),
            server_wait_s=wait_between(s0, s1),
            generator_wait_s=wait_between(g0, g1),
            interval_s=t1 - t0,
            rss_peak_bytes=peak,
            steal_share=steal,
            irq_share=irq,
            database_cpu_s=cpu_between(d0, d1) if d0 and d1 else math.nan,
            probe_before_us=before,
            probe_after_us=after,
        )

    result, readings = generator.run(spec, on_window)
    return Measurement(
        spec,
        result,
        readings,
        HdrHistogram.decode(result.latency_hdr),
        HdrHistogram.decode(result.service_hdr),
        HdrHistogram.decode(result.failures_hdr),
    )
