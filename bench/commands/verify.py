"""`python -m bench verify [FRAMEWORK ...] [--servers ...]`: every contract rule, over real HTTP,
for every valid (app, server) pair; a pair that fails is listed and not measured."""

from __future__ import annotations

import argparse
import json
import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench import frameworks
from bench.commands import options
from bench.errors import BenchError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from bench.contract.rule import Rule
    from bench.database.cluster import Database

HELP = "check every app against the HTTP contract over real HTTP (exit 1 on any failure)"


def _database_ids() -> list[str]:
    from bench.contract import rules_database

    return [r.id for r in rules_database.RULES] + list(rules_database.COUNTED_IDS)


DATABASE_IDS = _database_ids()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "frameworks", nargs="*", metavar="FRAMEWORK", help="default: all (a b or a,b)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    parser.add_argument(
        "--target",
        metavar="URL",
        help="check an app already running at this loopback URL (exactly one FRAMEWORK)",
    )
    parser.add_argument(
        "--servers",
        default="all",
        help="NAME,... | all (every server of the matrix each app runs on) | default "
        f"(each app's own); names: {', '.join(frameworks.SERVER_NAMES)}; default: all",
    )
    parser.add_argument(
        "--cores", type=options.cores, default=None, help="core budget for the worker formula"
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="use this loopback PostgreSQL (seeded hello_world) instead of starting a private one",
    )
    parser.add_argument(
        "--no-database",
        action="store_true",
        help="skip the database endpoints (contract v1 rules only)",
    )


WIDE = 8
"""More pairs than this: one row per pair instead of one column per pair."""


@dataclass
class Outcome:
    """One deployment's verification: its rule results, or why it could not be checked."""

    framework: str
    """The deployment's label: the app's name on its default server, else name@server."""
    error: str | None = None
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and all(ok for _, ok, _ in self.results)

    def summary(self) -> str:
        failures = sum(not ok for _, ok, _ in self.results)
        return f"{self.framework} ({'did not start' if self.error else f'{failures} rules'})"


def parse_target(url: str) -> tuple[str, int]:
    """host and port of a loopback http URL (bench.targets, as `run` reads it)."""
    from bench.targets import parse_target as parse

    target = parse(url)
    return target.host, target.port


def rules_for(fw: frameworks.Deployment) -> tuple[Rule, ...]:
    """The rules that bind the app; a server that closes every connection by design (gunicorn's
    sync worker) cannot keep one alive, whatever the app does, so that rule does not bind it."""
    from bench import contract

    rules = contract.rules_for(fw)
    if not fw.server_spec.keeps_alive:
        rules = tuple(r for r in rules if r.id != "keepalive.persistent")
    return rules


def _check_one(
    fw: frameworks.Framework,
    cores: int,
    target: tuple[str, int] | None,
    database: Database | None = None,
) -> Outcome:
    from bench import contract
    from bench.server import running

    def rules_at(port: int, host: str = frameworks.HOST) -> list[contract.RuleResult]:
        results = contract.check(rules_for(fw), port, fw, host=host)
        if database is not None:
            results += contract.verify_database(port, fw, database.admin, host=host)
        return results

    outcome = Outcome(fw.label)
    env = database.app_environment() if database is not None else None
    try:
        if target is not None:
            results = rules_at(target[1], target[0])
        else:
            with running(fw, fw.workers(cores), extra_env=env) as server:
                results = rules_at(server.port)
    except BenchError as exc:  # a server that does not start fails this framework only
        outcome.error = str(exc).strip() or repr(exc)  # with the server log's tail: the why
        return outcome
    outcome.results = [(r.rule_id, r.passed, r.detail) for r in results]
    return outcome


def _table(outcomes: list[Outcome], chosen: dict[str, frameworks.Deployment] | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape

    by_label = chosen or {o.framework: frameworks.get(o.framework) for o in outcomes}
    console = Console(width=100)
    if len(outcomes) > WIDE:
        _pair_table(console, outcomes, by_label)
    else:
        _rule_table(console, outcomes, by_label)
    for outcome in outcomes:
        if outcome.error is not None:
            console.print(
                f"[red]{outcome.framework}[/red]: not checked: {escape(outcome.error)}",
                soft_wrap=True,
            )
        for rule_id, ok, detail in outcome.results:
            if not ok:
                line = f"[red]{outcome.framework}[/red] {rule_id}: {escape(detail)}"
                console.print(line, soft_wrap=True)


def _pair_table(
    console: Console, outcomes: list[Outcome], by_label: dict[str, frameworks.Deployment]
) -> None:
    from rich.table import Table

    from bench import contract

    table = Table(title=f"contract v{contract.CONTRACT_VERSION}", box=None, pad_edge=False)
    for column in ("framework", "server", "interface", "rules", "verdict"):
        table.add_column(column, no_wrap=True)
    for outcome in outcomes:
        fw = by_label[outcome.framework]
        failed = [rule_id for rule_id, ok, _ in outcome.results if not ok]
        if outcome.error is not None:
            verdict = "[red]did not start: not measurable[/red]"
        elif failed:
            verdict = f"[bold red]FAIL {len(failed)}: not measurable[/bold red]"
        else:
            verdict = "ok"
        table.add_row(fw.name, fw.server, fw.interface, str(len(outcome.results)), verdict)
    console.print(table)


def _rule_table(
    console: Console, outcomes: list[Outcome], by_label: dict[str, frameworks.Deployment]
) -> None:
    from rich.table import Table

    from bench import contract

    table = Table(title=f"contract v{contract.CONTRACT_VERSION}", box=None, pad_edge=False)
    table.add_column("rule", no_wrap=True)
    for outcome in outcomes:
        table.add_column(outcome.framework, justify="center", no_wrap=True)
    verdicts = {o.framework: {rule_id: ok for rule_id, ok, _ in o.results} for o in outcomes}
    rules = list(contract.RULES)
    if any(rule_id in verdicts[o.framework] for o in outcomes for rule_id in DATABASE_IDS):
        rules += [contract.rule(rule_id) for rule_id in DATABASE_IDS]
    for each in rules:
        cells = []
        for outcome in outcomes:
            fw = by_label[outcome.framework]
            if each.id in DATABASE_IDS:
                if not each.applies_to(fw):
                    cells.append("[dim]-[/dim]")
                    continue
            elif each not in rules_for(fw):
                cells.append("[dim]-[/dim]")
            elif outcome.error is not None:
                cells.append("[red]n/a[/red]")
            else:
                ok = verdicts[outcome.framework].get(each.id)
                cells.append("ok" if ok else "[bold red]FAIL[/bold red]")
        table.add_row(each.id, *cells)
    console.print(table)


def _write_json(path: Path, outcomes: list[Outcome]) -> None:
    from bench import contract

    document = {
        "contract_version": contract.CONTRACT_VERSION,
        "frameworks": {
            o.framework: {
                "passed": o.passed,
                "error": o.error,
                "rules": [{"rule": r, "passed": ok, "detail": d} for r, ok, d in o.results],
            }
            for o in outcomes
        },
    }
    try:
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise BenchError(f"cannot write {path}: {exc.strerror}") from None


def run(args: argparse.Namespace) -> int:
    from bench.database import cluster, external

    names = options.names(args.frameworks)
    target = None
    servers = args.servers
    if args.target is not None:
        from bench import targets

        if len(names) != 1:
            raise UsageError("--target checks one app: name exactly one FRAMEWORK")
        parsed = targets.parse_target(args.target)
        targets.require_listening(parsed)  # one line, not a failure per rule, when none is there
        target = parsed.host, parsed.port
        # An app already running is on one server: its default unless --servers names it.
        servers = "default" if servers == "all" else servers
    if args.database_url is not None:
        external.parse(args.database_url)  # a bad URL is a usage error before anything starts
    chosen = frameworks.deployments(names, frameworks.parse_servers(servers))
    if not chosen:
        raise UsageError(f"no valid pair: none of {servers} serves {', '.join(names)}")
    if target is not None and len(chosen) != 1:
        raise UsageError("--target checks one app on one server: give one --servers NAME")
    cores = args.cores or len(os.sched_getaffinity(0))
    with ExitStack() as stack:
        database: Database | None = None
        if args.database_url is not None:
            database = external.existing(args.database_url)
        elif target is not None and not args.no_database:
            # The app is already running with whatever database it was given: only that one
            # can show its statement counts.
            print("database endpoints not checked: with --target, name its --database-url")
        elif not args.no_database:
            database = stack.enter_context(cluster.running())
        outcomes = [_check_one(fw, cores, target, database) for fw in chosen]
    _table(outcomes, {fw.label: fw for fw in chosen})
    if args.json is not None:
        _write_json(args.json, outcomes)
    failed = [o for o in outcomes if not o.passed]
    if failed:
        summary = ", ".join(o.summary() for o in failed)
        print(f"contract: {len(failed)} of {len(outcomes)} pairs FAIL (not measurable): {summary}")
        return 1
    print(f"contract: all {len(outcomes)} pairs pass every rule that binds them")
    return 0
