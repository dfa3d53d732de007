"""The Locust load generator, run as `python -m bench.runner.generator` in its own process.

It reads one LoadSpec per line on stdin and answers with protocol lines on stdout (see
bench.runner.protocol). Importing locust monkey-patches with gevent, which is why this runs
apart from the harness, pinned to the generator's cores.

Latency comes from Locust's `request` event into an HdrHistogram in microseconds: Locust's own
stats round anything under 100 ms to whole milliseconds. Counts come from the same listener
over the measured window, not from Locust's final CSV, which is written before the last counts
arrive. With `processes` > 0 a master runs here and N workers in child processes; each worker
keeps its own histogram over the same wall-clock window and ships it to the master.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import subprocess
import sys
import time
from typing import Any

from hdrh.histogram import HdrHistogram

from bench.runner.protocol import LoadSpec, emit

# 1 µs to 60 s at 3 significant digits: a 0.3 ms answer keeps its sub-millisecond digits.
HDR_MAX_US = 60_000_000
WORKER_WAIT_S = 30.0


class Recorder:
    """Every request completed inside [start, end) wall-clock: count, failures, latency."""

    def __init__(self) -> None:
        self.start = math.inf
        self.end = math.inf
        self.histogram = HdrHistogram(1, HDR_MAX_US, 3)
        self.requests = 0
        self.failures = 0
        self.errors: dict[str, int] = {}

    def set_window(self, start: float, end: float) -> None:
        self.start, self.end = start, end

    def on_request(self, response_time: float, exception: Any = None, **_: Any) -> None:
        now = time.time()
        if not self.start <= now < self.end:
            return
        self.requests += 1
        self.histogram.record_value(min(HDR_MAX_US, max(1, round(response_time * 1000))))
        if exception is not None:
            self.failures += 1
            key = str(exception)[:120]
            self.errors[key] = self.errors.get(key, 0) + 1

    def payload(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "hdr": self.histogram.encode().decode("ascii"),
            "errors": self.errors,
        }


def user_class(spec: LoadSpec) -> type[Any]:
    import gevent
    from locust import FastHttpUser, task

    reqs = spec.requests
    weights = [r.get("weight", 1) for r in reqs]
    # Per process: Locust workers sharing one seed would pace their users in lockstep.
    rng = random.Random(f"{spec.seed}-{os.getpid()}")
    per_user = spec.rate / spec.users if spec.rate else None
    extra = {"Connection": "close"} if spec.connection_close else {}

    class BenchUser(FastHttpUser):
        host = spec.base_url
        # A request stuck longer than this is a failure, not a hang of the whole cell.
        network_timeout = 30.0
        connection_timeout = 10.0
        _due = 0.0

        def wait_time(self) -> float:
            # Open loop on a fixed schedule (due times k/per_user after the start), not
            # Locust's constant_throughput, which paces from the last run: on a busy core every
            # late wake-up there is lost for good and the offered rate sinks. Here a late user
            # catches up; only a response slower than the period holds it back.
            if not per_user:
                return 0.0
            self._due += 1 / per_user
            return max(0.0, self._due - time.monotonic())

        def on_start(self) -> None:
            # Spread the paced users over one period, so the offered load is smooth rather
            # than all users firing in the same instant every 1/per_user seconds.
            if per_user:
                gevent.sleep(rng.uniform(0, 1 / per_user))
            self._due = time.monotonic()

        @task
        def hit(self) -> None:
            req = rng.choices(reqs, weights)[0]
            path = req["path"].replace("{id}", str(rng.randint(1, 100_000)))
            if req.get("method", "GET") == "POST":
                headers = {"Content-Type": "application/json", **extra}
                self.client.post(path, data=req["json_body"], headers=headers, name=req["name"])
            else:
                self.client.get(path, headers=extra or None, name=req["name"])

    return BenchUser


def _environment(spec: LoadSpec, recorder: Recorder) -> Any:
    from locust.env import Environment
    from locust.event import Events

    events = Events()  # type: ignore[no-untyped-call]
    env = Environment(user_classes=[user_class(spec)], events=events, host=spec.base_url)
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
        gevent.sleep(min(left, 0.05))


def _wait_for(condition: Any, timeout: float, what: str) -> None:
    import gevent

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"generator: timed out waiting for {what}")
        gevent.sleep(0.02)


def run_local(spec: LoadSpec) -> dict[str, Any]:
    recorder = Recorder()
    env = _environment(spec, recorder)
    runner = env.create_local_runner()
    runner.start(spec.users, spawn_rate=max(spec.users, 1))
    _wait_for(lambda: runner.user_count >= spec.users, 30.0, "users to spawn")
    start = time.time() + spec.warmup_s
    end = start + spec.window_s
    recorder.set_window(start, end)
    sys.stdout.write(emit("window", start=start, end=end))
    sys.stdout.flush()
    _wait_until(start)
    env.stats.reset_all()  # the raw CSV then covers the measured window too
    _wait_until(end)
    _write_csvs(env, spec.csv_prefix)
    runner.quit()
    return {"window_start": start, "window_end": end, **recorder.payload()}


def run_master(spec: LoadSpec) -> dict[str, Any]:
    import gevent

    from bench.ports import free_port

    recorder = Recorder()  # stays empty: the workers make the requests
    env = _environment(spec, recorder)
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
        _wait_until(end + 0.05)
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
    merged = HdrHistogram(1, HDR_MAX_US, 3)
    errors: dict[str, int] = {}
    for reply in replies:
        merged.decode_and_add(reply["hdr"])
        for key, count in reply["errors"].items():
            errors[key] = errors.get(key, 0) + count
    return {
        "window_start": start,
        "window_end": end,
        "requests": sum(r["requests"] for r in replies),
        "failures": sum(r["failures"] for r in replies),
        "hdr": merged.encode().decode("ascii"),
        "errors": errors,
    }


def run_worker(master_host: str, master_port: int) -> None:
    spec = LoadSpec.from_dict(json.loads(sys.stdin.readline()))
    recorder = Recorder()
    env = _environment(spec, recorder)
    runner = env.create_worker_runner(master_host, master_port)
    runner.register_message(
        "window",
        lambda environment, msg, **_: recorder.set_window(msg.data["start"], msg.data["end"]),
    )
    runner.register_message(
        "collect", lambda environment, msg, **_: runner.send_message("hdr", recorder.payload())
    )
    runner.greenlet.join()


def serve() -> None:
    """Run cells from stdin until EOF; each answers with a window line and a result line."""
    import locust  # noqa: F401 - patch with gevent before anything opens a socket

    for line in sys.stdin:
        if not line.strip():
            continue
        spec = LoadSpec.from_dict(json.loads(line))
        try:
            result = run_master(spec) if spec.processes else run_local(spec)
        except Exception as exc:  # one failed cell is reported, the generator stays up
            sys.stdout.write(emit("error", sample_id=spec.sample_id, message=repr(exc)))
        else:
            if spec.hdr_path:
                with open(spec.hdr_path, "w") as fh:
                    fh.write(result["hdr"])
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
