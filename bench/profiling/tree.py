"""Profile the apps of one source tree: the working tree, or a base commit checked out beside it.

The driver and the registry always come from the working tree, only the apps from the tree
measured: both sides of a comparison are measured by the same instrument.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.errors import BenchError, UsageError
from bench.frameworks import Framework
from bench.profiling import callgrind, environment, result, server
from bench.profiling.environment import Environment

LEVELS: tuple[str, ...] = ("app", "server")


def subjects(
    root: Path,
    frameworks: Sequence[Framework],
    scenarios: Sequence[str] | None,
    wrappers: Mapping[str, callgrind.Wrapper] | None = None,
    env: Environment | None = None,
) -> list[callgrind.Subject]:
    """What to count in `root`: apps absent from that tree (new in the head) are left out."""
    chosen = []
    for fw in frameworks:
        wanted = callgrind.scenarios_for(fw, scenarios)
        if wanted and (root / fw.app_dir).is_dir():
            wrapper = (wrappers or {}).get(fw.name)
            sites = None if env is None else env.site_dirs
            chosen.append(callgrind.Subject(fw, root, wanted, wrapper, sites))
    return chosen


def server_subjects(
    root: Path, frameworks: Sequence[Framework], scenarios: Sequence[str] | None, env: Environment
) -> list[server.ServerSubject]:
    """The server-level cells to count: /plaintext and /json (those of them asked for)."""
    wanted = tuple(s for s in server.SCENARIOS if not scenarios or s in scenarios)
    if not wanted:
        return []
    return [
        server.ServerSubject(fw, root, env, wanted)
        for fw in frameworks
        if (root / fw.app_dir).is_dir()
    ]


def profile(
    root: Path,
    frameworks: Sequence[Framework],
    scenarios: Sequence[str] | None,
    settings: callgrind.Settings,
    *,
    tools: callgrind.Tools | None = None,
    ref: str | None = None,
    wrappers: Mapping[str, callgrind.Wrapper] | None = None,
    progress: Callable[[str], None] | None = None,
    env: Environment | None = None,
    levels: Sequence[str] = LEVELS,
    server_settings: server.ServerSettings | None = None,
) -> dict[str, Any]:
    """The result document of `root`'s apps, counted in `env` (default: this environment)."""
    tools = tools or callgrind.tools()
    env = env or environment.harness()
    server_settings = server_settings or server.ServerSettings(jobs=settings.jobs)
    chosen = subjects(root, frameworks, scenarios, wrappers, env) if "app" in levels else []
    servers = server_subjects(root, frameworks, scenarios, env) if "server" in levels else []
    if not chosen and not servers:
        raise UsageError(f"no app to profile in {root} for {[f.name for f in frameworks]}")
    cells = callgrind.run(chosen, settings, progress, tools) if chosen else []
    idle: dict[str, float] = {}
    if servers:
        server_cells, idle = server.run(servers, server_settings, tools, progress)
        cells += server_cells
    return result.document(
        cells,
        chosen,
        settings,
        tools,
        ref,
        env=env,
        servers=servers,
        server_settings=server_settings,
        idle=idle,
    )


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=False, capture_output=True, text=True, timeout=120
    )


def toplevel(path: Path) -> Path:
    done = _git(path, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise UsageError(f"--base needs a git checkout; {path} is not one")
    return Path(done.stdout.strip())


@contextmanager
def worktree(repo: Path, ref: str) -> Iterator[Path]:
    """`ref` checked out in a temporary worktree of `repo`, removed again on the way out."""
    found = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise UsageError(f"--base {ref!r} is not a commit in {repo} (fetched with full depth?)")
    commit = found.stdout.strip()
    parent = Path(tempfile.mkdtemp(prefix="bench-base-"))
    path = parent / "tree"
    added = _git(repo, "worktree", "add", "--detach", str(path), commit)
    if added.returncode != 0:
        shutil.rmtree(parent, ignore_errors=True)
        raise BenchError(f"git worktree add {ref} failed: {added.stderr.strip()}")
    try:
        yield path
    finally:
        _git(repo, "worktree", "remove", "--force", str(path))
        shutil.rmtree(parent, ignore_errors=True)
        _git(repo, "worktree", "prune")
