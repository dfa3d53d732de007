"""Versioned schemas of what a run writes to results/<run-id>/.

Shared by the runner (writes), the report and compare (read), and the tests (validate).
History of RESULTS_SCHEMA_VERSION:
  1 — first version: run.json, samples.csv, facts.json, locust/<sample-id>_*.csv,
      hdr/<sample-id>.hdr (HdrHistogram base64 encoding, microseconds, timed from the actual
      send: coordinated omission hides a stalled server's queue).
  2 — measurement v2: latency timed from each request's intended send time (open loop), the
      service time from the actual send beside it, failures apart; modes rate | peak |
      capacity | closed; the bound of every window; steal and irq time of the server's
      cores; hdr/<sample-id>.{latency,service,failures}.hdr.
  3 — the speed of the server's cores probed just before and just after each window
      (core_probe_before_us, core_probe_after_us; bench.runner.speed): a shared VM's host
      slows a core without counting steal. A v2 file loads with the two columns empty.
  Files of a v2/v3 run: run.json, samples.csv (SAMPLE_COLUMNS), facts.json,
  hdr/<sample-id>.latency.hdr (intended-time latency of successful requests),
  hdr/<sample-id>.service.hdr (actual-send service time of the same requests),
  hdr/<sample-id>.failures.hdr (intended-time latency of failed ones, timeouts included),
  locust/<sample-id>_*.csv (Locust's own raw stats), crosscheck.json (the same server driven
  by wrk, its CPU read from /proc: the outside reference), calibration.json when measured.
Readers accept every version in READABLE_VERSIONS; a v1 file is loaded with the v2 columns it
lacks left empty (NaN), and its `latency_*` columns keep their v1 meaning (actual send).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

RESULTS_SCHEMA_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)

ColumnType = Literal["str", "int", "float", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    doc: str
    nullable: bool = False


MODES = ("rate", "peak", "capacity", "closed")
BOUNDS = ("server", "generator", "slo", "errors", "threads", "")
"""What limited a window (or a capacity search):
  server     the server's cores were >= 90% busy: the number is the server's.
  generator  the generator used or waited for >= 85% of its cores: a lower bound.
  slo        (capacity) the next rate up broke p99 <= SLO (from intended send times).
  errors     failures >= 0.1% of requests.
  threads    neither core busy: the server's concurrency (threads, workers, the GIL) or the
             number of users held it back; a lower bound of what more slots would give.
  ''         open-loop rate cells below saturation: nothing was meant to run out."""

# Version 1: one row per framework x deployment x scenario x mode x level x trial.
V1_SAMPLE_COLUMNS: tuple[Column, ...] = (
    Column("run_id", "str", "the run directory's name"),
    Column("sample_id", "str", "unique within the run; names the raw Locust CSVs"),
    Column("framework", "str", "registry name (flask ... raw-asgi)"),
    Column("server", "str", "gunicorn | uvicorn | cheroot"),
    Column("deployment", "str", "local | docker"),
    Column("scenario", "str", "plaintext json users echo template cookie io mixed"),
    Column("mode", "str", "rate (open loop) | capacity (search step) | closed (N users, no wait)"),
    Column("round", "int", "interleaving round (0-based)"),
    Column("trial", "int", "trial number of this cell (0-based)"),
    Column("users", "int", "Locust users"),
    Column("offered_rps", "float", "offered rate; empty for closed loop", nullable=True),
    Column("io_ms", "int", "server-side wait of /io?ms=N; 0 for other scenarios"),
    Column("duration_s", "float", "length of the measured (steady) window"),
    Column("requests", "int", "requests completed in the window"),
    Column("failures", "int", "failed requests in the window (status or contract)"),
    Column("achieved_rps", "float", "requests / duration_s"),
    Column("latency_p50_us", "float", "from the HdrHistogram, microseconds", nullable=True),
    Column("latency_p90_us", "float", "", nullable=True),
    Column("latency_p99_us", "float", "", nullable=True),
    Column("latency_p999_us", "float", "", nullable=True),
    Column("latency_max_us", "float", "", nullable=True),
    Column("latency_mean_us", "float", "", nullable=True),
    Column(
        "server_cpu_s",
        "float",
        "utime+stime of the server's process tree (or cgroup) in the window; empty for a "
        "target without --target-cgroup",
        nullable=True,
    ),
    Column("server_cpu_us_per_req", "float", "server_cpu_s * 1e6 / requests", nullable=True),
    Column("server_cores", "int", "cores the server was pinned to (its budget)"),
    Column(
        "server_cpu_util",
        "float",
        "server_cpu_s / (duration_s * server_cores), 0..1",
        nullable=True,
    ),
    Column(
        "server_runq_util",
        "float",
        "time the server's threads were runnable but waiting for a CPU (schedstat run_delay) / "
        "(duration_s * server_cores): contention from other processes; empty for a target",
        nullable=True,
    ),
    Column("rss_idle_mib", "float", "server tree RSS after start-up, before load", nullable=True),
    Column("rss_peak_mib", "float", "highest server tree RSS sampled in the window", nullable=True),
    Column("generator_cpu_util", "float", "generator CPU / (duration_s * generator cores), 0..1"),
    Column(
        "generator_runq_util",
        "float",
        "generator run-queue wait / (duration_s * generator cores): CPU it wanted but did not get",
    ),
    Column(
        "generator_bound",
        "bool",
        "generator_cpu_util + generator_runq_util >= 0.85: the numbers describe the generator",
    ),
    Column(
        "stop_reason",
        "str",
        "capacity mode, on the search's last step: server-bound | generator-bound | slo | "
        "max-steps; '' on other rows",
    ),
    Column(
        "capacity_rps",
        "float",
        "capacity mode, last step: highest sustained rate; a lower bound ('>=') when "
        "stop_reason is generator-bound or max-steps",
        nullable=True,
    ),
    Column("rate_shortfall", "bool", "open loop: achieved_rps < 95% of offered_rps"),
    Column("startup_s", "float", "spawn to first 200", nullable=True),
    Column("workers", "int", "server processes"),
    Column("threads", "int", "threads per process"),
    Column("server_cpus", "str", "CPU list the server was pinned to, e.g. '0'"),
    Column("generator_cpus", "str", "CPU list the generator was pinned to, e.g. '1'"),
)


# One row per framework x server x deployment x scenario x mode x load level x trial.
V2_SAMPLE_COLUMNS: tuple[Column, ...] = (
    Column("run_id", "str", "the run directory's name"),
    Column("sample_id", "str", "unique within the run; names the raw files"),
    Column("framework", "str", "registry name (flask ... raw-asgi)"),
    Column("server", "str", "gunicorn | uvicorn | cheroot | ..."),
    Column("deployment", "str", "local | docker"),
    Column("scenario", "str", "plaintext json users echo template cookie io mixed ..."),
    Column(
        "mode",
        "str",
        "rate (open loop at a fixed offered rate) | peak (closed loop, no wait, saturation) | "
        "capacity (open-loop search step) | closed (N users, e.g. the /io sweep)",
    ),
    Column("round", "int", "interleaving round (0-based); one server process per round"),
    Column("trial", "int", "trial number of this cell (0-based)"),
    Column("cell_index", "int", "position of the cell in its visit (shuffled per visit)"),
    Column("step", "int", "capacity mode: search step (0-based); -1 on other rows"),
    Column("users", "int", "Locust users (= connections)"),
    Column("offered_rps", "float", "open loop: offered rate; empty for peak/closed", nullable=True),
    Column("io_ms", "int", "server-side wait of /io?ms=N; 0 for other scenarios"),
    Column("duration_s", "float", "length of the measured (steady) window"),
    Column(
        "requests",
        "int",
        "open loop: requests whose intended send time fell in the window (all of them, "
        "completed or not); closed loop: requests completed in the window",
    ),
    Column("failures", "int", "failed requests among `requests` (status, timeout, still open)"),
    Column("in_flight_end", "int", "open loop: of `requests`, still unanswered at window end"),
    Column("achieved_rps", "float", "successful + failed responses / duration_s"),
    Column(
        "latency_p50_us",
        "float",
        "completion minus intended send time (open loop; closed loop: minus actual send), µs",
        nullable=True,
    ),
    Column("latency_p90_us", "float", "", nullable=True),
    Column("latency_p99_us", "float", "", nullable=True),
    Column("latency_p999_us", "float", "", nullable=True),
    Column("latency_max_us", "float", "", nullable=True),
    Column("latency_mean_us", "float", "", nullable=True),
    Column("service_p50_us", "float", "completion minus actual send, µs", nullable=True),
    Column("service_p90_us", "float", "", nullable=True),
    Column("service_p99_us", "float", "", nullable=True),
    Column(
        "server_cpu_s",
        "float",
        "utime+stime of the server's process tree (or cgroup) in the window; empty for a "
        "target without --target-cgroup",
        nullable=True,
    ),
    Column("server_cpu_us_per_req", "float", "server_cpu_s * 1e6 / requests", nullable=True),
    Column("server_cores", "int", "cores the server was pinned to (its budget)"),
    Column(
        "server_cpu_util",
        "float",
        "server_cpu_s / (duration_s * server_cores), 0..1",
        nullable=True,
    ),
    Column(
        "server_runq_util",
        "float",
        "time the server's threads were runnable but waiting for a CPU (schedstat run_delay) / "
        "(duration_s * server_cores): contention from other processes; empty for a target",
        nullable=True,
    ),
    Column(
        "database_cpu_us_per_req",
        "float",
        "database scenarios: the private PostgreSQL's CPU (postmaster and backends) per "
        "response in the window; empty elsewhere or for an existing --database-url",
        nullable=True,
    ),
    Column(
        "steal_share",
        "float",
        "steal time of the server's cores / their elapsed time in the window (/proc/stat)",
        nullable=True,
    ),
    Column(
        "irq_share",
        "float",
        "irq + softirq time of the server's cores / their elapsed time (/proc/stat)",
        nullable=True,
    ),
    Column("rss_idle_mib", "float", "server tree RSS after start-up, before load", nullable=True),
    Column(
        "rss_peak_mib",
        "float",
        "server tree peak RSS (sum of VmHWM, read after the window)",
        nullable=True,
    ),
    Column("generator_cpu_util", "float", "generator CPU / (duration_s * generator cores), 0..1"),
    Column(
        "generator_runq_util",
        "float",
        "generator run-queue wait / (duration_s * generator cores): CPU it wanted but did not get",
    ),
    Column(
        "generator_bound",
        "bool",
        "generator_cpu_util + generator_runq_util >= 0.85: the numbers describe the generator",
    ),
    Column("bound", "str", "what limited this window or search: " + " | ".join(BOUNDS[:-1])),
    Column(
        "capacity_rps",
        "float",
        "capacity mode: the search's result (highest rate meeting the SLO), on every step row "
        "of the search; a lower bound when bound is generator or threads",
        nullable=True,
    ),
    Column("passed", "bool", "capacity mode: this step met the SLO rules; false elsewhere"),
    Column("rate_shortfall", "bool", "open loop: achieved_rps < 99% of offered_rps"),
    Column("startup_s", "float", "spawn to first 200", nullable=True),
    Column("workers", "int", "server processes"),
    Column("threads", "int", "threads per process"),
    Column("server_cpus", "str", "CPU list the server was pinned to, e.g. '0'"),
    Column("generator_cpus", "str", "CPU list the generator was pinned to, e.g. '1'"),
)

# Version 3: version 2 and the speed of the server's cores around the window.
SAMPLE_COLUMNS: tuple[Column, ...] = (
    *V2_SAMPLE_COLUMNS,
    Column(
        "core_probe_before_us",
        "float",
        "CPU µs a fixed pure-Python loop took on the slowest server core just before the "
        "window (bench.runner.speed): larger is a slower core; empty for a target",
        nullable=True,
    ),
    Column(
        "core_probe_after_us",
        "float",
        "the same probe just after the window's end",
        nullable=True,
    ),
)

SAMPLE_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in SAMPLE_COLUMNS)

RUN_STATUSES = ("running", "complete", "incomplete", "failed")


def columns_for(version: int) -> tuple[Column, ...]:
    """The sample columns a results file of `version` was written with."""
    return {1: V1_SAMPLE_COLUMNS, 2: V2_SAMPLE_COLUMNS}.get(version, SAMPLE_COLUMNS)


def check_version(document: dict[str, Any], what: str) -> int:
    """The schema version of `document`; refuse one this bench cannot read."""
    version = document.get("schema_version")
    if version not in READABLE_VERSIONS:
        from bench.errors import UsageError

        raise UsageError(
            f"{what}: schema_version {version!r} is not supported "
            f"(this bench reads {', '.join(map(str, READABLE_VERSIONS))})"
        )
    assert isinstance(version, int)
    return version
