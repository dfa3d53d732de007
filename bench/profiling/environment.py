"""The Python environment a tree is counted in: its site-packages, built from its own lock.

A tree's cost includes its dependencies, so each side of a comparison runs with the packages its
`requirements.lock` pins. The harness's own environment is used when it already holds every pin
of that lock (what `make setup` builds); otherwise a virtual environment is built from the lock
with `pip install --require-hashes` and cached by the lock's sha256 under CACHE_DIR, outside
results/, so the next gate with the same lock reuses it. pip's own settings apply (PIP_INDEX_URL,
PIP_FIND_LINKS, PIP_NO_INDEX: the tests install a wheel built in a temporary folder, offline).

The interpreter is always the harness's own (the same ELF binary, so the same Python build):
a venv made by it runs that binary, and the counted process adds only the venv's site-packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from bench.errors import BenchError

LOCK_NAME = "requirements.lock"
CACHE_ENV = "PYWEBBENCH_CACHE_DIR"
"""Overrides the cache folder (default ~/.cache/pywebbench)."""
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def cache_dir() -> Path:
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path.home() / ".cache" / "pywebbench"


@dataclass(frozen=True)
class Lock:
    path: Path
    sha256: str
    pins: dict[str, str]
    """Canonical name -> version."""


def read_lock(path: Path) -> Lock | None:
    """The lock's pins (`name==version` lines, hashes and comments skipped); None if absent."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    pins: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[str(canonicalize_name(match.group(1)))] = str(match.group(2))
    return Lock(path, hashlib.sha256(data).hexdigest(), pins)


def changes(base: dict[str, str], head: dict[str, str]) -> list[str]:
    """`name old -> new` for every pin that differs, sorted by name ("none" when absent)."""
    return [
        f"{name} {base.get(name, 'none')} -> {head.get(name, 'none')}"
        for name in sorted(set(base) | set(head))
        if base.get(name) != head.get(name)
    ]


@dataclass(frozen=True)
class Environment:
    label: str
    """Where it came from: "harness" or "venv <path>"."""
    site_dirs: tuple[str, ...]
    lock_sha256: str | None = None
    pins: tuple[tuple[str, str], ...] = ()

    def installed(self) -> dict[str, metadata.Distribution]:
        """Canonical name -> distribution, the first on the path winning, as imports do."""
        found: dict[str, metadata.Distribution] = {}
        for dist in metadata.distributions(path=list(self.site_dirs)):
            name = dist.metadata["Name"]
            if name:
                found.setdefault(canonicalize_name(name), dist)
        return found

    def closure(self, roots: Sequence[str]) -> dict[str, str]:
        """Versions of every distribution `roots` pull in here, markers evaluated, as pip does."""
        installed = self.installed()
        seen: dict[str, str] = {}
        todo: list[tuple[str, frozenset[str]]] = [(r, frozenset()) for r in roots]
        done: set[tuple[str, frozenset[str]]] = set()
        while todo:
            name, extras = todo.pop()
            key = (canonicalize_name(name), extras)
            if key in done:
                continue
            done.add(key)
            dist = installed.get(key[0])
            if dist is None:
                continue  # an optional dependency that is not installed
            seen[key[0]] = dist.version
            for line in dist.requires or []:
                try:
                    req = Requirement(line)
                except InvalidRequirement:
                    continue
                if req.marker is not None and not any(
                    req.marker.evaluate({"extra": extra}) for extra in (extras or {""})
                ):
                    continue
                todo.append((req.name, frozenset(req.extras)))
        return dict(sorted(seen.items()))


def harness() -> Environment:
    """The environment this process runs in (its site-packages, without the user site)."""
    import sysconfig

    paths = sysconfig.get_paths()
    return Environment("harness", tuple(dict.fromkeys([paths["purelib"], paths["platlib"]])))


def satisfies(env: Environment, lock: Lock) -> bool:
    installed = env.installed()
    return all(
        name in installed and installed[name].version == version
        for name, version in lock.pins.items()
    )


def for_lock(
    lock: Lock | None, python: Path, progress: Callable[[str], None] | None = None
) -> Environment:
    """The harness's environment if it holds the lock's pins, else the lock's own venv."""
    current = harness()
    if lock is None:
        return current
    pins = tuple(sorted(lock.pins.items()))
    if satisfies(current, lock):
        return Environment(current.label, current.site_dirs, lock.sha256, pins)
    venv = build(lock, python, progress)
    return Environment(f"venv {venv}", _site_dirs(venv), lock.sha256, pins)


def build(lock: Lock, python: Path, progress: Callable[[str], None] | None = None) -> Path:
    """The venv of `lock`, built once per lock hash; a half-built one is built again."""
    target = cache_dir() / "venvs" / lock.sha256
    complete = target / ".complete"
    if complete.is_file():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    if progress is not None:
        progress(f"building a virtual environment from {lock.path} in {target}")
    _run([str(python), "-m", "venv", "--without-pip", str(target)], "creating the venv")
    # This environment's pip installs into the new one: no ensurepip, no second pip to pin.
    _run(
        [
            sys.executable, "-m", "pip", "--python", str(target / "bin" / "python"),
            "install", "--quiet", "--disable-pip-version-check", "--no-deps",
            "--require-hashes", "-r", str(lock.path),
        ],
        f"installing {lock.path}",
    )  # fmt: skip
    complete.write_text(json.dumps({"lock": str(lock.path), "sha256": lock.sha256}) + "\n")
    return target


def _run(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BenchError(f"{what} failed (exit {done.returncode}): {' | '.join(tail)}")


def _site_dirs(venv: Path) -> tuple[str, ...]:
    done = subprocess.run(
        [
            str(venv / "bin" / "python"), "-c",
            "import json, sysconfig; p = sysconfig.get_paths(); "
            "print(json.dumps([p['purelib'], p['platlib']]))",
        ],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return tuple(dict.fromkeys(json.loads(done.stdout)))
