"""index.html: the headline (peak throughput, claims scorecard) first, then the charts, the
evidence and the method. Rendered from Jinja2 templates (bench/report/templates/) with
autoescaping, so no value from a results file can become markup. No network needed: inline CSS,
no script, charts beside the page in charts/."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from bench.report import claims as claims_mod
from bench.report import method as method_mod
from bench.report import peak as peak_mod
from bench.report.charts import Chart, Omitted, ordered
from bench.report.claims import Result
from bench.report.format import effect_text, fmt, fmt_interval
from bench.report.headline import headline, peak_text
from bench.report.load import Run

__all__ = ["effect_text", "environment", "fmt", "fmt_interval", "render", "render_history"]

TEMPLATES = Path(__file__).with_name("templates")


def _join_list(value: Any) -> str:
    if isinstance(value, list | tuple) and all(isinstance(x, str) for x in value):
        return " ".join(value)
    return json.dumps(value, default=str)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["join_list"] = _join_list
    return env


def _brief(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v is not None)
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def _evidence(r: Result) -> dict[str, Any]:
    parts = []
    for part in r.parts:
        fws = ordered(list(part.values))
        parts.append(
            {
                "head": ["part", "verdict", "because", *fws],
                "row": [
                    part.label + (f" ({part.unit})" if part.unit else ""),
                    part.verdict,
                    part.reason,
                    *(fmt_interval(part.values[f]) for f in fws),
                ],
                "numeric": tuple(range(3, 3 + len(fws))),
                "notes": [[fw, _brief(part.notes[fw])] for fw in ordered(list(part.notes))],
                "held": ("" if part.decides else "Context, not counted. ")
                + f"Held constant: {part.comparison or '–'}",
                "versus": [
                    [
                        f"{v.subject} / {v.versus}",
                        fmt_interval(v.ratio) if v.ratio.n else v.comparison.why,
                        v.outcome,
                        v.verdict,
                    ]
                    for v in part.versus
                ],
            }
        )
    c = r.claim
    return {
        "number": c.number,
        "article": c.article,
        "verdict": r.verdict,
        "reason": r.reason,
        "reading": c.reading,
        "comparison": c.comparison,
        "hypothesis": c.hypothesis,
        "metric": c.metric,
        "scenario": c.scenario,
        "rule": c.rule,
        "effect": effect_text(r),
        "parts": parts,
    }


def _facts(run: Run) -> dict[str, Any] | None:
    if not run.facts:
        return None
    names = ordered(list(run.facts))
    rows = []
    for fw in names:
        f = run.facts[fw]
        deps = f.get("dependencies") or {}
        hello = f.get("hello") or {}
        val = f.get("validation") or {}
        imp = f.get("import_time") or {}
        ran = {True: "ran", False: "did not run", None: "not run"}[hello.get("ran")]
        why = hello.get("reason")
        rows.append(
            [
                fw,
                f"{deps.get('framework_count', '–')} "
                f"(+server: {deps.get('with_server_count', '–')})",
                ", ".join(deps.get("framework") or []),
                f"{hello.get('lines', '–')} lines, {ran}"
                + (f" ({why})" if hello.get("ran") is not True and why else ""),
                f"{val.get('name')} ({val.get('kind')}): {val.get('lines')} lines"
                if val.get("lines") is not None
                else str(val.get("reason", "–")),
                fmt(imp.get("seconds")) + " s" if imp.get("seconds") else "–",
            ]
        )
    header_names: list[str] = []
    for fw in names:
        for h in (run.facts[fw].get("security") or {}).get("headers") or {}:
            if h not in header_names:
                header_names.append(h)
    security = []
    for fw in names:
        sec = run.facts[fw].get("security") or {}
        cells = []
        for h in header_names:
            info = (sec.get("headers") or {}).get(h)
            if not info or not info.get("present"):
                cells.append("–")
                continue
            value = next(iter((info.get("values") or {}).values()), "")
            who = (
                "contract"
                if info.get("contract_required")
                else "app"
                if info.get("set_by_app")
                else "framework/server"
            )
            cells.append(f"{value} ({who})")
        csrf = sec.get("csrf") or {}
        cookie = (sec.get("cookie_defaults") or {}).get("session_cookie")
        security.append(
            [
                fw,
                *cells,
                f"{csrf.get('default_on')}: {csrf.get('evidence', '')}",
                json.dumps(cookie) if cookie else "–",
            ]
        )
    return {
        "head": [
            "framework",
            "installed dists",
            "closure",
            "hello.py",
            "/echo validation",
            "import (median)",
        ],
        "rows": rows,
        "security_head": ["framework", *header_names, "CSRF on by default", "session cookie"],
        "security_rows": security,
    }


_METHOD_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Machine and versions", ("environment",)),
    ("Pinning, load generator and its measured ceiling", ("pinning", "generator", "calibration")),
    ("Profile and configuration", ("profile", "config", "scenarios", "plan", "deployment")),
    ("Servers, commands and worker formulas", ("frameworks",)),
    ("Contract verification before measuring", ("verification", "skipped")),
)


def _method(run: Run, results: Sequence[Result]) -> dict[str, Any]:
    meta = run.meta
    s = run.samples
    trials = s.groupby(["framework", "scenario", "mode"])["trial"].nunique()
    low, high = (int(trials.min()), int(trials.max())) if len(trials) else (0, 0)
    groups = []
    shown = {"schema_version", "run_id", "status", "samples"}
    for title, keys in _METHOD_GROUPS:
        present = {k: meta[k] for k in keys if k in meta}
        if present:
            groups.append((title, present))
        shown.update(keys)
    rest = {k: v for k, v in meta.items() if k not in shown}
    if rest:
        groups.append(("Everything else run.json records", rest))
    rates = method_mod.error_rates(run)
    return {
        "design": [list(p) for p in method_mod.paragraphs(run)],
        "error_rates": [
            [
                e["noise"],
                f"{e['cv']:.0%}",
                str(e["rounds"]),
                f"{e['false_different']:.1%}",
                f"{e['found_10_percent']:.1%}",
                f"{e['equivalent_at_2_percent']:.1%}",
            ]
            for e in rates
        ],
        "rules": [list(rule) for rule in claims_mod.RULES],
        "claim_rules": [[str(r.claim.number), r.claim.rule] for r in results],
        "run_line": (
            f"{len(s)} samples; trials per cell: {low}–{high}; deployments: "
            f"{', '.join(run.deployments) or 'none'}; schema version "
            f"{meta.get('schema_version', '?')}."
        ),
        "groups": groups,
    }


def _warnings(run: Run) -> list[str]:
    out = [
        f"{fw} was not measured (claims about it are inconclusive): {why}"
        for fw, why in run.skipped.items()
    ]
    if run.status != "complete":
        out.append(f"This run is {run.status}: some cells may be missing.")
    bound = int(run.samples["generator_bound"].sum())
    if bound:
        out.append(
            f"{bound} sample(s) were generator-bound: their throughput and latency describe the "
            "load generator; charts show them hatched, as lower bounds (≥)."
        )
    return out


def _peak_rows(found: Sequence[peak_mod.Peak]) -> list[list[str]]:
    rows = []
    for p in sorted(found, key=lambda p: (p.scenario, -p.rps.mean)):
        rows.append(
            [
                p.framework,
                p.server,
                p.scenario,
                str(p.users),
                p.mark + fmt_interval(p.rps),
                fmt_interval(p.cpu_us_per_req),
                p.bound,
            ]
        )
    return rows


def _server_matrix(found: Sequence[peak_mod.Peak]) -> tuple[list[str], list[list[str]]]:
    """Peak req/s of the headline scenario, a row per framework and a column per server;
    empty unless some framework ran on more than one server (`run --servers`)."""
    scenario = next(
        (s for s in peak_mod.HEADLINE_SCENARIOS if any(p.scenario == s for p in found)), None
    )
    chosen = [p for p in found if p.scenario == scenario]
    servers = sorted({p.server for p in chosen})
    frameworks = sorted({p.framework for p in chosen})
    if len(chosen) <= len(frameworks):
        return [], []
    cell = {(p.framework, p.server): p for p in chosen}
    rows = [
        [fw, *(
            cell[fw, sv].mark + f"{cell[fw, sv].rps.mean:,.0f}" if (fw, sv) in cell else "-"
            for sv in servers
        )]
        for fw in frameworks
    ]  # fmt: skip
    return [f"framework ({scenario} req/s)", *servers], rows


def _sha(run: Run) -> str:
    git = run.meta.get("git") or {}
    return str(git.get("sha") or "")[:12] if isinstance(git, Mapping) else ""


def render(
    run: Run,
    results: Sequence[Result],
    charts: Sequence[Chart | Omitted],
    history: Chart | Omitted | None = None,
) -> str:
    head = headline(run, results)
    peaks = peak_mod.peaks(run.samples)
    by_name = {c.name: c for c in charts}
    head_chart = by_name.get("headline") or Omitted("headline", "Peak throughput", "not drawn")
    return (
        environment()
        .get_template("index.html")
        .render(
            run=run,
            sha=_sha(run),
            warnings=_warnings(run),
            head=head,
            head_chart=head_chart,
            scorecard=[
                {
                    "number": r.claim.number,
                    "article": r.claim.article,
                    "verdict": r.verdict,
                    "reason": r.reason,
                }
                for r in results
            ],
            peak_rows=_peak_rows(peaks),
            server_matrix=_server_matrix(peaks),
            charts=[c for c in charts if c.name != "headline"],
            history=history,
            evidence=[_evidence(r) for r in results],
            facts=_facts(run),
            method=_method(run, results),
            peak_text=peak_text,
        )
    )


def render_history(runs: Sequence[Run], chart: Chart | Omitted, profile: str) -> str:
    rows = [[r.run_id, r.started, _sha(r), r.status] for r in runs]
    return (
        environment()
        .get_template("history.html")
        .render(runs=runs, runs_rows=rows, chart=chart, profile=profile)
    )
