"""The instructions-per-request result document, and the gate: a pure function of two of them.

History of INSTRUCTIONS_SCHEMA_VERSION:
  1 — first version: environment fingerprint, settings, per-framework packages, cells.
Readers refuse a version they do not know.

When are two documents comparable? Callgrind counts the instructions the interpreter executes,
so anything that changes the interpreter's machine code or the Python code run per request
changes the counts without any change in the apps. Refused (the gate exits 2 and says why):
  - another Python: version, implementation, compiler or configure options (a PGO or LTO build
    of the same version runs a very different number of instructions);
  - another architecture (another instruction set);
  - another version of any package in a compared framework's dependency closure;
  - another driver version or other settings (requests, warm-up).
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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from bench.errors import UsageError
from bench.frameworks import Framework
from bench.profiling import driver
from bench.profiling.callgrind import Cell, Settings, Subject, Tools

INSTRUCTIONS_SCHEMA_VERSION = 1
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


def packages(framework: Framework) -> dict[str, str]:
    """Versions of every installed distribution the framework pulls in."""
    from bench.facts import closure

    return {name: metadata.version(name) for name in closure(framework.distributions)}


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
) -> dict[str, Any]:
    roots = {s.root for s in subjects}
    return {
        "schema_version": INSTRUCTIONS_SCHEMA_VERSION,
        "kind": KIND,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": source(next(iter(roots)), ref) if len(roots) == 1 else None,
        "environment": fingerprint(tools),
        "settings": {
            "driver_version": driver.DRIVER_VERSION,
            "requests": settings.requests,
            "warmup": settings.warmup,
            "event": "Ir (instructions executed)",
            "method": "(count of 2N requests - count of N requests) / N, "
            "PYTHONHASHSEED=0, setarch -R, python -S",
        },
        "frameworks": {
            s.framework.name: {
                "target": s.framework.target,
                "interface": s.framework.interface,
                "packages": packages(s.framework),
                "scenarios": list(s.scenarios),
            }
            for s in subjects
        },
        "cells": [
            {
                "framework": c.framework,
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
        with os.fdopen(fd, "w") as handle:
            json.dump(doc, handle, indent=2, ensure_ascii=False)
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
    if doc.get("schema_version") != INSTRUCTIONS_SCHEMA_VERSION:
        raise UsageError(
            f"{path}: schema_version {doc.get('schema_version')!r} is not supported "
            f"(this bench reads {INSTRUCTIONS_SCHEMA_VERSION})"
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
    for name in sorted(set(base["frameworks"]) & set(head["frameworks"])):
        b_pkgs = base["frameworks"][name]["packages"]
        h_pkgs = head["frameworks"][name]["packages"]
        for pkg in sorted(set(b_pkgs) | set(h_pkgs)):
            if b_pkgs.get(pkg) != h_pkgs.get(pkg):
                reasons.append(
                    f"{name}: package {pkg} differs: base {b_pkgs.get(pkg)}, head {h_pkgs.get(pkg)}"
                )
    return reasons


def notes(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """Differences that are reported but do not make the counts incomparable."""
    out = []
    for key in _NOTED_ENVIRONMENT:
        b, h = base["environment"].get(key), head["environment"].get(key)
        if b != h:
            out.append(f"{key} differs (counts stay comparable): base {b!r}, head {h!r}")
    return out


Status = Literal["regressed", "improved", "same", "new"]


@dataclass(frozen=True)
class Row:
    framework: str
    scenario: str
    base: float | None
    head: float

    @property
    def change(self) -> float | None:
        """Relative change of head over base (0.02 = 2% more instructions)."""
        return None if self.base is None else self.head / self.base - 1.0

    def status(self, threshold: float) -> Status:
        change = self.change
        if change is None:
            return "new"
        if change > threshold:
            return "regressed"
        if change < -threshold:
            return "improved"
        return "same"


def compare(base: dict[str, Any], head: dict[str, Any]) -> list[Row]:
    """One row per cell of `head`, with the base's count when it has that cell."""
    base_cells = {
        (c["framework"], c["scenario"]): float(c["instructions_per_request"]) for c in base["cells"]
    }
    return [
        Row(
            c["framework"],
            c["scenario"],
            base_cells.get((c["framework"], c["scenario"])),
            float(c["instructions_per_request"]),
        )
        for c in head["cells"]
    ]


def regressions(rows: Sequence[Row], threshold: float) -> list[Row]:
    return [r for r in rows if r.status(threshold) == "regressed"]


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


def markdown(rows: Sequence[Row], threshold: float, base_label: str, head_label: str) -> str:
    """The table the gate prints and appends to the GitHub job summary."""
    lines = [
        f"### Instructions per request (callgrind): {head_label} against {base_label}",
        "",
        f"Threshold: {threshold:.2%} more instructions fails the gate.",
        "",
        "| framework | scenario | base | head | change | |",
        "|---|---|---:|---:|---:|---|",
    ]
    marks = {"regressed": "**regressed**", "improved": "improved", "same": "", "new": "new"}
    for row in rows:
        change = "" if row.change is None else f"{row.change:+.2%}"
        lines.append(
            f"| {row.framework} | {row.scenario} | {_count(row.base)} | {_count(row.head)} "
            f"| {change} | {marks[row.status(threshold)]} |"
        )
    bad = regressions(rows, threshold)
    lines.append("")
    if bad:
        names = ", ".join(f"{r.framework}/{r.scenario}" for r in bad)
        lines.append(f"**Gate failed**: {len(bad)} cell(s) over {threshold:.2%}: {names}")
    else:
        lines.append(f"Gate passed: no cell over {threshold:.2%}.")
    return "\n".join(lines) + "\n"
