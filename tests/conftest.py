"""Fixtures shared across the suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.database import cluster


@pytest.fixture(scope="session")
def database() -> Iterator[cluster.Database]:
    """A private PostgreSQL cluster, made and seeded from nothing, for the whole session."""
    with cluster.running() as db:
        yield db
