"""Checking out a base commit in a temporary git worktree, and leaving nothing behind.

Profiling a base for real: tests/bench/commands/test_gate.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bench import frameworks
from bench.errors import UsageError
from bench.profiling import tree


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose one commit holds only the raw WSGI app."""
    root = tmp_path / "repo"
    shutil.copytree(
        frameworks.ROOT / "apps" / "raw_wsgi",
        root / "apps" / "raw_wsgi",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    _git(root.parent, "init", "-q", str(root))
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "base")
    return root


def test_the_worktree_holds_the_commit_and_is_removed_afterwards(repo: Path) -> None:
    commit = _git(repo, "rev-parse", "HEAD")
    with tree.worktree(repo, "HEAD") as base:
        assert base != repo and (base / "apps" / "raw_wsgi" / "app.py").is_file()
        assert _git(base, "rev-parse", "HEAD") == commit
    assert not base.exists()
    assert _git(repo, "worktree", "list").count("\n") == 0  # only the main tree is left


def test_an_unknown_ref_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="'nosuch' is not a commit"), tree.worktree(repo, "nosuch"):
        pass
    assert _git(repo, "worktree", "list").count("\n") == 0


def test_base_mode_needs_a_git_checkout(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs a git checkout"):
        tree.toplevel(tmp_path)


def test_apps_absent_from_a_tree_are_left_out(repo: Path) -> None:
    chosen = tree.subjects(repo, frameworks.FRAMEWORKS, None)
    assert [s.framework.name for s in chosen] == ["raw-wsgi"]
    assert chosen[0].scenarios == ("plaintext", "json")
