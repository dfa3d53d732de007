"""The database endpoints of every app against the private cluster, each under its real server:
one test per (app, rule id), the statement counts included. Without DATABASE_URL an app still
starts, and its database endpoints answer 503 with a JSON detail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from bench import contract, frameworks
from bench.contract import checks
from bench.contract.client import Client
from bench.contract.rule import Rule
from bench.database import cluster
from bench.server import ServerProcess, running
from tests.apps.servers import TEST_CORES

pytestmark = pytest.mark.slow

RULE_IDS = [rule.id for rule in contract.DATABASE_RULES] + list(contract.rules_database.COUNTED_IDS)


class OneServer:
    """The app a test asks for, with the database in its environment; one alive at a time."""

    def __init__(self, database: cluster.Database) -> None:
        self._env = database.app_environment()
        self._stack = ExitStack()
        self._name = ""
        self._server: ServerProcess | None = None

    def get(self, name: str) -> ServerProcess:
        if self._server is None or self._name != name:
            self._stack.close()
            fw = frameworks.get(name)
            self._server = self._stack.enter_context(
                running(fw, fw.workers(TEST_CORES), extra_env=self._env)
            )
            self._name = name
        return self._server

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def servers(database: cluster.Database) -> Iterator[OneServer]:
    pool = OneServer(database)
    try:
        yield pool
    finally:
        pool.close()


def _rule(rule_id: str, database: cluster.Database) -> Rule:
    rules = (*contract.DATABASE_RULES, *contract.rules_database.counted(database.admin))
    return next(rule for rule in rules if rule.id == rule_id)


@pytest.mark.parametrize(
    ("name", "rule_id"),
    [pytest.param(n, r, id=f"{n}-{r}") for n in frameworks.NAMES for r in RULE_IDS],
)
def test_rule(servers: OneServer, database: cluster.Database, name: str, rule_id: str) -> None:
    server = servers.get(name)
    [result] = contract.check((_rule(rule_id, database),), server.port, name)
    assert result.passed, f"{name} {rule_id}: {result.detail}"


@pytest.mark.parametrize("name", frameworks.NAMES)
def test_without_a_database_the_endpoints_answer_503(name: str) -> None:
    fw = frameworks.get(name)
    env = {"DATABASE_URL": ""}
    with (
        running(fw, fw.workers(TEST_CORES), extra_env=env) as server,
        Client(server.port) as client,
    ):
        for path in ("/db", "/queries?queries=2", "/fortunes", "/updates"):
            reply = client.get(path)
            checks.status(reply, 503)
            checks.error_body(reply)
        checks.status(client.get("/json"), 200)
