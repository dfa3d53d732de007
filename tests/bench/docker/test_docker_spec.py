"""The committed Dockerfiles and docker-compose.yml run exactly the registry's commands."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from bench import frameworks
from bench.docker import postgres
from bench.docker import spec as spec_module
from bench.docker.spec import CORES, IMAGE_ROOT, PYTHON, ContainerSpec, specs
from bench.frameworks import ROOT


def _instruction(text: str, name: str) -> str:
    """The last NAME instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    found = [line for line in joined.splitlines() if line.startswith(name + " ")]
    assert found, f"no {name} instruction"
    return found[-1][len(name) + 1 :]


@pytest.mark.parametrize("fw", frameworks.FRAMEWORKS, ids=lambda f: f.name)
def test_dockerfile_cmd_is_the_registry_command(fw: frameworks.Framework) -> None:
    text = (ROOT / fw.app_dir / "Dockerfile").read_text()
    cmd = json.loads(_instruction(text, "CMD"))
    assert cmd[:2] == ["sh", "-c"]
    script = cmd[2]
    assert script.startswith("exec "), "the server must replace the shell (signals reach it)"
    argv = shlex.split(script.removeprefix("exec ").replace("${PORT}", "18777"))
    expected = fw.command(18777, fw.workers(CORES), python=PYTHON)
    expected = [
        IMAGE_ROOT + p[len(str(ROOT)) :] if p.startswith(str(ROOT)) else p for p in expected
    ]
    assert argv == expected


@pytest.mark.parametrize("fw", frameworks.FRAMEWORKS, ids=lambda f: f.name)
def test_dockerfile_environment_port_user_and_layer_order(fw: frameworks.Framework) -> None:
    text = (ROOT / fw.app_dir / "Dockerfile").read_text()
    assert re.search(rf"^ENV (.+\\\n)*\s*PORT={fw.port}\b", text, re.MULTILINE)
    assert f"EXPOSE {fw.port}" in text
    for key, value in fw.environment().items():
        assert f"{key}={json.dumps(value.replace(str(ROOT), IMAGE_ROOT))}" in text
    user = _instruction(text, "USER")
    assert not user.startswith(("0", "root")), "the server must not run as root"
    # Dependencies are installed before the code is copied, so code edits reuse that layer.
    assert text.index("install --require-hashes") < text.index(f"COPY {fw.app_dir} ")
    assert "HEALTHCHECK" in text and "127.0.0.1:" in text
    assert text.startswith("# ") and "ARG BASE_IMAGE=python:3.11-slim" in text


def test_registry_ports_are_distinct_and_images_too() -> None:
    assert len({fw.port for fw in frameworks.FRAMEWORKS}) == len(frameworks.FRAMEWORKS)
    assert len({s.image for s in specs()}) == len(frameworks.FRAMEWORKS)


def test_port_templating_finds_the_port_by_difference() -> None:
    # uvicorn with one worker has "--workers 1": a port marker "1" would have been ambiguous.
    command = ContainerSpec(frameworks.get("raw-asgi")).shell_command()
    assert "--port ${PORT}" in command and "--workers 1" in command
    assert command.count("${PORT}") == 1


def test_paths_outside_the_project_are_left_alone() -> None:
    assert ContainerSpec._in_image("/usr/bin/python") == "/usr/bin/python"
    assert ContainerSpec._in_image(str(ROOT / "apps")) == f"{spec_module.IMAGE_ROOT}/apps"


def _compose_services() -> dict[str, dict[str, object]]:
    from ruamel.yaml import YAML

    parsed = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())
    services: dict[str, dict[str, object]] = parsed["services"]
    return services


@pytest.mark.parametrize("spec", spec_module.server_specs(), ids=lambda s: s.service)
def test_each_other_server_is_a_service_of_the_apps_image(spec: ContainerSpec) -> None:
    service = _compose_services()[spec.service]
    assert service["image"] == spec.image and "build" not in service
    # $$ is compose's escape: the container's shell reads ${PORT}, not compose from the host.
    assert service["command"] == ["sh", "-c", spec.shell_command().replace("$", "$$")]
    environment = service["environment"]
    assert isinstance(environment, dict)
    # Every app service also reaches the compose file's postgres (its database endpoints).
    assert environment == {
        "PORT": str(spec.framework.port),
        "DATABASE_URL": postgres.DATABASE_URL,
        **spec.environment(),
    }


def test_django_asgi_service_selects_its_asgi_settings() -> None:
    service = _compose_services()["django_uvicorn"]
    environment = service["environment"]
    assert isinstance(environment, dict)
    assert environment["DJANGO_SETTINGS_MODULE"] == "djangosite.settings_asgi"
    assert "djangosite.asgi:application" in str(service["command"])


@pytest.mark.parametrize("fw", frameworks.FRAMEWORKS, ids=lambda f: f.name)
def test_an_image_carries_the_cheroot_launcher_when_its_app_runs_on_it(
    fw: frameworks.Framework,
) -> None:
    text = (ROOT / fw.app_dir / "Dockerfile").read_text()
    copies = "COPY bench/launch/cheroot_wsgi.py" in text
    needs = fw.interface == "wsgi" and fw.app.own_cheroot is None
    assert copies == needs
