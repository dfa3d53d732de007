"""A contract rule: an id the reports name, what it asks, whom it binds, and its check."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.contract import checks
from bench.contract.client import Client, Reply, Request, Violation
from bench.frameworks import Framework

Check = Callable[[Client, Framework], None]
"""Talks to the app through the client; raises Violation with what was wrong."""


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    check: Check
    baseline: bool = False
    """Binds the bare baselines too (they serve only /plaintext and /json)."""

    def applies_to(self, framework: Framework) -> bool:
        return self.baseline or not framework.baseline

    def run(self, client: Client, framework: Framework) -> RuleResult:
        try:
            self.check(client, framework)
        except Violation as exc:
            return RuleResult(self.id, False, str(exc))
        except (OSError, http.client.HTTPException) as exc:
            client.close()
            return RuleResult(self.id, False, f"no valid HTTP answer: {exc!r}")
        return RuleResult(self.id, True)


_NO_BODY = object()


def exchange(
    rule_id: str,
    description: str,
    request: Request,
    status: int,
    body: Any = _NO_BODY,
    *,
    baseline: bool = False,
) -> Rule:
    """A rule that is one request and its expected answer: a JSON 200 or a JSON 4xx."""

    def check(client: Client, framework: Framework) -> None:
        reply = client.send(request)
        if status >= 400:
            checks.error(reply, status)
        elif body is _NO_BODY:
            checks.status(reply, status)
        else:
            checks.json_body(reply, body)

    return Rule(rule_id, description, check, baseline=baseline)


def each(client: Client, requests: list[Request], check: Callable[[Reply], None]) -> None:
    """Apply one check to the replies of several requests; the first failure wins."""
    for request in requests:
        check(client.send(request))
