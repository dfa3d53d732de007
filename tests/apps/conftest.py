"""The `apps` fixture: each app under its real server, started once per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.apps.servers import OneAtATime


@pytest.fixture(scope="module")
def apps() -> Iterator[OneAtATime]:
    pool = OneAtATime()
    try:
        yield pool
    finally:
        pool.close()
