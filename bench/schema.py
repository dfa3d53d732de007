"""Versioned schemas of what a run writes to results/<run-id>/.

Shared by the runner (writes), the report and compare (read), and the tests (validate).
History of RESULTS_SCHEMA_VERSION:
  1 — first version: run.json, samples.csv, facts.json, locust/<sample-id>_*.csv,
      hdr/<sample-id>.hdr (HdrHistogram base64 encoding, microseconds).
Readers refuse a version they do not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

RESULTS_SCHEMA_VERSION = 1

ColumnType = Literal["str", "int", "float", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    doc: str
    nullable: bool = False


# One row per framework x deployment x scenario x mode x load level x trial. Units in names.
SAMPLE_COLUMNS: tuple[Column, ...] = (
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

SAMPLE_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in SAMPLE_COLUMNS)

RUN_STATUSES = ("running", "complete", "incomplete", "failed")


def check_version(document: dict[str, Any], what: str) -> None:
    """Refuse results written by an unknown schema version."""
    version = document.get("schema_version")
    if version != RESULTS_SCHEMA_VERSION:
        from bench.errors import UsageError

        raise UsageError(
            f"{what}: schema_version {version!r} is not supported "
            f"(this bench reads {RESULTS_SCHEMA_VERSION})"
        )
