"""`python -m bench compose`: the committed files agree; a stale file is caught."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.docker import compose, generated
from bench.frameworks import ROOT


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_committed_files_are_up_to_date() -> None:
    done = _bench("compose", "--check", "docker-compose.yml")
    assert done.returncode == 0, done.stderr


def test_a_stale_compose_file_fails_the_check(tmp_path: Path) -> None:
    target = tmp_path / "docker-compose.yml"
    target.write_text(compose.render(target).replace('"8001"', '"9001"'))
    done = _bench("compose", "--check", str(target))
    assert done.returncode == 1
    assert "out of date" in done.stderr and str(target) in done.stderr


def test_write_elsewhere_points_the_build_context_at_the_project(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "docker-compose.yml"
    target.parent.mkdir()
    text = compose.render(target)
    context = text.split('context: "')[1].split('"')[0]
    assert not context.startswith("/"), "a relative context keeps the file portable"
    assert (target.parent / context).resolve() == ROOT
    assert generated.stale(target) == [target]  # only the file not yet written
