"""The Locust load generator, run as `python -m bench.runner.generator` in its own process.

It reads one LoadSpec per line on stdin and answers with protocol lines on stdout (see
bench.runner.protocol). Importing locust monkey-patches with gevent, which is why this runs
apart from the harness, pinned to the generator's cores.

Open loop (a rate): every user has a fixed schedule of intended send times, evenly spread over
the users, and a request's latency is completion minus its *intended* send time, as wrk2 and
HdrHistogram's docs prescribe. A user held up by a slow answer sends its next requests late;
timing from the actual send would never count that wait (coordinated omission), so the
service time (completion minus actual send) is kept apart, in its own histogram. A request
belongs to the window its intended time falls in; after the window the generator waits (up to
`drain_s`) for those still open, and counts any left then as failures, so none is dropped.

Closed loop (no rate): users send back to back; requests completed inside the window count,
and latency is the service time.

Latency comes from Locust's `request` event (with the intended time in its context) into
HdrHistograms in microseconds: Locust's own stats round anything under 100 ms to whole
milliseconds. With `processes` > 0 a master runs here and N workers in child processes; each
worker keeps its own histograms over the same wall-clock window and ships them to the master.
"""

from __future__ import annotations

import csv
import json
import math
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from bench import children
from bench.runner.protocol import LoadSpec, emit

# 1 µs to 60 s at 3 significant digits: a 0.3 ms answer keeps its sub-millisecond digits.
HDR_MAX_US = 60_000_000
WORKER_WAIT_S = 30.0
STILL_OPEN = "still open at the drain deadline (timed out)"


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, HDR_MAX_US, 3)


def _us(value: float) -> int:
    return min(HDR_MAX_US, max(1, round(value)))


def redirect_error(response: Any) -> str | None:
    """A 3xx is a failure: the generator follows no redirect (loopback-only rule), and an app
    of the contract never answers one."""
    status = getattr(response, "status_code", None)
    if isinstance(status, int) and 300 <= status < 400:
        return f"HTTP {status} redirect (not followed)"
    return None


@dataclass
class Recorder:
    """The window's requests: counts, latency, service time and failures, per (sub-)window."""

    open_loop: bool = False
    subwindows: int = 4
    start: float = math.inf
    end: float = math.inf
    latency: HdrHistogram = field(default_factory=new_histogram)
    service: HdrHistogram = field(default_factory=new_histogram)
    failed: HdrHistogram = field(default_factory=new_histogram)
    requests: int = 0
    failures: int = 0
    completed: int = 0
    """Responses (and failures) that arrived inside the window, whatever their intended time:
    the throughput the server delivered, and what its CPU in the window was spent on."""
    in_flight_end: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    closed: bool = False
    sub: list[HdrHistogram] = field(default_factory=list)
    sub_requests: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sub = [new_histogram() for _ in range(self.subwindows)]
        self.sub_requests = [0] * self.subwindows

    def set_window(self, start: float, end: float) -> None:
        self.start, self.end = start, end

    def _sub_index(self, at: float) -> int:
        share = (at - self.start) / (self.end - self.start)
        return min(self.subwindows - 1, max(0, int(share * self.subwindows)))

    def on_request(
        self,
        response_time: float,
        exception: Any = None,
        context: dict[str, Any] | None = None,
        response: Any = None,
        **_: Any,
    ) -> None:
        if self.closed:
            return
        now = time.time()
        if self.start <= now < self.end:
            self.completed += 1
        intended = (context or {}).get("intended") if self.open_loop else None
        at = intended if intended is not None else now
        if not self.start <= at < self.end:
            return
        service_us = response_time * 1000
        latency_us = (now - intended) * 1e6 if intended is not None else service_us
        if exception is None:
            exception = redirect_error(response)
        self.record(at, latency_us, service_us, exception)

    def record(self, at: float, latency_us: float, service_us: float, exception: Any) -> None:
        self.requests += 1
        k = self._sub_index(at)
        self.sub_requests[k] += 1
        if exception is not None:
            self.failures += 1
            self.failed.record_value(_us(latency_us))
            key = str(exception)[:120]
            self.errors[key] = self.errors.get(key, 0) + 1
            return
        value = _us(latency_us)
        self.latency.record_value(value)
        if self.open_loop:  # closed loop: the same number, copied once at the end (payload)
            self.service.record_value(_us(service_us))
        self.sub[k].record_value(value)

    def fail_open(self, intended: float, now: float) -> None:
        """A request intended inside the window that never completed: a timeout."""
        if self.start <= intended < self.end:
            self.record(intended, (now - intended) * 1e6, (now - intended) * 1e6, STILL_OPEN)

    def payload(self) -> dict[str, Any]:
        def enc(h: HdrHistogram) -> str:
            return str(h.encode().decode("ascii"))

        return {
            "requests": self.requests,
            "failures": self.failures,
            "completed": self.completed,
            "in_flight_end": self.in_flight_end,
            "latency_hdr": enc(self.latency),
            "service_hdr": enc(self.service if self.open_loop else self.latency),
            "failures_hdr": enc(self.failed),
            "errors": self.errors,
            "sub_requests": self.sub_requests,
            "sub_hdr": [enc(h) for h in self.sub],
        }


class Schedule:
    """The users of one open-loop cell and what each still owes the window."""

    def __init__(self, spec: LoadSpec) -> None:
        self.period = spec.users / spec.rate if spec.rate else 0.0
        self.users: list[Any] = []
        self.base = math.inf
        # With workers, user i of worker w takes slot i * workers + w of the period.
        self.worker = 0
        self.workers = max(1, spec.processes)

    def pending(self, start: float, end: float) -> list[float]:
        """Intended times in [start, end) not yet answered: the one in flight and the backlog."""
        out: list[float] = []
        for user in self.users:
            if user.inflight is not None:
                out.append(user.inflight)
            due = user.due
            while due < end:
                out.append(due)
                due += self.period
        return [t for t in out if start <= t < end]


def user_class(spec: LoadSpec, schedule: Schedule) -> type[Any]:
    import random

    import gevent
    from locust import FastHttpUser, constant, task

    reqs = spec.requests
    weights = [r.get("weight", 1) for r in reqs]
    extra = {"Connection": "close"} if spec.connection_close else {}
    period, total = schedule.period, spec.users
    counter = iter(range(10**9))

    class BenchUser(FastHttpUser):
        host = spec.base_url
        # A request stuck longer than this is a failure, not a hang of the whole cell.
        network_timeout = 30.0
        connection_timeout = 10.0
        # Pacing is done in the task, on the user's own fixed schedule.
        wait_time = constant(0)
        due = math.inf
        inflight: float | None = None

        def on_start(self) -> None:
            slot = next(counter) * schedule.workers + schedule.worker
            # Seeded by the cell, never by a PID or a clock: the same schedule and the same
            # request choices on every run of the same seed.
            self.rng = random.Random(f"{spec.seed}|{spec.schedule_key}|u{slot}")
            if period:
                if schedule.base == math.inf:
                    schedule.base = time.time() + 0.05
                # Evenly spread over one period (stratified, jittered inside its slot), so the
                # offered load is smooth, as wrk2 spaces its connections' schedules.
                self.due = schedule.base + period * (slot + self.rng.random()) / total
                schedule.users.append(self)

        @task
        def hit(self) -> None:
            intended = None
            if period:
                gevent.sleep(max(0.0, self.due - time.time()))
                intended = self.due
                self.inflight = intended
                self.due += period
            # One request (every cell but mixed) needs no draw: the generator's time per
            # request bounds what it can measure, so the hot path does only what it must.
            req = self.rng.choices(reqs, weights)[0] if len(reqs) > 1 else reqs[0]
            path = req["path"]
            if "{id}" in path:
                path = path.replace("{id}", str(self.rng.randint(1, 100_000)))
            context = {"intended": intended}
            if req.get("method", "GET") == "POST":
                headers = {"Content-Type": "application/json", **extra}
                self.client.post(
                    path,
                    data=req["json_body"],
                    headers=headers,
                    name=req["name"],
                    context=context,
                    allow_redirects=False,
                )
            else:
                self.client.get(
                    path,
                    headers=extra or None,
                    name=req["name"],
                    context=context,
                    allow_redirects=False,
                )
            self.inflight = None

    return BenchUser


def _environment(spec: LoadSpec, recorder: Recorder, schedule: Schedule) -> Any:
    from locust.env import Environment
    from locust.event import Events

    events = Events()  # type: ignore[no-untyped-call]
    env = Environment(user_classes=[user_class(spec, schedule)], events=events, host=spec.base_url)
    env.events.request.add_listener(recorder.on_request)  # type: ignore[no-untyped-call]
    return env


def _write_csvs(env: Any, prefix: str | None) -> None:
    if not prefix:
        return
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    writer = StatsCSV(env, PERCENTILES_TO_REPORT)
    for suffix, method in (("stats", writer.requests_csv), ("failures", writer.failures_csv)):
        with open(f"{prefix}_{suffix}.csv", "w", newline="") as fh:
            method(csv.writer(fh))


def _wait_until(deadline: float) -> None:
    import gevent

    while (left := deadline - time.time()) > 0:
        gevent.sleep(min(left, 0.02))


def _wait_for(condition: Any, timeout: float, what: str) -> None:
    import gevent

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"generator: timed out waiting for {what}")
        gevent.sleep(0.01)


def settle_window(spec: LoadSpec, recorder: Recorder, schedule: Schedule) -> None:
    """From the window's end: note what was still open, let it drain, fail what is left."""
    import gevent

    _wait_until(recorder.end)
    if not spec.open_loop:
        return
    recorder.in_flight_end = len(schedule.pending(recorder.start, recorder.end))
    deadline = recorder.end + spec.drain_s
    while schedule.pending(recorder.start, recorder.end) and time.time() < deadline:
        gevent.sleep(0.01)
    now = time.time()
    for intended in schedule.pending(recorder.start, recorder.end):
        recorder.fail_open(intended, now)


def run_local(spec: LoadSpec) -> dict[str, Any]:
    recorder = Recorder(open_loop=spec.open_loop, subwindows=spec.subwindows)
    schedule = Schedule(spec)
    env = _environment(spec, recorder, schedule)
    runner = env.create_local_runner()
    runner.start(spec.users, spawn_rate=max(spec.users, 1))
    _wait_for(lambda: runner.user_count >= spec.users, 30.0, "users to spawn")
    began = schedule.base if math.isfinite(schedule.base) else 0.0
    start = max(time.time(), began) + spec.warmup_s
    end = start + spec.window_s
    recorder.set_window(start, end)
    sys.stdout.write(emit("window", start=start, end=end))
    sys.stdout.flush()
    _wait_until(start)
    env.stats.reset_all()  # the raw CSV then covers the measured window too
    settle_window(spec, recorder, schedule)
    recorder.closed = True  # what quitting aborts is not counted twice
    _write_csvs(env, spec.csv_prefix)
    runner.quit()
    return {"window_start": start, "window_end": end, **recorder.payload()}


def merge(replies: list[dict[str, Any]]) -> dict[str, Any]:
    """Several workers' payloads as one (histograms added, counts summed)."""
    names = ("latency_hdr", "service_hdr", "failures_hdr")
    merged = {name: new_histogram() for name in names}
    subs: list[HdrHistogram] = []
    sub_requests: list[int] = []
    errors: dict[str, int] = {}
    for reply in replies:
        for name in names:
            merged[name].decode_and_add(reply[name])
        for k, encoded in enumerate(reply["sub_hdr"]):
            if k == len(subs):
                subs.append(new_histogram())
                sub_requests.append(0)
            subs[k].decode_and_add(encoded)
            sub_requests[k] += reply["sub_requests"][k]
        for key, count in reply["errors"].items():
            errors[key] = errors.get(key, 0) + count
    return {
        "requests": sum(r["requests"] for r in replies),
        "failures": sum(r["failures"] for r in replies),
        "completed": sum(r["completed"] for r in replies),
        "in_flight_end": sum(r["in_flight_end"] for r in replies),
        **{name: h.encode().decode("ascii") for name, h in merged.items()},
        "errors": errors,
        "sub_requests": sub_requests,
        "sub_hdr": [h.encode().decode("ascii") for h in subs],
    }


def run_master(spec: LoadSpec) -> dict[str, Any]:
    import gevent

    from bench.ports import free_port

    recorder = Recorder()  # stays empty: the workers make the requests
    env = _environment(spec, recorder, Schedule(spec))
    port = free_port()
    runner = env.create_master_runner("127.0.0.1", port)
    replies: list[dict[str, Any]] = []
    runner.register_message("hdr", lambda environment, msg, **_: replies.append(msg.data))
    worker_spec = spec.line()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.runner.generator", "--worker", "127.0.0.1", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            # A worker must not outlive its master (the sweep cannot see unrecorded workers).
            preexec_fn=children.preexec(death_signal=signal.SIGKILL),  # noqa: PLW1509
        )
        for _ in range(spec.processes)
    ]
    try:
        for proc in workers:
            assert proc.stdin is not None
            proc.stdin.write(worker_spec)
            proc.stdin.close()
        _wait_for(lambda: len(runner.clients.ready) >= spec.processes, WORKER_WAIT_S, "workers")
        runner.start(spec.users, spawn_rate=max(spec.users, 1))
        _wait_for(lambda: runner.user_count >= spec.users, 30.0, "users to spawn")
        start = time.time() + spec.warmup_s
        end = start + spec.window_s
        runner.send_message("window", {"start": start, "end": end})
        sys.stdout.write(emit("window", start=start, end=end))
        sys.stdout.flush()
        _wait_until(start)
        env.stats.reset_all()
        _wait_until(end + (spec.drain_s if spec.open_loop else 0.0) + 0.1)
        runner.send_message("collect")
        _wait_for(lambda: len(replies) >= spec.processes, WORKER_WAIT_S, "worker histograms")
        runner.quit()
        gevent.sleep(0.2)
        _write_csvs(env, spec.csv_prefix)
    finally:
        for proc in workers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
    return {"window_start": start, "window_end": end, **merge(replies)}


def run_worker(master_host: str, master_port: int) -> None:
    import gevent

    spec = LoadSpec.from_dict(json.loads(sys.stdin.readline()))
    recorder = Recorder(open_loop=spec.open_loop, subwindows=spec.subwindows)
    schedule = Schedule(spec)
    env = _environment(spec, recorder, schedule)
    runner = env.create_worker_runner(master_host, master_port)
    schedule.worker = int(getattr(runner, "worker_index", 0))
    settled: list[Any] = []

    def on_window(environment: Any, msg: Any, **_: Any) -> None:
        recorder.set_window(msg.data["start"], msg.data["end"])
        settled.append(gevent.spawn(settle_window, spec, recorder, schedule))

    def on_collect(environment: Any, msg: Any, **_: Any) -> None:
        for greenlet in settled:
            greenlet.join()
        recorder.closed = True
        runner.send_message("hdr", recorder.payload())

    runner.register_message("window", on_window)
    runner.register_message("collect", on_collect)
    runner.greenlet.join()


def _finish(spec: LoadSpec, result: dict[str, Any]) -> dict[str, Any]:
    """Write the histograms next to the results and reduce the sub-windows to their p99."""
    if spec.hdr_prefix:
        for name in ("latency", "service", "failures"):
            with open(f"{spec.hdr_prefix}.{name}.hdr", "w") as fh:
                fh.write(result[f"{name}_hdr"])
    subs = [HdrHistogram.decode(encoded) for encoded in result.pop("sub_hdr")]
    result["sub_p99_us"] = [
        float(h.get_value_at_percentile(99)) if h.get_total_count() else math.nan for h in subs
    ]
    return result


def serve() -> None:
    """Run cells from stdin until EOF; each answers with a window line and a result line."""
    import locust  # noqa: F401 - patch with gevent before anything opens a socket

    for line in sys.stdin:
        if not line.strip():
            continue
        spec = LoadSpec.from_dict(json.loads(line))
        try:
            result = _finish(spec, run_master(spec) if spec.processes else run_local(spec))
        except Exception as exc:  # one failed cell is reported, the generator stays up
            sys.stdout.write(emit("error", sample_id=spec.sample_id, message=repr(exc)))
        else:
            sys.stdout.write(emit("result", sample_id=spec.sample_id, users=spec.users, **result))
        sys.stdout.flush()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        import locust  # noqa: F401

        run_worker(argv[1], int(argv[2]))
        return 0
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
