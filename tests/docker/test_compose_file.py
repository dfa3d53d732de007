"""The committed docker-compose.yml is valid for docker-compose and agrees with the registry."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from ruamel.yaml import YAML

from bench import frameworks
from bench.docker import postgres
from bench.docker.spec import ContainerSpec
from bench.frameworks import ROOT


def _config() -> dict[str, Any]:
    compose = shutil.which("docker-compose")
    if compose is None:
        pytest.skip("docker-compose is not installed; scripts/provision-docker.sh installs it")
    done = subprocess.run(
        [compose, "--file", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = YAML(typ="safe").load(done.stdout)
    return parsed


def test_compose_config_is_valid_and_matches_the_registry() -> None:
    services = _config()["services"]
    others = [ContainerSpec(fw) for fw in frameworks.deployments(None, ("all",))]
    assert sorted(services) == sorted([*(spec.service for spec in others), postgres.SERVICE])
    database = services.pop(postgres.SERVICE)
    assert database["network_mode"] == "host" and database["cpuset"] != services["flask"]["cpuset"]
    for spec in others:  # every server of an app runs from the app's one image
        assert (
            services[spec.service]["image"]
            == ContainerSpec(frameworks.get(spec.framework.name)).image
        )
    for fw in frameworks.FRAMEWORKS:
        service = services[fw.name]
        spec = ContainerSpec(fw)
        assert service["image"] == spec.image
        assert service["build"]["dockerfile"] == spec.dockerfile
        assert service["build"]["network"] == "host"
        assert service["environment"]["PORT"] == str(fw.port)
        assert service["environment"]["DATABASE_URL"] == postgres.DATABASE_URL
        # Loopback only: the host network (the servers bind 127.0.0.1), no published ports.
        assert service["network_mode"] == "host"
        assert "ports" not in service and "networks" not in service
    limits = {
        (s["cpuset"], str(s["mem_limit"]), str(s["memswap_limit"])) for s in services.values()
    }
    assert len(limits) == 1, f"limits differ between services: {limits}"


def test_compose_reports_an_invalid_file(tmp_path: Any) -> None:
    compose = shutil.which("docker-compose")
    if compose is None:
        pytest.skip("docker-compose is not installed")
    bad = tmp_path / "docker-compose.yml"
    bad.write_text((ROOT / "docker-compose.yml").read_text().replace("cpuset:", "cpu_set_x:", 1))
    done = subprocess.run(
        [compose, "--file", str(bad), "config"], capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode != 0
