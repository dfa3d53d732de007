"""Every container runs locked down, in `docker run` and in the generated compose file alike:
read-only root with a tmpfs /tmp, no capabilities, no new privileges, a pids limit. (Started for
real by tests/docker/test_container_e2e.py where a docker engine is provisioned.)"""

from __future__ import annotations

from bench.docker.compose import service
from bench.docker.containers import Container
from bench.docker.spec import PIDS_LIMIT, specs


def test_docker_run_drops_everything_it_does_not_need() -> None:
    args = Container(specs()[0], 8001).run_args()
    joined = " ".join(args)
    assert "--read-only" in args
    assert "--tmpfs /tmp:rw,nosuid,nodev,size=64m" in joined
    assert "--cap-drop ALL" in joined
    assert "--security-opt no-new-privileges" in joined
    assert f"--pids-limit {PIDS_LIMIT}" in joined
    assert args.index("--read-only") < args.index(specs()[0].image)  # options before the image


def test_every_compose_service_is_locked_down_the_same_way() -> None:
    for spec in specs():
        text = service(spec, ".")
        assert "read_only: true" in text
        assert '- "/tmp:rw,nosuid,nodev,size=64m"' in text
        assert 'cap_drop:\n      - "ALL"' in text
        assert '- "no-new-privileges:true"' in text
        assert f"pids_limit: {PIDS_LIMIT}" in text
