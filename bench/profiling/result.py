"""The instructions-per-request result document, and the gate: a pure function of two of them.

History of INSTRUCTIONS_SCHEMA_VERSION:
  1 — first version: environment fingerprint, settings, per-framework packages, cells.
  2 — cells carry a `level` ("app": in-process; "server": through the production server);
      `settings.server` (N, warm-up, method), `frameworks.<name>.server` (its configuration and
      idle cost), `environment.lock` (the lock's sha256 and pins, and which environment ran).
      Package closures include the server's packages. Version 1 documents still load (their
      cells are all "app").
Readers refuse a version they do not know.

When are two documents comparable? Callgrind counts the instructions the interpreter executes,
so anything that changes the interpreter's machine code or the Python code run per request
changes the counts without any change in the apps. Refused (the gate exits 2 and says why):
  - another Python: version, implementation, compiler or configure options (a PGO or LTO build
    of the same version runs a very different number of instructions);
  - another architecture (another instruction set);
  - another driver or server-window version or other settings (requests, warm-up).
Package versions are not a reason to refuse: each side runs in the environment of its own lock
(environment.py), so a dependency upgrade is part of what the gate measures, and the report
lists the pins that changed.
Reported, not refused: the CPU model, the C library and the valgrind version. Valgrind counts
guest instructions, so the CPU changes only which of glibc's memcpy/strlen variants run; in
this interpreter-bound work that moves counts by far less than a threshold of a few percent.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import sysconfig
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bench.errors import UsageError
from bench.frameworks import Framework
from bench.profiling import driver, server
from bench.profiling.callgrind import Cell, Settings, Subject, Tools
from bench.profiling.environment import Environment

INSTRUCTIONS_SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
KIND = "instructions-per-request"


# --- writing --------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _config_options() -> list[str]:
    """configure's --enable/--with options, without the paths that differ between machines."""
    args = sysconfig.get_config_var("CONFIG_ARGS") or ""
    options = {
        m.group(1) for m in re.finditer(r"'?(--(?:enable|disable|with|without)-[\w-]+)", args)
    }
    return sorted(options)


def fingerprint(tools: Tools) -> dict[str, Any]:
    libc, libc_version = platform.libc_ver()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "compiler": platform.python_compiler(),
        "config_options": _config_options(),
        "python_build": " ".join(platform.python_build()),
        "interpreter": str(tools.interpreter),
        "machine": platform.machine(),
        "libc": f"{libc} {libc_version}".strip(),
        "valgrind": tools.valgrind_version,
        "cpu_model": _cpu_model(),
    }


def packages(framework: Framework, env: Environment) -> dict[str, str]:
    """Versions of every distribution the framework and its server pull in, in `env`."""
    return env.closure(framework.distributions + framework.server_distributions)


def source(root: Path, ref: str | None = None) -> dict[str, Any]:
    """Which tree was measured: commit and dirty state when it is a git checkout."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *args],
                check=False,
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "root": str(root),
        "ref": ref,
        "commit": commit,
        "dirty": None if status is None else bool(status),
    }


def document(
    cells: Sequence[Cell],
    subjects: Sequence[Subject],
    settings: Settings,
    tools: Tools,
    ref: str | None = None,
    *,
    env: Environment | None = None,
    servers: Sequence[server.ServerSubject] = (),
    server_settings: server.ServerSettings | None = None,
    idle: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The result of one tree: app-level cells of `subjects`, server-level ones of `servers`."""
    from bench.profiling import environment

    env = env or environment.harness()
    roots = {s.root for s in subjects} | {s.root for s in servers}
    server_settings = server_settings or server.ServerSettings()
    frameworks: dict[str, dict[str, Any]] = {}
    for fw in [s.framework for s in subjects] + [s.framework for s in servers]:
        frameworks.setdefault(
            fw.name,
            {
                "target": fw.target,
                "interface": fw.interface,
                "packages": packages(fw, env),
                "scenarios": [],
            },
        )
    for subject in subjects:
        frameworks[subject.framework.name]["scenarios"] = list(subject.scenarios)
    for counted in servers:
        frameworks[counted.framework.name]["server"] = {
            "config": server.config(counted.framework),
            "scenarios": list(counted.scenarios),
            "idle_instructions_per_s": round((idle or {}).get(counted.framework.name, 0.0)),
        }
    fingerprint_ = fingerprint(tools)
    fingerprint_["lock"] = {
        "environment": env.label,
        "sha256": env.lock_sha256,
        "packages": dict(env.pins),
    }
    return {
        "schema_version": INSTRUCTIONS_SCHEMA_VERSION,
        "kind": KIND,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": source(next(iter(roots)), ref) if len(roots) == 1 else None,
        "environment": fingerprint_,
        "settings": {
            "driver_version": driver.DRIVER_VERSION,
            "requests": settings.requests,
            "warmup": settings.warmup,
            "event": "Ir (instructions executed)",
            "method": "(count of 2N requests - count of N requests) / N, "
            "PYTHONHASHSEED=0, setarch -R, python -S",
            "server": {
                "version": server.SERVER_VERSION,
                "requests": server_settings.requests,
                "warmup": server_settings.warmup,
                "switch_interval_s": server.SWITCH_INTERVAL_S,
                "method": "one worker under callgrind, a client in another process over "
                "loopback; vgdb zero/dump around windows of N and 2N requests, each on its own "
                "connection, each request sent once the server is asleep; the idle window's "
                "cost per timer wake-up (counted by the registry's timer_function) or else per "
                "second subtracted from each window",
            },
        },
        "frameworks": frameworks,
        "cells": [
            {
                "framework": c.framework,
                "level": c.level,
                "scenario": c.scenario,
                "instructions_per_request": round(c.per_request, 1),
                "instructions_n": c.instructions_n,
                "instructions_2n": c.instructions_2n,
            }
            for c in cells
        ],
    }


def write(doc: dict[str, Any], path: Path) -> None:
    """Atomically: a reader never sees half a file, and Ctrl-C never leaves one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # Sorted keys and cells: a refreshed baseline's diff shows only what changed.
        stable = {**doc, "cells": sorted(doc["cells"], key=cell_key)}
        with os.fdopen(fd, "w") as handle:
            json.dump(stable, handle, indent=2, ensure_ascii=False, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such baseline (make baseline writes one)") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable JSON document ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise UsageError(f"{path}: not an instructions-per-request result")
    if doc.get("schema_version") not in READABLE_VERSIONS:
        raise UsageError(
            f"{path}: schema_version {doc.get('schema_version')!r} is not supported "
            f"(this bench reads {', '.join(map(str, READABLE_VERSIONS))})"
        )
    return doc


# --- comparing ------------------------------------------------------------------------------

_REFUSED_ENVIRONMENT = ("python", "implementation", "compiler", "config_options", "machine")
_NOTED_ENVIRONMENT = ("cpu_model", "libc", "valgrind")


def incomparable(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """Why counts of `head` cannot be set against `base`; empty when they can."""
    reasons = []
    for key in _REFUSED_ENVIRONMENT:
        b, h = base["environment"].get(key), head["environment"].get(key)
        if b != h:
            reasons.append(f"{key} differs: base {b!r}, head {h!r}")
    for key in ("driver_version", "requests", "warmup"):
        b, h = base["settings"].get(key), head["settings"].get(key)
        if b != h:
            reasons.append(f"{key} differs: base {b!r}, head {h!r}")
    b_server, h_server = base["settings"].get("server"), head["settings"].get("server")
    if b_server and h_server:
        for key in ("version", "requests", "warmup", "switch_interval_s"):
            b, h = b_server.get(key), h_server.get(key)
            if b != h:
                reasons.append(f"server {key} differs: base {b!r}, head {h!r}")
    return reasons


def changed_packages(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """`name old -> new` for each pin of the lock that differs (from the closures for a
    version 1 document, which recorded no lock)."""
    from bench.profiling.environment import changes

    def pins(doc: dict[str, Any]) -> dict[str, str]:
        lock = doc["environment"].get("lock")
        if lock and lock.get("packages"):
            return dict(lock["packages"])
        merged: dict[str, str] = {}
        for fw in doc["frameworks"].values():
            merged.update(fw.get("packages", {}))
        return merged

    return changes(pins(base), pins(head))


def notes(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """Differences that are reported but do not make the counts incomparable."""
    out = []
    for key in _NOTED_ENVIRONMENT:
        b, h = base["environment"].get(key), head["environment"].get(key)
        if b != h:
            out.append(f"{key} differs (counts stay comparable): base {b!r}, head {h!r}")
    return out


Status = Literal["regressed", "improved", "same", "new", "missing"]
Key = tuple[str, str, str]
"""(framework, level, scenario)."""


def cell_key(cell: dict[str, Any]) -> Key:
    return (cell["framework"], cell.get("level", "app"), cell["scenario"])


def cell_name(key: Key) -> str:
    framework, level, scenario = key
    return f"{framework}/{scenario} ({level})"


@dataclass(frozen=True)
class Row:
    framework: str
    level: str
    scenario: str
    base: float | None
    head: float | None

    @property
    def key(self) -> Key:
        return (self.framework, self.level, self.scenario)

    @property
    def name(self) -> str:
        return cell_name(self.key)

    @property
    def change(self) -> float | None:
        """Relative change of head over base (0.02 = 2% more instructions)."""
        if self.base is None or self.head is None:
            return None
        return self.head / self.base - 1.0

    def status(self, threshold: float) -> Status:
        if self.head is None:
            return "missing"
        change = self.change
        if change is None:
            return "new"
        if change > threshold:
            return "regressed"
        if change < -threshold:
            return "improved"
        return "same"


def compare(
    base: dict[str, Any], head: dict[str, Any], expected: Callable[[Key], bool] | None = None
) -> list[Row]:
    """One row per cell of either side: a base cell the head lacks is a row without a head.

    `expected` says which base cells the head was asked to count (all by default); a base
    cell outside a narrowed selection (--frameworks, --scenarios) is left out, not missing.
    """
    base_cells = {cell_key(c): float(c["instructions_per_request"]) for c in base["cells"]}
    head_cells = {cell_key(c): float(c["instructions_per_request"]) for c in head["cells"]}
    rows = [Row(*key, base_cells.get(key), value) for key, value in head_cells.items()]
    rows += [
        Row(*key, value, None)
        for key, value in base_cells.items()
        if key not in head_cells and (expected is None or expected(key))
    ]
    return sorted(rows, key=lambda r: (r.framework, r.level, r.scenario))


def regressions(rows: Sequence[Row], threshold: float) -> list[Row]:
    return [r for r in rows if r.status(threshold) == "regressed"]


def missing(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if r.head is None]


@dataclass(frozen=True)
class Creep:
    """The geometric mean of head/base over every cell of one framework both sides count."""

    framework: str
    cells: int
    change: float


def creep(rows: Sequence[Row]) -> list[Creep]:
    """Per framework: many cells each a little over their base add up to a real slowdown
    that no single cell's threshold sees; their geometric mean does."""
    logs: dict[str, list[float]] = {}
    for row in rows:
        if row.base is not None and row.head is not None and row.base > 0 and row.head > 0:
            logs.setdefault(row.framework, []).append(math.log(row.head / row.base))
    return [
        Creep(name, len(values), math.exp(sum(values) / len(values)) - 1.0)
        for name, values in sorted(logs.items())
    ]


@dataclass(frozen=True)
class Verdict:
    regressed: list[Row]
    missing: list[Row]
    creeping: list[Creep]

    @property
    def failed(self) -> bool:
        return bool(self.regressed or self.missing or self.creeping)

    def lines(self, threshold: float, mean_threshold: float) -> list[str]:
        """One line per reason the gate fails, each naming its cell or framework."""
        out = [
            f"{r.name}: {r.change:+.2%} instructions per request (over {threshold:.2%})"
            for r in self.regressed
        ]
        out += [f"{r.name}: counted in the base, missing in the head" for r in self.missing]
        out += [
            f"{c.framework}: geometric mean over its {c.cells} cells {c.change:+.2%} "
            f"(over {mean_threshold:.2%})"
            for c in self.creeping
        ]
        return out


def verdict(rows: Sequence[Row], threshold: float, mean_threshold: float) -> Verdict:
    return Verdict(
        regressions(rows, threshold),
        missing(rows),
        [c for c in creep(rows) if c.change > mean_threshold],
    )


def parse_threshold(text: str) -> float:
    """'2%' or '2' -> 0.02: a percentage, above zero."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"threshold must be a percentage such as 2%, got {text!r}") from None
    if not math.isfinite(value) or value <= 0 or value >= 100:
        raise UsageError(f"threshold must be between 0% and 100%, got {text!r}")
    return value / 100


def _count(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def markdown(
    rows: Sequence[Row],
    threshold: float,
    base_label: str,
    head_label: str,
    *,
    mean_threshold: float = 0.005,
    changed_packages: Sequence[str] = (),
) -> str:
    """The table the gate prints and appends to the GitHub job summary."""
    lines = [
        f"### Instructions per request (callgrind): {head_label} against {base_label}",
        "",
        f"A cell fails at more than {threshold:.2%} over its base, a framework when the "
        f"geometric mean of its cells is more than {mean_threshold:.2%} over, and the gate "
        "when a cell of the base is missing. Level `app`: the callable in-process; `server`: "
        "through its production server with one worker.",
        "",
    ]
    if changed_packages:
        lines += ["Packages changed in the lock (base -> head):", ""]
        lines += [f"- {change}" for change in changed_packages]
        lines.append("")
    lines += [
        "| framework | level | scenario | base | head | change | |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    marks = {
        "regressed": "**regressed**",
        "improved": "improved",
        "same": "",
        "new": "new",
        "missing": "**missing**",
    }
    for row in rows:
        change = "" if row.change is None else f"{row.change:+.2%}"
        lines.append(
            f"| {row.framework} | {row.level} | {row.scenario} | {_count(row.base)} "
            f"| {_count(row.head)} | {change} | {marks[row.status(threshold)]} |"
        )
    means = creep(rows)
    if means:
        lines += ["", "| framework | cells | geometric mean change |", "|---|---:|---:|"]
        for c in means:
            flag = " **creep**" if c.change > mean_threshold else ""
            lines.append(f"| {c.framework} | {c.cells} | {c.change:+.2%}{flag} |")
    found = verdict(rows, threshold, mean_threshold)
    lines.append("")
    if found.failed:
        lines.append("**Gate failed**:")
        lines += [f"- {line}" for line in found.lines(threshold, mean_threshold)]
    else:
        lines.append("Gate passed: no cell or framework over its threshold, none missing.")
    return "\n".join(lines) + "\n"
