"""Docker tests run against a real engine; without one they skip, saying why."""

from __future__ import annotations

import pytest

from bench.docker import engine


@pytest.fixture(scope="session")
def docker_engine() -> None:
    reason = engine.unavailable_reason()
    if reason is not None:
        pytest.skip(f"docker cannot run here: {reason}; {engine.PROVISION_HINT}")
