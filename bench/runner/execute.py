"""One run from plan to results directory: interleaved visits, each a server start, a contract
smoke check, a discarded warm-up cell and every cell of the profile in a shuffled order
against that one server; samples stored as made; then the wrk cross-check of every server.

The harness pins itself to the generator's cores for the run, so its own threads (stdout
reader, CPU snapshots) never take time from the server's.

Whatever ends the run (its end, Ctrl-C, SIGTERM, a crash) the last act is the same: stop every
process it started, then write run.json with the final status.
"""

from __future__ import annotations

import math
import os
import time
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from bench import frameworks, interrupts, leftovers
from bench.errors import BenchError, UsageError
from bench.frameworks import Framework
from bench.runner import calibration, capacity, document, environment
from bench.runner.client import Generator
from bench.runner.config import DATABASE_SCENARIOS, SCENARIOS, RunConfig
from bench.runner.measure import MIB, Cgroup, ProcessTree, Source, Unmeasured
from bench.runner.plan import (
    CROSSCHECK_OVERHEAD_S,
    Cell,
    Visit,
    cells_for,
    crosscheck_seconds,
    interleave,
    planned_seconds,
    window_of,
)
from bench.runner.progress import RunProgress
from bench.runner.protocol import LoadSpec
from bench.runner.sample import Measurement, drive
from bench.runner.serverctl import start_server
from bench.runner.store import RunStore, new_run_id
from bench.server import ServerProcess, ServerScope, ServerStartError, probe, scope

FACTS_S = 5.0  # bench.facts.collect per framework: 2-4 s measured here (planned time only)
CALIBRATION_S = 12.0
RATE_GUARD = 0.5
"""Open-loop rates stay under half the generator's closed-loop ceiling: pacing hundreds of
users costs Locust more per request than sending back to back."""
MAX_USERS = 1000
"""Open loop: one connection per user; beyond this the generator spends more on pacing
greenlets than it gains in smoothness, and servers start refusing connections."""
MIN_USERS = 4


# A closed-loop cell ends with requests still queued in a thread-bound server (128 users on
# /io?ms=50 against 12 threads leave ~0.5 s of waits), which the next cell's warm-up would not
# absorb: its first step then saw p99 of 500-800 ms at a rate the server otherwise sustains.
SETTLED_MS = 50.0
SETTLE_TIMEOUT_S = 15.0


def _settle(endpoint: Endpoint) -> None:
    """Wait until the server answers a probe promptly again (bounded), i.e. its queue drained."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        started = time.perf_counter()
        status = probe(endpoint.port, "/plaintext", host=endpoint.host, timeout=SETTLE_TIMEOUT_S)
        if status == 200 and (time.perf_counter() - started) * 1000 < SETTLED_MS:
            return
        time.sleep(0.05)


def users_for(rate: float, per_user_rps: float) -> int:
    return max(MIN_USERS, min(MAX_USERS, math.ceil(rate / per_user_rps)))


@dataclass
class Endpoint:
    """What a visit measures against: a server we started, or a target someone else runs."""

    host: str
    port: int
    source: Source
    startup_s: float = math.nan
    server: ServerProcess | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True)
class Turn:
    """What every sample of one visit shares."""

    framework: Framework
    round: int
    endpoint: Endpoint
    rss_idle_mib: float


@dataclass
class Run:
    config: RunConfig
    console: Console
    skip_facts: bool = False
    store: RunStore | None = None
    document: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    ceiling_rps: float = math.nan
    _advanced: float = 0.0
    _generator: Generator | None = None
    _database_env: dict[str, str] = field(default_factory=dict)
    _database_source: Source | None = None
    _database_stack: ExitStack = field(default_factory=ExitStack)
    _crosscheck_rows: list[dict[str, Any]] = field(default_factory=list)

    # -- planning ---------------------------------------------------------------------------
    def plan(self) -> tuple[list[Visit], float]:
        cfg = self.config
        chosen = frameworks.deployments(cfg.frameworks, cfg.servers)
        users = tuple(cfg.extra.get("users", ()))
        cells = {
            fw.label: cells_for(fw, cfg.profile, cfg.scenarios, cfg.rates, users) for fw in chosen
        }
        visits = interleave(
            chosen,
            cfg.profile.rounds,
            cfg.seed,
            cells,
            capacity_rounds=cfg.profile.capacity_rounds,
            database_rounds=cfg.profile.database_rounds,
        )
        seconds = planned_seconds(visits, cfg.profile, starts_servers=cfg.target is None)
        if not self.skip_facts:
            seconds += FACTS_S * len(chosen)
        seconds += CALIBRATION_S
        if cfg.target is None:
            seconds += crosscheck_seconds(cfg.profile, len(chosen))
        return visits, seconds

    # -- the run ----------------------------------------------------------------------------
    def execute(self) -> int:
        visits, planned = self.plan()
        cfg = self.config
        self.store = store = RunStore(cfg.results_dir, new_run_id(environment.short_sha()))
        self.console.print(
            f"run {store.run_id}: profile {cfg.profile.name}, {len(visits)} visits, "
            f"planned {planned / 60:.1f} min -> {store.path}",
            highlight=False,
        )
        self.document = document.initial(cfg, store.run_id, visits, planned)
        store.write_run(self.document)
        # The scope owns every server started below (visits, calibration, facts), also one
        # whose start a signal cut short, so that _finish stops each before the last write.
        # Recording: every process started below is written down, so that should this harness
        # be killed outright, the next command can end what it left (bench.leftovers).
        affinity = os.sched_getaffinity(0)
        try:
            os.sched_setaffinity(0, cfg.generator_cpus)
            with (
                interrupts.terminates_like_ctrl_c(),
                leftovers.recording(store.path),
                scope() as servers,
            ):
                return self._execute(visits, planned, servers)
        finally:
            os.sched_setaffinity(0, affinity)

    def _execute(self, visits: list[Visit], planned: float, servers: ServerScope) -> int:
        cfg, store = self.config, self.store
        assert store is not None
        status, code = "failed", 1
        try:
            with RunProgress(planned, self.console) as progress:
                self._generator = Generator(cfg.generator_cpus, store.path / "generator.log")
                self._generator.start()
                leftovers.started(self._generator.pid, ["bench.runner.generator"], "generator")
                if not self.skip_facts:
                    progress.cell("facts")
                    self._facts()
                    progress.advance(FACTS_S * len(frameworks.select(cfg.frameworks)))
                progress.cell("calibration")
                self._calibrate()
                progress.advance(CALIBRATION_S)
                self._start_database(visits, progress)
                for visit in visits:
                    self._visit(visit, progress)
            status, code = "complete", 0
        except KeyboardInterrupt:
            status, code = "incomplete", 130
        except interrupts.Terminated:
            status, code = "incomplete", 143
        except BaseException as exc:
            status = "failed"
            self.document["error"] = "".join(traceback.format_exception_only(exc)).strip()
            raise
        finally:
            self._finish(status, servers)
        return code

    def _finish(self, status: str, servers: ServerScope) -> None:
        # A second Ctrl-C must not cut the clean-up short and leave servers behind.
        with interrupts.ignored():
            errors = servers.stop()
            if errors:
                self.document.setdefault("cleanup_errors", []).extend(errors)
            try:
                self._database_stack.close()  # after the apps, which hold connections to it
            except BenchError as exc:
                self.document.setdefault("cleanup_errors", []).append(str(exc))
            if self._generator is not None:
                self._generator.stop()
            self.document["status"] = status
            self.document["ended"] = document.now()
            self.document["samples"] = len(self.rows)
            if self.store is not None:
                self.store.write_run(self.document)

    def _start_database(self, visits: list[Visit], progress: RunProgress) -> None:
        """The PostgreSQL the database cells need: a private cluster on the generator's cores
        (never the server's), or the --database-url given; its settings go into run.json."""
        cfg = self.config
        if not any(c.scenario in DATABASE_SCENARIOS for v in visits for c in v.cells):
            return
        from bench.database import cluster, external, layers

        progress.cell("database")
        if cfg.database_url is not None:
            database = external.existing(cfg.database_url)
        elif cfg.target is not None:
            raise UsageError("database scenarios against --target need its --database-url")
        else:
            private = self._database_stack.enter_context(
                cluster.cluster_running(cpus=cfg.generator_cpus)
            )
            database = private.database()
            if database.pid is not None:
                self._database_source = ProcessTree(database.pid)
        self._database_env = database.app_environment()
        self.document["database"] = {
            "private": database.private,
            "version": database.version,
            "cpus": list(cfg.generator_cpus) if database.private else None,
            "settings": cluster.settings_record() if database.private else None,
            "layers": layers.record(),
        }
        assert self.store is not None
        self.store.write_run(self.document)

    def _facts(self) -> None:
        from bench import facts  # the report helper's module; missing must fail loudly

        assert self.store is not None
        self.store.write_json(
            "facts.json",
            {fw.name: facts.collect(fw) for fw in frameworks.select(self.config.frameworks)},
        )

    def _calibrate(self) -> None:
        cfg = self.config
        assert self.store is not None and self._generator is not None
        found = calibration.latest(
            cfg.results_dir, cfg.server_cpus, cfg.generator_cpus, self.document["environment"]
        )
        if found is not None:
            path, doc = found
            source = str(path)
        else:
            # A quick one, Locust only against the fastest baseline: its keep-alive figure
            # guards the absolute rates (they must stay well under it) and caps the searches.
            doc = calibration.measure(
                cfg.server_cpus,
                cfg.generator_cpus,
                self._generator,
                window_s=cfg.profile.calibration_window_s,
                variants=(calibration.Variant("raw-asgi", False),),
                with_wrk=False,
            )
            self.store.write_json("calibration.json", doc)
            source = "calibration.json (measured at the start of this run)"
        if not doc.get("locust_ceiling_rps"):
            raise BenchError("calibration failed (the raw-asgi baseline did not run)")
        self.ceiling_rps = float(doc["locust_ceiling_rps"])
        highest = max((max(self._rate_levels(s)) for s in cfg.scenarios), default=0.0)
        guard = {
            "highest_rate_rps": highest,
            "share_of_ceiling": highest / self.ceiling_rps,
            "ok": highest <= RATE_GUARD * self.ceiling_rps,
        }
        if not guard["ok"]:
            self.console.print(
                f"warning: an offered rate of {highest:,.0f}/s is over {RATE_GUARD:.0%} of the "
                f"generator's ceiling ({self.ceiling_rps:,.0f}/s): its latencies include the "
                "generator's own queueing",
                highlight=False,
            )
        self.document["calibration"] = {"source": source, "rate_guard": guard, **doc}
        self.store.write_run(self.document)

    # -- one framework's turn in one round ---------------------------------------------------
    def _visit(self, visit: Visit, progress: RunProgress) -> None:
        fw, profile = visit.framework, self.config.profile
        progress.cell(f"round {visit.round + 1}/{profile.rounds} {fw.label}: starting")
        try:
            self._measure_visit(visit, progress)
        except ServerStartError as exc:
            # One app that does not start is reported, like one that fails its smoke check;
            # the other apps are still measured.
            self._skip(fw, visit.round, "server did not start", [], str(exc)[:2000])
        progress.advance(visit.seconds(profile) - self._advanced)

    def _measure_visit(self, visit: Visit, progress: RunProgress) -> None:
        fw, profile = visit.framework, self.config.profile
        self._advanced = 0.0
        with self._endpoint(fw, visit.round) as endpoint:
            if not self._smoke(fw, endpoint, visit.round):
                return
            time.sleep(0.3)  # let the freshly started workers settle before reading RSS
            at = Turn(fw, visit.round, endpoint, endpoint.source.rss_bytes() / MIB)
            peaks: dict[str, float] = {}
            for index, cell in enumerate(visit.cells):
                progress.cell(f"round {visit.round + 1}/{profile.rounds} {fw.label} {cell.key}")
                if cell.mode == "capacity":
                    self._capacity(at, cell, index, peaks.get(cell.scenario))
                else:
                    m = self._one(at, cell, index)
                    if cell.mode == "peak":
                        best = max(peaks.get(cell.scenario, 0.0), m.achieved_rps)
                        peaks[cell.scenario] = best
                # Whatever a cell left queued (a closed loop's last requests, an overloaded open
                # loop's backlog) drains before the next cell starts.
                _settle(endpoint)
                progress.advance(cell.seconds(profile))
                self._advanced += cell.seconds(profile)
            self._crosscheck(visit, endpoint, progress)

    def _skip(
        self, fw: Framework, round_: int, reason: str, rules: list[str], detail: str = ""
    ) -> None:
        entry = {"framework": fw.name, "server": fw.server, "round": round_, "reason": reason,
                 "failed_rules": rules}  # fmt: skip
        self.document["skipped"].append({**entry, "detail": detail} if detail else entry)
        self.console.print(
            f"{fw.label}: {reason}; not measured in round {round_ + 1}", highlight=False
        )
        assert self.store is not None
        self.store.write_run(self.document)

    @contextmanager
    def _endpoint(self, fw: Framework, round_: int) -> Iterator[Endpoint]:
        cfg = self.config
        if cfg.target is not None:
            group = cfg.target.cgroup
            source: Source = Cgroup(group) if group else Unmeasured()
            yield Endpoint(cfg.target.host, cfg.target.port, source)
            return
        assert self.store is not None
        log = self.store.path / "servers" / f"{fw.label}-r{round_}.log"
        log.parent.mkdir(exist_ok=True)
        server = start_server(fw, cfg.server_cpus, log_path=log, extra_env=self._database_env)
        self.document["starts"].append(
            {"framework": fw.name, "server": fw.server, "round": round_, "port": server.port,
             "command": server.command,
             "startup_s": server.startup_s, "log": str(log.relative_to(self.store.path))}
        )  # fmt: skip
        try:
            yield Endpoint(
                frameworks.HOST, server.port, ProcessTree(server.pid), server.startup_s, server
            )
        finally:
            server.stop()  # raises if any process of it survived SIGKILL

    def _smoke(self, fw: Framework, endpoint: Endpoint, round_: int) -> bool:
        from bench import contract

        results = contract.smoke(endpoint.port, fw, host=endpoint.host)
        failed = [r.rule_id for r in results if not r.passed]
        entry = {
            "framework": fw.name,
            "server": fw.server,
            "round": round_,
            "rules": len(results),
            "failed": failed,
            "details": {r.rule_id: r.detail for r in results if not r.passed},
        }
        self.document["verification"].append(entry)
        if failed:
            self._skip(fw, round_, "contract smoke check failed", failed)
        assert self.store is not None
        self.store.write_run(self.document)
        return not failed

    # -- samples ------------------------------------------------------------------------------
    def _spec(self, sample_id: str, cell: Cell, rate: float | None, round_: int) -> LoadSpec:
        assert self.store is not None
        p = self.config.profile
        scenario = SCENARIOS[cell.scenario].with_io_ms(cell.io_ms)
        warmup, window = {
            "peak": (p.peak_warmup_s, window_of(cell, p)),
            "discard": (0.0, p.discard_s),
            "capacity": (p.capacity_warmup_s, p.capacity_window_s),
        }.get(cell.mode, (p.warmup_s, p.window_s))
        keep = cell.mode != "discard"
        return LoadSpec(
            sample_id=sample_id,
            base_url="",
            requests=[vars(r) for r in scenario.requests],
            users=cell.users if rate is None else users_for(rate, p.per_user_rps),
            rate=rate,
            warmup_s=warmup,
            window_s=window,
            csv_prefix=str(self.store.locust_prefix(sample_id)) if keep else None,
            hdr_prefix=str(self.store.hdr_prefix(sample_id)) if keep else None,
            processes=self.config.generator_processes,
            seed=self.config.seed,
            # The schedule depends on the cell and the round, never on the process or clock.
            schedule_key=f"{cell.key}|r{round_}",
            drain_s=p.drain_s,
        )

    def _measure(self, spec: LoadSpec, endpoint: Endpoint) -> Measurement:
        assert self._generator is not None
        spec = LoadSpec(**{**vars(spec), "base_url": endpoint.base_url})
        cpus = self.config.server_cpus if self.config.target is None else ()
        gen = ProcessTree(self._generator.pid)
        database = self._database_source if _uses_database(spec) else None
        m = drive(self._generator, spec, endpoint.source, gen, cpus, database=database)
        limit = self.config.profile.steal_max_share
        if not math.isnan(m.readings.steal_share) and m.readings.steal_share > limit:
            # The hypervisor took the server's core away for part of the window: measure once
            # more and keep the second window, saying so in run.json.
            self.document.setdefault("repeated_windows", []).append(
                {"sample_id": spec.sample_id, "steal_share": m.readings.steal_share}
            )
            m = drive(self._generator, spec, endpoint.source, gen, cpus, database=database)
        return m

    def _window(self, m: Measurement) -> capacity.Window:
        cores, gen_cores = len(self.config.server_cpus), len(self.config.generator_cpus)
        return capacity.Window(
            offered_rps=m.spec.rate,
            achieved_rps=m.achieved_rps,
            p99_us=m.latency_us(99),
            error_share=m.error_share,
            generator_demand=m.generator_demand(gen_cores),
            server_util=m.server_util(cores),
            sub_p99_us=tuple(m.result.sub_p99_us),
            duration_s=m.result.duration_s,
        )

    def _one(self, at: Turn, cell: Cell, index: int) -> Measurement:
        sample_id = f"{at.framework.label}-{cell.key}-t{at.round}"
        m = self._measure(self._spec(sample_id, cell, cell.rate, at.round), at.endpoint)
        if cell.mode != "discard":
            window = self._window(m)
            found = capacity.rate_bound(window) if cell.mode == "rate" else capacity.bound(window)
            self._row(at, cell, m, index, bound=found)
        return m

    def _capacity(self, at: Turn, cell: Cell, index: int, peak_rps: float | None) -> None:
        p = self.config.profile
        measured: list[Measurement] = []

        def step(rate: float) -> capacity.Window:
            sample_id = f"{at.framework.label}-{cell.key}-t{at.round}-s{len(measured)}"
            m = self._measure(self._spec(sample_id, cell, rate, at.round), at.endpoint)
            measured.append(m)
            return self._window(m)

        # The visit's own peak says where saturation is; the SLO capacity lies below it.
        start = 0.6 * peak_rps if peak_rps else max(self._rate_levels(cell.scenario))
        limit = self.ceiling_rps if math.isfinite(self.ceiling_rps) else 1e6
        result = capacity.search(
            step,
            start,
            slo_p99_ms=p.slo_p99_ms,
            max_rps=limit,
            factor=p.capacity_factor,
            precision=p.capacity_precision,
            max_steps=p.capacity_max_steps,
        )
        for i, (m, s) in enumerate(zip(measured, result.steps, strict=True)):
            self._row(
                at,
                cell,
                m,
                index,
                bound=result.bound,
                capacity_rps=result.capacity_rps,
                step=i,
                passed=not s.failed,
            )
        self.document.setdefault("capacity", []).append(
            self._capacity_record(at, cell, result, measured)
        )

    def _capacity_record(
        self,
        at: Turn,
        cell: Cell,
        result: capacity.CapacityResult,
        measured: list[Measurement],
    ) -> dict[str, Any]:
        """The search and the utilisation law at its result: server CPU ~ rate x cost."""
        cores = len(self.config.server_cpus)
        passing = [m for m, s in zip(measured, result.steps, strict=True) if not s.failed]
        at_result = max(passing, key=lambda m: m.spec.rate or 0.0) if passing else None
        record: dict[str, Any] = {
            "framework": at.framework.name,
            "scenario": cell.scenario,
            "round": at.round,
            "capacity_rps": result.capacity_rps,
            "bound": result.bound,
            "label": result.label(),
            "steps": [_step_record(s) for s in result.steps],
        }
        if at_result is not None:
            util = at_result.server_util(cores)
            cost = at_result.server_cpu_us_per_req
            record["utilisation_law"] = {
                "rate_rps": at_result.achieved_rps,
                "server_cpu_util": util,
                "cpu_us_per_req": cost,
                "predicted_util": at_result.achieved_rps * cost / 1e6 / cores,
                "note": "U = X x S (utilisation law); S from the same window",
            }
        return record

    def _rate_levels(self, scenario: str) -> tuple[float, ...]:
        p = self.config.profile
        return self.config.rates or p.rates_for(scenario) or p.rates_for("json") or (100.0,)

    def _row(
        self,
        at: Turn,
        cell: Cell,
        m: Measurement,
        index: int,
        *,
        bound: str = "",
        capacity_rps: float = math.nan,
        step: int = -1,
        passed: bool = False,
    ) -> None:
        fw, rate = at.framework, m.spec.rate
        cfg = self.config
        assert self.store is not None
        cores, gen_cores = len(cfg.server_cpus), len(cfg.generator_cpus)
        workers = fw.workers(cores)
        row: dict[str, Any] = {
            "run_id": self.store.run_id,
            "sample_id": m.spec.sample_id,
            "framework": fw.name,
            "server": fw.server,
            "deployment": cfg.deployment,
            "scenario": cell.scenario,
            "mode": cell.mode,
            "round": at.round,
            "trial": at.round,
            "cell_index": index,
            "step": step,
            "users": m.spec.users,
            "offered_rps": rate,
            "io_ms": cell.io_ms,
            "duration_s": m.result.duration_s,
            "requests": m.result.requests,
            "failures": m.result.failures,
            "in_flight_end": m.result.in_flight_end,
            "achieved_rps": m.achieved_rps,
            "latency_p50_us": m.latency_us(50),
            "latency_p90_us": m.latency_us(90),
            "latency_p99_us": m.latency_us(99),
            "latency_p999_us": m.latency_us(99.9),
            "latency_max_us": m.latency_max_us,
            "latency_mean_us": m.latency_mean_us,
            "service_p50_us": m.service_us(50),
            "service_p90_us": m.service_us(90),
            "service_p99_us": m.service_us(99),
            "server_cpu_s": m.readings.server_cpu_s,
            "server_cpu_us_per_req": m.server_cpu_us_per_req,
            "server_cores": cores,
            "server_cpu_util": m.server_util(cores),
            "server_runq_util": m.server_wait_util(cores),
            "database_cpu_us_per_req": m.database_cpu_us_per_req,
            "steal_share": m.readings.steal_share,
            "irq_share": m.readings.irq_share,
            "rss_idle_mib": at.rss_idle_mib,
            "rss_peak_mib": m.readings.rss_peak_bytes / MIB,
            "generator_cpu_util": m.generator_util(gen_cores),
            "generator_runq_util": m.generator_wait_util(gen_cores),
            "generator_bound": capacity.generator_bound(m.generator_demand(gen_cores)),
            "bound": bound,
            "capacity_rps": capacity_rps,
            "passed": passed,
            "rate_shortfall": capacity.shortfall(rate, m.achieved_rps, m.result.duration_s),
            "startup_s": at.endpoint.startup_s,
            "workers": workers.processes,
            "threads": workers.threads,
            "server_cpus": ",".join(map(str, cfg.server_cpus)),
            "generator_cpus": ",".join(map(str, cfg.generator_cpus)),
            "core_probe_before_us": m.readings.probe_before_us,
            "core_probe_after_us": m.readings.probe_after_us,
        }
        self.store.append_sample(row)
        self.rows.append(row)
        if m.result.errors:
            self.document.setdefault("errors", {})[m.spec.sample_id] = m.result.errors

    # -- the outside reference ------------------------------------------------------------------
    def _crosscheck(self, visit: Visit, endpoint: Endpoint, progress: RunProgress) -> None:
        """wrk on this visit's server, right after its Locust peak cells, at the first peak
        level of each peak scenario; the server tree's CPU from /proc (crosscheck.json)."""
        from bench.runner import crosscheck

        cfg, p = self.config, self.config.profile
        server = endpoint.server
        if server is None or not p.crosscheck_s or visit.round >= p.crosscheck_rounds:
            return  # a --target's server is not ours to read from /proc
        assert self.store is not None
        fw = visit.framework
        for scenario in p.peak_scenarios:
            levels = [c.users for c in visit.cells if c.mode == "peak" and c.scenario == scenario]
            if not levels:
                continue
            users = min(levels)
            progress.cell(
                f"round {visit.round + 1}/{p.rounds} {fw.label} cross-check {scenario} "
                f"wrk -c{users}"
            )
            row = crosscheck.measure(
                fw,
                scenario,
                users,
                port=endpoint.port,
                pid=server.pid,
                server_cpus=cfg.server_cpus,
                generator_cpus=cfg.generator_cpus,
                window_s=p.crosscheck_s,
            )
            self._crosscheck_rows.append({**row, "round": visit.round})
            self.store.write_json(
                "crosscheck.json", {"kind": "crosscheck", "rows": self._crosscheck_rows}
            )
            self.document["crosscheck"] = {
                "file": "crosscheck.json",
                "rows": len(self._crosscheck_rows),
            }
            _settle(endpoint)
            progress.advance(p.crosscheck_s + CROSSCHECK_OVERHEAD_S)


def _uses_database(spec: LoadSpec) -> bool:
    return any(r["path"].split("?")[0] in DATABASE_PATHS for r in spec.requests)


DATABASE_PATHS = frozenset(SCENARIOS[s].requests[0].path.split("?")[0] for s in DATABASE_SCENARIOS)


def _step_record(step: capacity.Step) -> dict[str, Any]:
    w = step.window
    return {
        "rate": step.rate,
        "failed": step.failed,
        "achieved_rps": w.achieved_rps,
        "p99_us": w.p99_us,
        "server_util": w.server_util,
    }
