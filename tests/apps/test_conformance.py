"""Every contract rule against every app it binds, each app under its real server.

One test per (app, rule id), so that a failure names both. An app that is missing or does not
start fails each of its tests; it is never skipped.
"""

from __future__ import annotations

import pytest

from bench import contract, frameworks
from tests.apps.servers import OneAtATime

CASES = [
    pytest.param(fw.name, rule.id, id=f"{fw.name}-{rule.id}")
    for fw in frameworks.FRAMEWORKS
    for rule in contract.rules_for(fw)
]


@pytest.mark.parametrize(("name", "rule_id"), CASES)
def test_rule(apps: OneAtATime, name: str, rule_id: str) -> None:
    app = apps.get(name)
    if app.port is None:
        pytest.fail(app.problem)
    [result] = contract.check((contract.rule(rule_id),), app.port, app.framework)
    assert result.passed, f"{app.framework.name} {rule_id}: {result.detail}"


def test_every_app_is_bound_by_every_baseline_rule() -> None:
    baseline_ids = {rule.id for rule in contract.RULES if rule.baseline}
    for fw in frameworks.FRAMEWORKS:
        assert baseline_ids <= {rule.id for rule in contract.rules_for(fw)}
    full = {rule.id for rule in contract.rules_for("flask")}
    assert full == {rule.id for rule in contract.RULES}
