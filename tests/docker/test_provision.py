"""scripts/provision-docker.sh is idempotent: on a provisioned machine it changes nothing."""

from __future__ import annotations

import subprocess

import pytest

from bench.frameworks import ROOT

SCRIPTS = ("provision-docker.sh", "build-base-image.sh")


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_parse(name: str) -> None:
    done = subprocess.run(["bash", "-n", str(ROOT / "scripts" / name)], capture_output=True,
                          text=True, timeout=30, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.docker
@pytest.mark.usefixtures("docker_engine")
def test_a_second_provisioning_does_nothing() -> None:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "provision-docker.sh")],
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "are installed" in out and "a docker engine is running" in out
    assert "base image" in out and "present" in out
    for action in ("installing", "started dockerd", "pulled"):
        assert f"provision-docker: {action}" not in out, f"not idempotent: {out}"
    assert "cannot be pulled" not in out, f"not idempotent (base image rebuilt): {out}"
