"""The contract holds on every server of the matrix, not only each app's default one.

One test per (app, server) pair other than the default (test_conformance.py checks those rule
by rule): the whole contract through that server, as `bench verify` checks it. A pair that
does not start or breaks a rule fails, naming the rules; it is never skipped.
"""

from __future__ import annotations

import pytest

from bench import contract, frameworks
from bench.commands.verify import rules_for
from bench.errors import BenchError
from bench.server import running
from tests.apps.servers import TEST_CORES

PAIRS = [fw for fw in frameworks.deployments(None, ("all",)) if not fw.is_default]


@pytest.mark.parametrize("fw", PAIRS, ids=lambda fw: fw.label)
def test_the_contract_holds_on_this_server(fw: frameworks.Deployment) -> None:
    try:
        with running(fw, fw.workers(TEST_CORES)) as server:
            results = contract.check(rules_for(fw), server.port, fw)
    except BenchError as exc:
        pytest.fail(f"{fw.label} did not start: {exc}")
    failed = {r.rule_id: r.detail for r in results if not r.passed}
    assert failed == {}, f"{fw.label}: {failed}"
    assert len(results) == len(contract.rules_for(fw))


@pytest.mark.parametrize("server", ["gunicorn-sync", "gunicorn-gevent"])
def test_the_variants_outside_the_matrix_hold_it_too(server: str) -> None:
    fw = frameworks.deployment("flask", server)
    with running(fw, fw.workers(TEST_CORES)) as started:
        results = contract.check(rules_for(fw), started.port, fw)
    assert [r.rule_id for r in results if not r.passed] == []
