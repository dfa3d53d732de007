"""`bench docker`: every app measured as a container and, right beside it, as a local server,
into ONE results directory whose samples carry `deployment` = docker | local.

Per framework (in a seeded order): the runner measures the local server, then the container
(started alone, pinned to the same CPUs, verified against the contract first) through
`bench run --target ... --deployment docker`. Local and docker samples of an app are thus
minutes apart, on the same offered rates (one calibration shared by every part), and the
report shows deployment as a dimension of one run. Each part is a runner invocation into a
staging directory; the parts are merged into results/<run-id>/ at the end — also after
Ctrl-C, with status incomplete, so finished samples are never lost.
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import frameworks, interrupts, ports
from bench.docker import containers, engine, generated, images
from bench.docker.cgroup import CgroupError, v2_view
from bench.docker.spec import CORES, MEM_LIMIT, ContainerSpec
from bench.errors import BenchError, UsageError
from bench.frameworks import ROOT, Framework

CHILD_GRACE_S = 60.0
"""After Ctrl-C the runner stops its servers and writes run.json; give it that long."""


@dataclass(frozen=True)
class Options:
    profile: str
    frameworks: tuple[str, ...]
    results_dir: Path
    server_cpus: str = "0"
    generator_cpus: str = "1"
    seed: int = 1
    local: bool = True
    no_cache: bool = False
    extra_run_args: tuple[str, ...] = ()


@dataclass
class Part:
    framework: str
    deployment: str
    run_dir: Path | None = None
    status: str = "not run"
    note: str = ""
    startup_s: float = float("nan")
    """docker parts: `docker run` to the first 200, the container's start-up."""


@dataclass
class Session:
    options: Options
    staging: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-docker-")))
    parts: list[Part] = field(default_factory=list)
    built: dict[str, images.BuiltImage] = field(default_factory=dict)
    docker_doc: dict[str, Any] = field(default_factory=dict)
    starts: list[dict[str, Any]] = field(default_factory=list)

    def check(self) -> None:
        opts = self.options
        if not opts.results_dir.is_dir():
            raise UsageError(f"results directory {opts.results_dir} does not exist")
        if len(opts.server_cpus.replace("-", ",").split(",")) != CORES:
            raise UsageError(
                f"--server-cpus must name {CORES} CPU: the images run the worker formula for "
                f"{CORES} core, and local and docker must run the same command"
            )
        engine.require()
        outdated = generated.stale(ROOT / "docker-compose.yml")
        if outdated:
            names = ", ".join(str(p.relative_to(ROOT)) for p in outdated)
            raise UsageError(f"out of date: {names}; run `make compose`")

    def build(self) -> None:
        base = images.base_image()
        for fw in frameworks.select(self.options.frameworks):
            spec = ContainerSpec(fw)
            print(f"building {spec.image} on {base} ...", flush=True)
            built = images.build(spec, base, no_cache=self.options.no_cache)
            self.built[fw.name] = built
            print(
                f"  {spec.image}: {built.size_bytes / 1e6:.0f} MB, built in {built.build_s:.1f}s"
                + (" (cold)" if built.no_cache else " (layer cache allowed)"),
                flush=True,
            )

    def measure(self) -> int:
        """Every part, in a seeded order; returns the exit code (130/143 when interrupted)."""
        code = 0
        try:
            with interrupts.terminates_like_ctrl_c():
                order = list(frameworks.select(self.options.frameworks))
                random.Random(self.options.seed).shuffle(order)
                for fw in order:
                    if self.options.local:
                        self._local(fw)
                    self._docker(fw)
            # An app failing the contract in its container is skipped and reported, as the
            # runner does for a local app; a part that failed or stopped short is an error.
            if any(p.status not in ("complete", "skipped") for p in self.parts):
                code = 1
        except KeyboardInterrupt:
            code = 130
        except interrupts.Terminated:
            code = 143
        return code

    # -- the parts ----------------------------------------------------------------------------
    def _run_args(self, fw: Framework, deployment: str) -> list[str]:
        opts = self.options
        return [
            "run",
            "--profile", opts.profile,
            "--frameworks", fw.name,
            "--deployment", deployment,
            "--results-dir", str(self.staging),
            "--server-cpus", opts.server_cpus,
            "--generator-cpus", opts.generator_cpus,
            "--seed", str(opts.seed),
            "--skip-facts",  # collected once for the merged run (see merge)
            *opts.extra_run_args,
        ]  # fmt: skip

    def _local(self, fw: Framework) -> None:
        part = Part(fw.name, "local")
        self.parts.append(part)
        self._runner(part, self._run_args(fw, "local"))

    def _docker(self, fw: Framework) -> None:
        part = Part(fw.name, "docker")
        self.parts.append(part)
        spec = ContainerSpec(fw)
        port = fw.port if ports.is_free(fw.port) else ports.free_port()
        try:
            self._measure_container(spec, port, part)
        except containers.ContainerStartError as exc:  # this app only; the others go on
            part.status, part.note = "skipped", f"container did not start: {exc}"
            print(f"{fw.name}: {part.note}", file=sys.stderr, flush=True)

    def _measure_container(self, spec: ContainerSpec, port: int, part: Part) -> None:
        fw = spec.framework
        # Measured without the image's HEALTHCHECK: each check is a Python start-up inside
        # the measured cgroup. Readiness is the same request, sent from the host.
        with containers.running(
            spec, port=port, cpuset=self.options.server_cpus, healthcheck=False
        ) as container:
            verified = self._verify(fw, container.url)
            if not verified:
                part.status, part.note = "skipped", "failed contract verification in docker"
                return
            args = [*self._run_args(fw, "docker"), "--target", container.url]
            try:
                view = v2_view(container.cgroup(), self.staging / "cgroups" / fw.name)
                args += ["--target-cgroup", str(view)]
            except CgroupError as exc:
                part.note = f"server CPU and memory not measured: {exc}"
            self.docker_doc.setdefault("containers", {})[fw.name] = {
                "image": spec.image,
                "run": ["docker", *container.run_args()],
                "command_in_container": spec.argv(port),
                "port": port,
                "ready_s": container.ready_s,
            }
            part.startup_s = container.ready_s
            self.starts.append(
                {"framework": fw.name, "round": 0, "port": port, "deployment": "docker",
                 "command": ["docker", *container.run_args()], "startup_s": container.ready_s}
            )  # fmt: skip
            self._runner(part, args)

    def _verify(self, fw: Framework, url: str) -> bool:
        report = self.staging / f"verify-docker-{fw.name}.json"
        code = _child(["verify", fw.name, "--target", url, "--json", str(report)], quiet=True)
        with contextlib.suppress(OSError, ValueError):
            self.docker_doc.setdefault("verification", {})[fw.name] = json.loads(report.read_text())
        return code == 0

    def _runner(self, part: Part, args: list[str]) -> None:
        before = set(self.staging.iterdir())
        try:
            code = _child(args)
        finally:
            new = [p for p in set(self.staging.iterdir()) - before if (p / "run.json").exists()]
            if new:
                part.run_dir = new[0]
                part.status = _status(part.run_dir)
                self._share_calibration(part.run_dir)
        if code != 0 and part.status in ("complete", "not run"):
            part.status = f"failed (exit {code})"

    def _share_calibration(self, run_dir: Path) -> None:
        """The first part's calibration becomes every later part's (the runner looks for
        calibration-*.json in its results directory): equal offered rates in every part."""
        made = run_dir / "calibration.json"
        if made.exists() and not list(self.staging.glob("calibration-*.json")):
            shutil.copy(made, self.staging / f"calibration-{run_dir.name}.json")


def _status(run_dir: Path) -> str:
    try:
        return str(json.loads((run_dir / "run.json").read_text()).get("status", "unknown"))
    except (OSError, ValueError):
        return "unreadable"


def _child(args: list[str], quiet: bool = False) -> int:
    """`python -m bench ARGS` in the foreground. On Ctrl-C (which reaches the child too, as
    the same process group) or SIGTERM, wait for the child to stop its servers and write its
    results; never kill it outright, which would orphan the servers it started.
    quiet: show the child's output only when it fails (plus its last line)."""
    with tempfile.TemporaryFile("w+") as out:
        code = _wait(
            lambda: subprocess.Popen(
                [sys.executable, "-m", "bench", *args],
                cwd=ROOT,
                stdout=out if quiet else None,
                stderr=subprocess.STDOUT if quiet else None,
            )
        )
        if quiet:
            out.seek(0)
            lines = out.read().rstrip().splitlines()
            print("\n".join(lines if code != 0 else lines[-1:]), flush=True)
    return code


def _wait(spawn: Callable[[], subprocess.Popen[bytes]]) -> int:
    """Spawn the child and wait for it; a signal during the spawn is handled as one after it."""
    proc: subprocess.Popen[bytes] | None = None
    try:
        with interrupts.deferred():
            proc = spawn()
        return proc.wait()
    except BaseException as exc:
        if proc is None:
            raise
        with interrupts.ignored():
            if proc.poll() is None and isinstance(exc, interrupts.Terminated):
                proc.terminate()
            try:
                proc.wait(CHILD_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait(CHILD_GRACE_S)
        raise


def docker_metadata(session: Session) -> dict[str, Any]:
    """What run.json says about the docker side: engine, images, limits, how it was measured."""
    info = engine.docker(
        ["info", "--format", "{{json .ServerVersion}} {{json .CgroupVersion}}"]
    ).split()
    return {
        "engine_version": json.loads(info[0]) if info else None,
        "cgroup_version": json.loads(info[1]) if len(info) > 1 else None,
        "images": {name: asdict(b) for name, b in session.built.items()},
        "limits": {"cpuset": session.options.server_cpus, "memory": MEM_LIMIT},
        "network": "host (servers bind 127.0.0.1)",
        "healthcheck_during_measurement": False,
        "memory_source": (
            "cgroup memory (v2 memory.current; v1 memory.usage_in_bytes): every page once, "
            "page cache included; local rows sum the RSS of each server process instead, "
            "counting pages shared by forked workers once per process"
        ),
        **session.docker_doc,
    }


def cleanup_orphans() -> None:
    for name in containers.remove_orphans():
        print(f"removed container {name} left by a bench that is gone", file=sys.stderr)


def parts_summary(parts: list[Part]) -> list[dict[str, Any]]:
    return [
        {
            "framework": p.framework,
            "deployment": p.deployment,
            "run_id": p.run_dir.name if p.run_dir else None,
            "status": p.status,
            **({"note": p.note} if p.note else {}),
        }
        for p in parts
    ]


def require_known(names: tuple[str, ...]) -> None:
    for name in names:
        frameworks.get(name)


__all__ = ["BenchError", "Options", "Session"]
