"""index.html: claims and verdicts first, then the evidence, then the method. No network needed:
inline CSS, no script, charts beside the page in charts/."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from bench.report import claims as claims_mod
from bench.report import method as method_mod
from bench.report.charts import Chart, Omitted, ordered
from bench.report.claims import Result
from bench.report.load import Run
from bench.report.stats import Interval

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.92em}
td,th{border:1px solid #ddd;padding:.3em .6em;vertical-align:top;text-align:left}
th{background:#f4f4f4}.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:600;padding:.1em .5em;border-radius:3px;white-space:nowrap}
.supported{background:#d7f2d7;color:#135c13}.contradicted{background:#f9d6d5;color:#8a1410}
.inconclusive{background:#eee;color:#444}.warn{background:#fff4d6;padding:.6em 1em}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#555}.omitted{color:#666;font-style:italic}
code,pre{font-size:.88em;background:#f6f6f6}pre{padding:.5em;overflow-x:auto}
"""


def _verdict(v: str) -> str:
    return f'<span class="verdict {escape(v)}">{escape(v)}</span>'


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def fmt_interval(iv: Interval) -> str:
    if iv.n == 0:
        return "no data"
    if iv.low == iv.high:
        return fmt(iv.mean)
    if not iv.known:
        return f"{fmt(iv.mean)} (n={iv.n}, no CI)"
    return f"{fmt(iv.mean)} [{fmt(iv.low)}, {fmt(iv.high)}]"


def effect_text(result: Result) -> str:
    e = result.effect
    if e is None:
        return ""
    r = e.ratio
    if not math.isfinite(r.mean):
        return f"{e.subject} / {e.versus}: {e.outcome}"
    ci = "" if r.low == r.high or not r.known else f" [{fmt(r.low)}, {fmt(r.high)}]"
    return f"{e.subject} / {e.versus} = {fmt(r.mean)}{ci}: {e.outcome}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Cells are already-escaped HTML."""
    out = ["<table><tr>", *(f"<th>{h}</th>" for h in head), "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _value(v: Any) -> str:
    if isinstance(v, Mapping):
        return _kv(v)
    if isinstance(v, list | tuple) and v and all(isinstance(x, str) for x in v):
        return f"<code>{escape(' '.join(v))}</code>"
    if isinstance(v, list | tuple):
        return f"<code>{escape(json.dumps(v, default=str))}</code>"
    return escape(str(v))


def _kv(mapping: Mapping[str, Any]) -> str:
    return _table(["key", "value"], [[escape(str(k)), _value(v)] for k, v in mapping.items()])


def _brief(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v is not None)
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def _claims_summary(results: Sequence[Result]) -> str:
    rows = [
        [
            str(r.claim.number),
            escape(r.claim.article),
            escape(r.claim.reading),
            _verdict(r.verdict),
            escape(r.reason),
            escape(effect_text(r)),
        ]
        for r in results
    ]
    return _table(["#", "the article says", "read as", "verdict", "because", "effect"], rows)


def _claim_detail(r: Result) -> str:
    c = r.claim
    out = [
        f'<h3 id="claim-{c.number}">{c.number}. {escape(c.article)} {_verdict(r.verdict)}</h3>',
        f"<p><b>Reading:</b> {escape(c.reading)}<br><b>Hypothesis:</b> {escape(c.hypothesis)}"
        f"<br><b>Metric:</b> {escape(c.metric)}<br><b>Comparison:</b> {escape(c.comparison)}"
        f"<br><b>Scenario:</b> {escape(c.scenario)}<br><b>Rule:</b> {escape(c.rule)}"
        f"<br><b>Effect:</b> {escape(effect_text(r))}</p>",
    ]
    for part in r.parts:
        fws = ordered(list(part.values))
        head = ["part", "verdict", "because", *(escape(f) for f in fws)]
        row = [
            escape(part.label + (f" ({part.unit})" if part.unit else "")),
            _verdict(part.verdict),
            escape(part.reason),
            *(f'<span class="num">{escape(fmt_interval(part.values[f]))}</span>' for f in fws),
        ]
        out.append(_table(head, [row]))
        out.append(
            f"<p><small>{'' if part.decides else 'Context, not counted. '}Held constant: "
            f"{escape(part.comparison or '–')}</small></p>"
        )
        if part.versus:
            out.append(
                _table(
                    ["comparison", "ratio [95% CI]", "outcome", "for the claim"],
                    [
                        [
                            escape(f"{v.subject} / {v.versus}"),
                            f'<span class="num">{escape(fmt_interval(v.ratio))}</span>'
                            if v.ratio.n
                            else escape(v.comparison.why),
                            escape(v.outcome),
                            _verdict(v.verdict),
                        ]
                        for v in part.versus
                    ],
                )
            )
        if part.notes:
            out.append(
                _table(
                    ["framework", "details"],
                    [
                        [escape(fw), escape(_brief(part.notes[fw]))]
                        for fw in ordered(list(part.notes))
                    ],
                )
            )
    return "\n".join(out)


def _charts(charts: Sequence[Chart | Omitted]) -> str:
    out = []
    for ch in charts:
        if isinstance(ch, Omitted):
            out.append(
                f'<p class="omitted"><b>{escape(ch.title)}</b>: not drawn. {escape(ch.reason)}</p>'
            )
            continue
        png, *others = ch.files
        links = " ".join(
            f'<a href="{escape(f)}">{escape(f.rsplit(".", 1)[1].upper())}</a>' for f in others
        )
        out.append(
            f'<figure id="chart-{escape(ch.name)}"><img src="{escape(png)}" '
            f'alt="{escape(ch.title)}"><figcaption><b>{escape(ch.title)}.</b> '
            f"{escape(ch.caption)} {links}</figcaption></figure>"
        )
    return "\n".join(out)


def _facts(run: Run) -> str:
    if not run.facts:
        return "<p class='omitted'>This run has no facts.json.</p>"
    names = ordered(list(run.facts))
    out = ["<h3>Dependencies, hello world, /echo validation, import time</h3>"]
    rows = []
    for fw in names:
        f = run.facts[fw]
        deps = f.get("dependencies") or {}
        hello = f.get("hello") or {}
        val = f.get("validation") or {}
        imp = f.get("import_time") or {}
        ran = hello.get("ran")
        rows.append(
            [
                escape(fw),
                escape(
                    f"{deps.get('framework_count', '–')} (+server: "
                    f"{deps.get('with_server_count', '–')})"
                ),
                escape(", ".join(deps.get("framework") or [])),
                escape(
                    f"{hello.get('lines', '–')} lines, "
                    + {True: "ran", False: "did not run", None: "not run"}[ran]
                    + (
                        f" ({hello.get('reason')})"
                        if ran is not True and hello.get("reason")
                        else ""
                    )
                ),
                escape(
                    f"{val.get('name')} ({val.get('kind')}): {val.get('lines')} lines"
                    if val.get("lines") is not None
                    else str(val.get("reason", "–"))
                ),
                escape(fmt(imp.get("seconds")) + " s" if imp.get("seconds") else "–"),
            ]
        )
    out.append(
        _table(
            [
                "framework",
                "installed dists",
                "closure",
                "hello.py",
                "/echo validation",
                "import (median)",
            ],
            rows,
        )
    )
    out.append("<h3>Security headers and defaults out of the box</h3>")
    header_names: list[str] = []
    for fw in names:
        for h in (run.facts[fw].get("security") or {}).get("headers") or {}:
            if h not in header_names:
                header_names.append(h)
    rows = []
    for fw in names:
        sec = run.facts[fw].get("security") or {}
        headers = sec.get("headers") or {}
        cells = []
        for h in header_names:
            info = headers.get(h)
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
            cells.append(escape(f"{value} ({who})"))
        csrf = sec.get("csrf") or {}
        cookie = (sec.get("cookie_defaults") or {}).get("session_cookie")
        rows.append(
            [
                escape(fw),
                *cells,
                escape(f"{csrf.get('default_on')}: {csrf.get('evidence', '')}"),
                escape(json.dumps(cookie) if cookie else "–"),
            ]
        )
    out.append(
        _table(["framework", *header_names, "CSRF on by default", "session cookie defaults"], rows)
    )
    return "\n".join(out)


_METHOD_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Machine and versions", ("environment",)),
    ("Pinning, load generator and its measured ceiling", ("pinning", "generator", "calibration")),
    ("Profile and configuration", ("profile", "config", "scenarios", "plan", "deployment")),
    ("Servers, commands and worker formulas", ("frameworks",)),
    ("Contract verification before measuring", ("verification", "skipped")),
)


def _method(run: Run, results: Sequence[Result]) -> str:
    meta = run.meta
    s = run.samples
    trials = s.groupby(["framework", "scenario", "mode"])["trial"].nunique()
    low, high = (int(trials.min()), int(trials.max())) if len(trials) else (0, 0)
    rates = method_mod.error_rates(run)
    out = [
        "<h3>Statistical design</h3>",
        *(f"<p><b>{escape(t)}.</b> {escape(x)}</p>" for t, x in method_mod.paragraphs(run)),
        _table(
            [
                "noise",
                "per-round CV",
                "rounds",
                "identical called different",
                "real 10% found",
                "2% called equivalent",
            ],
            [
                [
                    escape(e["noise"]),
                    f"{e['cv']:.0%}",
                    str(e["rounds"]),
                    f"{e['false_different']:.1%}",
                    f"{e['found_10_percent']:.1%}",
                    f"{e['equivalent_at_2_percent']:.1%}",
                ]
                for e in rates
            ],
        ),
        "<h3>Verdict rules</h3>",
        _table(["rule", "definition"], [[escape(k), escape(v)] for k, v in claims_mod.RULES]),
        _table(["claim", "rule"], [[str(r.claim.number), escape(r.claim.rule)] for r in results]),
        f"<h3>Run</h3><p>{len(s)} samples; trials per cell: {low}–{high}; deployments: "
        f"{escape(', '.join(run.deployments) or 'none')}; started {escape(run.started)}.</p>",
    ]
    shown = {"schema_version", "run_id", "status", "samples"}
    for title, keys in _METHOD_GROUPS:
        present = {k: meta[k] for k in keys if k in meta}
        if present:
            out.append(f"<h3>{escape(title)}</h3>")
            out.append(_kv(present))
        shown.update(keys)
    rest = {k: v for k, v in meta.items() if k not in shown}
    if rest:
        out.append("<h3>Everything else run.json records</h3>")
        out.append(_kv(rest))
    return "\n".join(out)


def render(run: Run, results: Sequence[Result], charts: Sequence[Chart | Omitted]) -> str:
    skipped = run.skipped
    warn = ""
    if skipped:
        items = "".join(f"<li><b>{escape(f)}</b>: {escape(w)}</li>" for f, w in skipped.items())
        warn = (
            f'<div class="warn">Not measured (claims about them are inconclusive):'
            f"<ul>{items}</ul></div>"
        )
    if run.status != "complete":
        warn += f'<div class="warn">This run is <b>{escape(run.status)}</b>.</div>'
    bound = int(run.samples["generator_bound"].sum())
    if bound:
        warn += (
            f'<div class="warn">{bound} sample(s) were generator-bound: their throughput '
            f"and latency describe the load generator; charts mark them hatched or "
            f"with x.</div>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Benchmark report {escape(run.run_id)}</title>
<style>{_CSS}</style></head><body>
<h1>Python web frameworks: the article's claims, measured</h1>
<p>Run <code>{escape(run.run_id)}</code> · status {escape(run.status)} ·
started {escape(run.started)}</p>
{warn}
<h2 id="claims">Claims and verdicts</h2>
{_claims_summary(results)}
<h2 id="evidence">Evidence</h2>
{"".join(_claim_detail(r) for r in results)}
<h2 id="charts">Charts</h2>
{_charts(charts)}
<h2 id="facts">Facts</h2>
{_facts(run)}
<h2 id="method">Method</h2>
<p>Servers run pinned to their own cores, the Locust load generator to others. The primary
comparison is at equal offered load (open loop, well inside the generator's measured ceiling):
server CPU µs per request, latency percentiles from HdrHistograms, errors. Trials are
interleaved across frameworks; every interval is a 95% t-interval (see the design below).</p>
{_method(run, results)}
</body></html>
"""
