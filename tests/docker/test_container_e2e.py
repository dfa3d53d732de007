"""End to end on a real engine: build the raw-wsgi image, run it on the host network on a free
port, wait for docker's `healthy`, verify the contract through it, read its cgroup, remove it;
and a Ctrl-C'd bench leaves no container behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from bench import contract, frameworks, ports
from bench.docker import containers, engine, images
from bench.docker.spec import ContainerSpec
from bench.frameworks import ROOT
from bench.server import probe

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.usefixtures("docker_engine")]

FRAMEWORK = "raw-wsgi"  # the smallest image: gunicorn and its one dependency


@pytest.fixture(scope="module")
def built() -> images.BuiltImage:
    spec = ContainerSpec(frameworks.get(FRAMEWORK))
    return images.build(spec, images.base_image())


def test_image_runs_healthy_verifies_and_is_removed(built: images.BuiltImage) -> None:
    spec = ContainerSpec(frameworks.get(FRAMEWORK))
    assert built.size_bytes > 0 and built.image == spec.image
    with containers.running(spec, port=None, healthcheck=True, timeout=120) as container:
        assert container.state().health == "healthy"
        results = contract.verify(container.port, spec.framework)
        failed = [(r.rule_id, r.detail) for r in results if not r.passed]
        assert results and not failed
        group = container.cgroup()
        before = group.usage()
        for _ in range(200):
            assert probe(container.port) == 200
        after = group.usage()
        assert after.cpu_usec > before.cpu_usec, "the container's CPU time must grow under load"
        assert after.memory_bytes > 10 * 2**20  # gunicorn and three workers: tens of MiB
        name, port = container.name, container.port
    assert not _exists(name), "the container must be removed on the way out"
    assert ports.is_free(port)


def test_ctrl_c_removes_the_container(built: images.BuiltImage) -> None:
    script = textwrap.dedent(
        f"""
        import time
        from bench import frameworks
        from bench.docker import containers
        from bench.docker.spec import ContainerSpec
        spec = ContainerSpec(frameworks.get({FRAMEWORK!r}))
        with containers.running(spec, healthcheck=False) as c:
            print("READY", c.name, flush=True)
            time.sleep(120)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        assert line[:1] == ["READY"], f"child did not start its container: {line}"
        name = line[1]
        assert _exists(name)
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not _exists(name), "Ctrl-C must not leave the container behind"


def _exists(name: str) -> bool:
    out = engine.docker(["ps", "--all", "--quiet", "--filter", f"name=^{name}$"])
    return bool(out.strip())
