"""The HTTP contract of /work/shared/CONTRACT.md as data: rules with ids, each checked over HTTP.

`verify` runs every rule that binds a framework; `smoke` runs the few the runner checks before
each measured trial. Both talk to an app already listening on host:port.
"""

from __future__ import annotations

from bench import frameworks
from bench.contract import rules_common, rules_database, rules_echo, rules_pages, rules_users
from bench.contract.client import Client
from bench.contract.rule import Rule, RuleResult
from bench.frameworks import HOST, Framework

CONTRACT_VERSION = 2
"""Bump when a rule changes meaning: results record the version they were verified against.
2: the database endpoints (DATABASE_RULES, checked by verify_database)."""

RULES: tuple[Rule, ...] = (
    *rules_common.RULES,
    *rules_users.RULES,
    *rules_echo.RULES,
    *rules_pages.RULES,
)

SMOKE: tuple[str, ...] = (
    "plaintext.body",
    "json.body",
    "status.404.unknown-path",
    "users.leading-zeros",
    "echo.ok",
    "echo.415.vnd-json",
    "echo.400.nan",
    "echo.422.count-true",
    "template.page",
    "cookie.increments",
    "io.default",
)
"""A few cheap rules, one per endpoint and error class: wrong app or broken build, not rigour."""

DATABASE_RULES: tuple[Rule, ...] = rules_database.RULES
"""The database endpoints' HTTP rules; `verify_database` adds those that read the database."""

_BY_ID = {rule.id: rule for rule in (*RULES, *DATABASE_RULES, *rules_database.counted(""))}


def rules_for(framework: Framework | str) -> tuple[Rule, ...]:
    fw = frameworks.get(framework) if isinstance(framework, str) else framework
    return tuple(rule for rule in RULES if rule.applies_to(fw))


def rule(rule_id: str) -> Rule:
    return _BY_ID[rule_id]


def check(
    rules: tuple[Rule, ...], port: int, framework: Framework | str, host: str = HOST
) -> list[RuleResult]:
    """Run `rules` in order on one kept-alive connection (reopened after a failed rule)."""
    fw = frameworks.get(framework) if isinstance(framework, str) else framework
    results = []
    with Client(port, host) as client:
        for each in rules:
            result = each.run(client, fw)
            if not result.passed:
                client.close()  # a failure may leave the connection in any state
            results.append(result)
    return results


def verify(port: int, framework: Framework | str, host: str = HOST) -> list[RuleResult]:
    """Every rule that binds `framework`, checked against the app on host:port."""
    return check(rules_for(framework), port, framework, host)


def verify_database(
    port: int, framework: Framework | str, admin: str, host: str = HOST
) -> list[RuleResult]:
    """The database endpoints' rules, the counted ones too (`admin` reads pg_stat_statements).

    Nothing else may use the database meanwhile: the counts would include its statements.
    """
    return check((*DATABASE_RULES, *rules_database.counted(admin)), port, framework, host)


def smoke(port: int, framework: Framework | str, host: str = HOST) -> list[RuleResult]:
    """The smoke subset that binds `framework` (a fraction of a second)."""
    chosen = set(SMOKE)
    return check(tuple(r for r in rules_for(framework) if r.id in chosen), port, framework, host)


__all__ = [
    "CONTRACT_VERSION",
    "DATABASE_RULES",
    "RULES",
    "SMOKE",
    "Rule",
    "RuleResult",
    "check",
    "rule",
    "rules_for",
    "smoke",
    "verify",
    "verify_database",
]
