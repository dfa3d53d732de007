"""What the harness and the Locust subprocess say to each other: one JSON object per line.

The harness writes a LoadSpec per cell on the generator's stdin; the generator answers on
stdout with a `window` line (wall-clock start and end of the measured window, so the harness
can snapshot server CPU at the same instants) and then a `result` line. Lines without the
prefix are Locust's own chatter and are ignored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

PREFIX = "@@bench "


@dataclass(frozen=True)
class LoadSpec:
    sample_id: str
    base_url: str
    requests: list[dict[str, Any]]
    """bench.runner.config.Request fields, as dicts."""
    users: int
    rate: float | None
    """Offered requests/s for all users together (open loop, each user on a fixed schedule);
    None = closed loop without wait."""
    warmup_s: float
    window_s: float
    csv_prefix: str | None = None
    hdr_prefix: str | None = None
    """hdr/<sample-id>: the generator writes <prefix>.{latency,service,failures}.hdr."""
    processes: int = 0
    """0: one local runner; N: a master and N worker processes."""
    connection_close: bool = False
    seed: int = 0
    schedule_key: str = ""
    """Seeds the arrival schedule and the request choices together with `seed`: the same
    key and seed give the same schedule on every run and machine (no PIDs, no clocks)."""
    drain_s: float = 3.0
    """Open loop: how long after the window requests intended inside it may still complete;
    those still open then are failures (timed out), never dropped."""
    subwindows: int = 4
    """The window is also cut into this many equal parts, each with its own p99 and count,
    for the steady-state check of a capacity step."""

    def line(self) -> str:
        return json.dumps(asdict(self)) + "\n"

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> LoadSpec:
        return cls(**doc)

    @property
    def open_loop(self) -> bool:
        return self.rate is not None


@dataclass(frozen=True)
class LoadResult:
    sample_id: str
    window_start: float
    window_end: float
    requests: int
    """Open loop: requests intended inside the window; closed loop: completed inside it."""
    failures: int
    latency_hdr: str
    """Successful requests: completion minus intended send (closed loop: minus actual send),
    µs, HdrHistogram's base64 encoding."""
    service_hdr: str
    """The same requests: completion minus actual send, µs."""
    failures_hdr: str
    """Failed requests (status, exception, still open at the drain deadline): latency, µs."""
    users: int
    completed: int = 0
    """Responses (successful or not) that arrived inside the window, whatever their intended
    time: the delivered throughput."""
    in_flight_end: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    sub_requests: list[int] = field(default_factory=list)
    sub_p99_us: list[float] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.window_end - self.window_start


def emit(event: str, **data: Any) -> str:
    return PREFIX + json.dumps({"event": event, **data}) + "\n"


def parse(line: str) -> dict[str, Any] | None:
    if not line.startswith(PREFIX):
        return None
    doc: dict[str, Any] = json.loads(line[len(PREFIX) :])
    return doc
