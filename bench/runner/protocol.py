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
    """Offered requests/s for all users together; None = closed loop without wait."""
    warmup_s: float
    window_s: float
    csv_prefix: str | None = None
    hdr_path: str | None = None
    processes: int = 0
    """0: one local runner; N: a master and N worker processes."""
    connection_close: bool = False
    seed: int = 0

    def line(self) -> str:
        return json.dumps(asdict(self)) + "\n"

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> LoadSpec:
        return cls(**doc)


@dataclass(frozen=True)
class LoadResult:
    sample_id: str
    window_start: float
    window_end: float
    requests: int
    failures: int
    hdr: str
    """The window's latency histogram (µs), HdrHistogram's base64 encoding."""
    users: int
    errors: dict[str, int] = field(default_factory=dict)

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
