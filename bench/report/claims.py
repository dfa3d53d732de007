"""The article's ten claims, the measurable hypothesis behind each, and the verdict rules.

Every rule is defined here and only here; the report's method section prints RULES and each
claim's `rule` text verbatim, so what a reader sees is what the code does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bench.report import select
from bench.report.load import Run
from bench.report.stats import Interval, exact, mean_ci, ratio_ci, unknown

Verdict = Literal["supported", "contradicted", "inconclusive"]
SUPPORTED: Verdict = "supported"
CONTRADICTED: Verdict = "contradicted"
INCONCLUSIVE: Verdict = "inconclusive"
Direction = Literal["lowest", "highest"]

P99_BOUND_US = 10_000.0
"""Claim 8's bound: p99 of 10 ms at the standard offered loads, which sit far inside every
server's capacity, so a server that handles HTTP well answers almost every request in well
under a millisecond; 10 ms leaves an order of magnitude for a shared, noisy machine."""
AMONG_SMALLEST = 2
"""Claim 5: "among the smallest" of five means in the best two."""

RULES: tuple[tuple[str, str], ...] = (
    (
        "Intervals",
        "Every measured number is the mean over trials (or over rounds, for start-up and memory) "
        "with a 95% percentile-bootstrap confidence interval. A difference is significant only "
        "when the two intervals do not overlap. One trial gives no interval, so it never "
        "decides. Counted facts (dependencies, lines) are exact.",
    ),
    (
        "Lowest / highest",
        "'X is lowest' is supported when X's CI upper bound is below every other framework's CI "
        "lower bound; contradicted when some framework's CI upper bound is below X's lower bound; "
        "otherwise inconclusive. 'Highest' is the mirror image.",
    ),
    (
        "Among the smallest",
        f"'X is among the smallest' (best {AMONG_SMALLEST} of five) is supported when at least "
        f"{len(select.FIVE) - AMONG_SMALLEST} others are significantly larger; contradicted when "
        f"at least {AMONG_SMALLEST} others are significantly smaller; otherwise inconclusive.",
    ),
    (
        "Several parts",
        "A claim with several parts is supported when every part is, contradicted when any part "
        "is, and inconclusive otherwise.",
    ),
    (
        "Verification",
        "A claim is inconclusive when a framework it is about failed contract verification or "
        "start-up in this run (listed as skipped), or has no samples: unequal work is never "
        "compared.",
    ),
    (
        "Deployment",
        "Verdicts use the local deployment (servers pinned to their own cores, no container "
        "layer) when the run has one; other deployments (docker) are shown beside it in the "
        "charts, as a dimension, and do not decide.",
    ),
    (
        "Generator-bound samples",
        "A generator-bound sample describes the load generator, so its throughput is only a lower "
        "bound on the server's: it can support 'X serves more' for X, never contradict it, and a "
        "competitor's generator-bound number cannot be beaten. Highest-throughput questions are "
        "decided by server CPU µs per request (capacity per core = 1e6 / µs), measured on the "
        "server and independent of the generator.",
    ),
)


@dataclass(frozen=True)
class Effect:
    """subject / versus, the ratio of their means with a 95% CI."""

    subject: str
    versus: str
    ratio: Interval
    meaning: str

    def as_dict(self) -> dict[str, Any]:
        r = self.ratio.as_dict()
        return {
            "kind": "ratio of means",
            "subject": self.subject,
            "versus": self.versus,
            "estimate": r["mean"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "meaning": self.meaning,
        }


@dataclass(frozen=True)
class Part:
    label: str
    verdict: Verdict
    reason: str
    unit: str = ""
    values: Mapping[str, Interval] = field(default_factory=dict)
    effect: Effect | None = None
    notes: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "verdict": self.verdict,
            "reason": self.reason,
            "unit": self.unit,
            "values": {fw: iv.as_dict() for fw, iv in self.values.items()},
            "effect": self.effect.as_dict() if self.effect else None,
            **({"notes": dict(self.notes)} if self.notes else {}),
        }


@dataclass(frozen=True)
class Claim:
    number: int
    article: str
    """The article's words."""
    hypothesis: str
    metric: str
    scenario: str
    subjects: tuple[str, ...]
    """Frameworks the claim is about: any of them skipped makes it inconclusive."""
    rule: str
    judge: Callable[[Run], list[Part]]


@dataclass(frozen=True)
class Result:
    claim: Claim
    verdict: Verdict
    reason: str
    parts: Sequence[Part]

    @property
    def effect(self) -> Effect | None:
        deciding = [p for p in self.parts if p.verdict == self.verdict and p.effect]
        with_effect = deciding or [p for p in self.parts if p.effect]
        return with_effect[0].effect if with_effect else None

    def as_dict(self) -> dict[str, Any]:
        c = self.claim
        return {
            "number": c.number,
            "article": c.article,
            "hypothesis": c.hypothesis,
            "metric": c.metric,
            "scenario": c.scenario,
            "frameworks": list(c.subjects),
            "rule": c.rule,
            "verdict": self.verdict,
            "reason": self.reason,
            "effect": self.effect.as_dict() if self.effect else None,
            "parts": [p.as_dict() for p in self.parts],
        }


# --- rule building blocks -----------------------------------------------------------------------


def _intervals(values: Mapping[str, Sequence[float]], exact_values: bool) -> dict[str, Interval]:
    if exact_values:
        return {fw: exact(v[0]) if v else unknown() for fw, v in values.items()}
    return {fw: mean_ci(v) for fw, v in values.items()}


def _missing(values: Mapping[str, Sequence[float]], needed: Sequence[str]) -> list[str]:
    return [fw for fw in needed if not values.get(fw)]


def rank(
    label: str,
    values: Mapping[str, Sequence[float]],
    subject: str,
    direction: Direction,
    *,
    field_: Sequence[str] = select.FIVE,
    unit: str = "",
    bounded: frozenset[str] = frozenset(),
    exact_values: bool = False,
) -> Part:
    """Is `subject` the lowest (highest) of `field_`? See RULES 'Lowest / highest'.

    `bounded` names frameworks whose numbers are generator-bound lower bounds.
    """
    missing = _missing(values, field_)
    ivs = _intervals({fw: values.get(fw, []) for fw in field_}, exact_values)
    if missing:
        return Part(label, INCONCLUSIVE, f"no data for {', '.join(missing)}", unit, ivs)
    s = ivs[subject]
    others = [fw for fw in field_ if fw != subject]
    wins, losses = [], []
    for fw in others:
        o = ivs[fw]
        if direction == "lowest":
            won, lost = s.below(o), o.below(s)
        else:
            won = o.below(s) and fw not in bounded
            lost = s.below(o) and subject not in bounded
        if won:
            wins.append(fw)
        if lost:
            losses.append(fw)
    pick = min if direction == "lowest" else max
    best_other = pick(others, key=lambda fw: ivs[fw].mean)
    effect = Effect(
        subject,
        best_other,
        ratio_ci(values[subject], values[best_other], exact_values),
        f"{subject} / the {direction} of the others",
    )
    if losses:
        word = "lower" if direction == "lowest" else "higher"
        reason = f"{', '.join(losses)} significantly {word} than {subject}"
        return Part(label, CONTRADICTED, reason, unit, ivs, effect)
    if len(wins) == len(others):
        return Part(label, SUPPORTED, f"{subject} significantly {direction}", unit, ivs, effect)
    unresolved = [fw for fw in others if fw not in wins]
    extra = f" ({', '.join(sorted(bounded & set(unresolved)))} generator-bound)" if bounded else ""
    reason = f"intervals overlap with {', '.join(unresolved)}{extra}"
    return Part(label, INCONCLUSIVE, reason, unit, ivs, effect)


def among_smallest(
    label: str,
    values: Mapping[str, Sequence[float]],
    subject: str,
    *,
    unit: str = "",
    exact_values: bool = False,
) -> Part:
    """Is `subject` in the best AMONG_SMALLEST of the five? See RULES 'Among the smallest'."""
    field_ = select.FIVE
    missing = _missing(values, field_)
    ivs = _intervals({fw: values.get(fw, []) for fw in field_}, exact_values)
    if missing:
        return Part(label, INCONCLUSIVE, f"no data for {', '.join(missing)}", unit, ivs)
    s = ivs[subject]
    others = [fw for fw in field_ if fw != subject]
    larger = [fw for fw in others if s.below(ivs[fw])]
    smaller = [fw for fw in others if ivs[fw].below(s)]
    median_other = sorted(others, key=lambda fw: ivs[fw].mean)[len(others) // 2]
    effect = Effect(
        subject,
        median_other,
        ratio_ci(values[subject], values[median_other], exact_values),
        f"{subject} / the median of the others",
    )
    if len(smaller) >= AMONG_SMALLEST:
        reason = f"{', '.join(smaller)} significantly smaller"
        return Part(label, CONTRADICTED, reason, unit, ivs, effect)
    if len(larger) >= len(others) - (AMONG_SMALLEST - 1):
        reason = f"significantly smaller than {', '.join(larger)}"
        return Part(label, SUPPORTED, reason, unit, ivs, effect)
    reason = f"significantly smaller than {len(larger)}, larger than {len(smaller)} of the others"
    return Part(label, INCONCLUSIVE, reason, unit, ivs, effect)


def combine(parts: Sequence[Part]) -> tuple[Verdict, str]:
    """RULES 'Several parts'."""
    if not parts:
        return INCONCLUSIVE, "no data for this claim in the run"
    bad = [p for p in parts if p.verdict == CONTRADICTED]
    if bad:
        return CONTRADICTED, "; ".join(f"{p.label}: {p.reason}" for p in bad)
    if all(p.verdict == SUPPORTED for p in parts):
        if len(parts) == 1:
            return SUPPORTED, parts[0].reason
        return (
            SUPPORTED,
            f"all {len(parts)} parts supported ({parts[0].label}: {parts[0].reason}; ...)",
        )
    open_ = [p for p in parts if p.verdict == INCONCLUSIVE]
    return INCONCLUSIVE, "; ".join(f"{p.label}: {p.reason}" for p in open_)


# --- the metrics the claims use -----------------------------------------------------------------


def _cpu_parts(run: Run, subject: str, direction: Direction) -> list[Part]:
    scenarios = select.rate_scenarios(run.samples, select.FIVE)
    if not scenarios:
        why = "no open-loop scenario was measured for all five frameworks"
        return [Part("server CPU per request", INCONCLUSIVE, why, "µs/request")]
    parts = []
    for scenario in scenarios:
        rows = select.cell(run.samples, scenario, select.FIVE)
        values = select.per_trial(rows, "server_cpu_us_per_req")
        level = rows["offered_rps"].max() if len(rows) else math.nan
        parts.append(
            rank(
                f"server CPU per request, {scenario} at {level:g} req/s offered",
                values,
                subject,
                direction,
                unit="µs/request",
            )
        )
    return parts


def _facts(run: Run, *keys: str) -> dict[str, Any]:
    """facts[fw][keys...] for each framework that has it."""
    out: dict[str, Any] = {}
    for fw, facts in run.facts.items():
        node: Any = facts
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            out[fw] = node
    return out


def judge_fastapi_fast(run: Run) -> list[Part]:
    return _cpu_parts(run, "fastapi", "lowest")


def judge_async_io(run: Run) -> list[Part]:
    rows = run.samples[
        (run.samples["scenario"] == select.IO_SCENARIO)
        & (run.samples["deployment"] == select.primary_deployment(run.samples))
    ]
    users = None
    for fw in select.FIVE:
        mine = set(rows.loc[rows["framework"] == fw, "users"].dropna())
        users = mine if users is None else users & mine
    if not users:
        return [Part("/io concurrency sweep", INCONCLUSIVE, "no common /io level in this run")]
    top = max(users)
    rows = rows[rows["users"] == top]
    io_ms = float(rows["io_ms"].max())
    # Little's law: waits in progress = completions per second x seconds each one waits.
    rows = rows.assign(concurrent_waits=rows["achieved_rps"] * io_ms / 1000.0)
    part = rank(
        f"/io?ms={io_ms:g} waits in progress at {top:g} users",
        select.per_trial(rows, "concurrent_waits"),
        "fastapi",
        "highest",
        field_=select.FIVE,
        unit="concurrent waits (achieved req/s x wait s)",
        bounded=frozenset(select.generator_bound(rows)),
    )
    return [part]


ONE_PROCESS_RSS = "RSS of one process holding the app (imported and built, no server)"


def _one_process_rss(run: Run) -> dict[str, list[float]]:
    """The framework's own memory: a fresh interpreter that imported and built the app.

    The server tree's RSS also counts how many processes each server's formula forks (three
    gunicorn workers and an arbiter against one cheroot or uvicorn process), which says more
    about the server than about the framework; it is shown beside, as a note.
    """
    samples = _facts(run, "import_time", "rss_samples_mib")
    return {fw: [float(v) for v in vals] for fw, vals in samples.items() if vals}


def _tree_rss_notes(run: Run) -> dict[str, str]:
    peaks = select.per_round(run.samples, "rss_peak_mib")
    shape = run.samples.drop_duplicates("framework").set_index("framework")
    return {
        str(fw): (
            f"server tree peak RSS {max(peaks.get(str(fw), [math.nan])):.0f} MiB: "
            f"{row['workers']:g} process(es) x {row['threads']:g} thread(s), {row['server']}"
        )
        for fw, row in shape.iterrows()
        if fw in select.FIVE
    }


def judge_bottle_memory(run: Run) -> list[Part]:
    part = rank(ONE_PROCESS_RSS, _one_process_rss(run), "bottle", "lowest", unit="MiB")
    return [replace(part, notes=_tree_rss_notes(run))]


def judge_bottle_deps(run: Run) -> list[Part]:
    deps = _facts(run, "dependencies")
    if "bottle" not in deps:
        return [Part("dependency closure", INCONCLUSIVE, "no dependency facts for bottle")]
    closure = list(deps["bottle"].get("framework", []))
    counts = {fw: exact(float(d.get("framework_count", math.nan))) for fw, d in deps.items()}
    verdict = SUPPORTED if closure == ["bottle"] else CONTRADICTED
    reason = "installs bottle alone" if verdict == SUPPORTED else f"installs {', '.join(closure)}"
    return [Part("installed closure of bottle", verdict, reason, "distributions", counts)]


def judge_flask_light(run: Run) -> list[Part]:
    imports = {fw: list(v) for fw, v in _facts(run, "import_time", "samples").items() if v}
    deps = {fw: [float(v)] for fw, v in _facts(run, "dependencies", "framework_count").items()}
    return [
        among_smallest("import time of the app", imports, "flask", unit="s"),
        among_smallest(ONE_PROCESS_RSS, _one_process_rss(run), "flask", unit="MiB"),
        among_smallest(
            "installed dependencies", deps, "flask", unit="distributions", exact_values=True
        ),
    ]


def judge_flask_six_lines(run: Run) -> list[Part]:
    hello = _facts(run, "hello")
    lines = {fw: exact(float(h["lines"])) for fw, h in hello.items() if h.get("lines") is not None}
    notes = {fw: {"ran": h.get("ran"), "reason": h.get("reason")} for fw, h in hello.items()}
    flask = hello.get("flask")
    if not flask or flask.get("lines") is None:
        why = (flask or {}).get("reason", "no hello facts for flask")
        return [Part("hello.py", INCONCLUSIVE, why, "lines", lines, notes=notes)]
    count = int(flask["lines"])
    if count > 6:
        verdict, reason = CONTRADICTED, f"flask's hello.py has {count} code lines"
    elif flask.get("ran") is False:
        verdict, reason = CONTRADICTED, f"{count} lines, but it did not run: {flask.get('reason')}"
    elif flask.get("ran") is None:
        verdict, reason = INCONCLUSIVE, f"{count} lines; not run: {flask.get('reason')}"
    else:
        verdict, reason = SUPPORTED, f"{count} code lines and it answered 200"
    return [Part("hello.py code lines, and it runs", verdict, reason, "lines", lines, notes=notes)]


def judge_django_heavy(run: Run) -> list[Part]:
    return [
        rank(
            "start-up (spawn to first 200)",
            select.per_round(run.samples, "startup_s", "first"),
            "django",
            "highest",
            unit="s",
        ),
        rank(ONE_PROCESS_RSS, _one_process_rss(run), "django", "highest", unit="MiB"),
        *_cpu_parts(run, "django", "highest"),
    ]


def judge_cherrypy_http(run: Run) -> list[Part]:
    rows = select.rate_rows(run.samples)
    rows = rows[(rows["framework"] == "cherrypy") & (rows["scenario"] != select.IO_SCENARIO)]
    if rows.empty:
        return [Part("cherrypy at the standard loads", INCONCLUSIVE, "no rate samples")]
    failures = int(rows["failures"].fillna(0).sum())
    requests = int(rows["requests"].fillna(0).sum())
    parts = [
        Part(
            "errors",
            CONTRADICTED if failures else SUPPORTED,
            f"{failures} failed of {requests} requests",
            "requests",
            {"cherrypy": exact(float(failures))},
        )
    ]
    clean = rows[~rows["generator_bound"].astype(bool)]
    for (scenario, level), group in clean.groupby(["scenario", "offered_rps"], sort=True):
        iv = mean_ci(list(group.groupby("trial")["latency_p99_us"].mean()))
        if not iv.known:
            verdict: Verdict = INCONCLUSIVE
            reason = f"{iv.n} trial(s): no interval"
        elif iv.high <= P99_BOUND_US:
            verdict, reason = SUPPORTED, f"p99 CI upper {iv.high:.0f} µs <= {P99_BOUND_US:.0f} µs"
        elif iv.low > P99_BOUND_US:
            verdict, reason = CONTRADICTED, f"p99 CI lower {iv.low:.0f} µs > {P99_BOUND_US:.0f} µs"
        else:
            verdict, reason = INCONCLUSIVE, f"p99 CI straddles {P99_BOUND_US:.0f} µs"
        label = f"p99, {scenario} at {level:g} req/s offered"
        parts.append(Part(label, verdict, reason, "µs", {"cherrypy": iv}))
    return parts


def judge_fastapi_validation(run: Run) -> list[Part]:
    found = _facts(run, "validation")
    notes = {
        fw: {k: v.get(k) for k in ("name", "kind", "file", "reason")} for fw, v in found.items()
    }
    schema = {fw: exact(float(v["lines"])) for fw, v in found.items() if v.get("lines") is not None}
    whole = {
        fw: exact(float(v["module_lines"]))
        for fw, v in found.items()
        if v.get("module_lines") is not None
    }
    mine = found.get("fastapi")
    if not mine or mine.get("lines") is None:
        why = (mine or {}).get("reason", "no validation facts for fastapi")
        return [Part("/echo validation", INCONCLUSIVE, why, "lines", schema, notes=notes)]
    if mine.get("kind") == "model" and not mine.get("validator_functions"):
        verdict: Verdict = SUPPORTED
        reason = f"a declarative model ({mine.get('name')}, {mine['lines']} lines), no validators"
    else:
        verdict = CONTRADICTED
        reason = (
            f"{mine.get('name')} is a hand-written {mine.get('kind')}"
            if mine.get("kind") != "model"
            else f"{mine.get('validator_functions')} hand-written validator function(s)"
        )
    parts = [Part("/echo schema checks (422)", verdict, reason, "lines", schema, notes=notes)]
    if mine.get("module_lines") is None:
        parts.append(
            Part("every /echo bad-input case", INCONCLUSIVE, "no module size", "lines", whole)
        )
        return parts
    by_hand = int(mine["module_lines"]) - int(mine["lines"])
    parts.append(
        Part(
            "every /echo bad-input case (415, 413, 400, 422)",
            CONTRADICTED if by_hand > 0 else SUPPORTED,
            f"{by_hand} more code lines in {mine.get('file')} beside the "
            f"{mine['lines']}-line model: the media-type, size and strict-JSON checks, with the "
            "module's imports, docstrings and route (each app's whole module is counted alike)"
            if by_hand > 0
            else "nothing hand-written beside the model",
            "lines",
            whole,
        )
    )
    return parts


def security_score(facts: Mapping[str, Any]) -> tuple[int, list[str]]:
    """Security headers the framework itself sends (not the contract, not the app's own code,
    not `Server`), plus one for CSRF protection on by default."""
    sec = facts.get("security") or {}
    given = [
        name
        for name, h in (sec.get("headers") or {}).items()
        if h.get("present")
        and not h.get("contract_required")
        and not h.get("set_by_app")
        and name != "Server"
    ]
    if (sec.get("csrf") or {}).get("default_on"):
        given.append("CSRF protection")
    return len(given), given


def judge_django_secure(run: Run) -> list[Part]:
    have = {fw: f for fw, f in run.facts.items() if (f.get("security") or {}).get("headers")}
    missing = [fw for fw in select.FIVE if fw not in have]
    scores = {fw: security_score(have[fw]) for fw in have if fw in select.FIVE}
    values = {fw: exact(float(s[0])) for fw, s in scores.items()}
    notes = {fw: s[1] for fw, s in scores.items()}
    label = "security headers and defaults out of the box"
    if missing:
        return [
            Part(label, INCONCLUSIVE, f"no security facts for {', '.join(missing)}", "", values)
        ]
    django = scores["django"][0]
    rivals = [fw for fw in select.FIVE if fw != "django" and scores[fw][0] >= django]
    if rivals:
        reason = f"{', '.join(rivals)} give(s) as many or more ({django} for django)"
        return [Part(label, CONTRADICTED, reason, "count", values, notes=notes)]
    reason = f"django gives {django}: {', '.join(scores['django'][1])}"
    return [Part(label, SUPPORTED, reason, "count", values, notes=notes)]


CLAIMS: tuple[Claim, ...] = (
    Claim(
        1,
        'FastAPI is "fast, high-performing"',
        "FastAPI has the highest capacity per core of the five: the lowest server CPU µs per "
        "request in every scenario measured at equal offered load.",
        "server_cpu_us_per_req (capacity per core = 1e6 / µs)",
        "every rate-mode scenario shared by the five, at their highest common offered rate",
        select.FIVE,
        "Lowest rule per scenario, parts combined. Closed-loop throughput is not used: on this "
        "machine the load generator saturates before the servers do.",
        judge_fastapi_fast,
    ),
    Claim(
        2,
        'async frameworks "perform multiple tasks simultaneously"',
        "At equal cores, FastAPI keeps more /io waits in progress than each WSGI framework.",
        "achieved req/s x wait (s) = concurrent waits served (Little's law)",
        "io (closed loop) at the highest user count shared by the five",
        select.FIVE,
        "Highest rule; generator-bound samples are lower bounds (see RULES).",
        judge_async_io,
    ),
    Claim(
        3,
        'Bottle has "low memory usage"',
        "One process holding Bottle's app has the lowest resident memory of the five.",
        "RSS of a fresh interpreter after importing and building the app (facts.json); the "
        "server tree's peak RSS is shown beside it",
        "fresh interpreters, no server (worker counts differ by server, not by framework)",
        select.FIVE,
        "Lowest rule on the one-process RSS.",
        judge_bottle_memory,
    ),
    Claim(
        4,
        'Bottle has "no other dependencies"',
        "Installing Bottle installs Bottle alone.",
        "installed dependency closure (facts.json)",
        "installed metadata of this environment",
        ("bottle",),
        "Supported when the closure is exactly {bottle}; contradicted otherwise.",
        judge_bottle_deps,
    ),
    Claim(
        5,
        'Flask is "lightweight"',
        "Flask's import time, one-process memory and dependency count are each among the "
        "smallest two of the five.",
        "import_time and its one-process RSS (facts), dependency count",
        "fresh interpreters",
        select.FIVE,
        "Among-the-smallest rule for each of the three, parts combined.",
        judge_flask_light,
    ),
    Claim(
        6,
        'Flask starts "with just six lines of code"',
        "Flask's smallest documented hello world has at most six code lines and runs.",
        "non-blank, non-comment lines of hello.py; status of GET / when run the docs' way",
        "each app's hello.py",
        ("flask",),
        "Supported when <= 6 lines and it answered 200; contradicted when more lines or it "
        "failed to run; inconclusive when it could not be run (its port was busy).",
        judge_flask_six_lines,
    ),
    Claim(
        7,
        "Django, full-stack, is the heaviest",
        "Django has the highest start-up time, one-process memory and CPU µs per request of "
        "the five.",
        "startup_s, one-process RSS (facts), server_cpu_us_per_req",
        "every round; every rate-mode scenario shared by the five",
        select.FIVE,
        "Highest rule for each, parts combined.",
        judge_django_heavy,
    ),
    Claim(
        8,
        "CherryPy's own server handles HTTP well",
        f"On cheroot, CherryPy fails no request and keeps p99 latency under "
        f"{P99_BOUND_US / 1000:g} ms at the standard offered loads.",
        "failures, latency_p99_us",
        "every rate-mode cell of cherrypy except io",
        ("cherrypy",),
        f"Errors: any failure contradicts. p99 per cell: supported when the CI upper bound is "
        f"<= {P99_BOUND_US:.0f} µs, contradicted when the lower bound is above; generator-bound "
        f"samples are left out (their latency includes the generator's queueing). Parts combined.",
        judge_cherrypy_http,
    ),
    Claim(
        9,
        "FastAPI validates data out of the box",
        "FastAPI's /echo bad-input cases pass verification without hand-written checks: the "
        "schema (422) from a declarative pydantic model, and nothing written beside it.",
        "kind and code lines of each app's /echo schema validation, and of the whole module "
        "holding all its /echo checks (facts.json)",
        "echo",
        ("fastapi",),
        "Two parts, combined: the schema part is supported when FastAPI's is a model without "
        "validator functions, contradicted when hand-written; the whole part is supported when "
        "the module holds nothing beside the model, contradicted when the app had to write "
        "checks for the other cases (415 media type, 413 size, 400 strict JSON).",
        judge_fastapi_validation,
    ),
    Claim(
        10,
        'Django is "secured"',
        "Out of the box, Django sends more security headers and enables more protections "
        "than each of the other four.",
        "count of security headers sent by the framework itself + CSRF on by default",
        "GET /plaintext and a 404",
        select.FIVE,
        "Supported when Django's count is strictly above each other framework's; contradicted "
        "otherwise. Headers the contract requires (nosniff), that the app's own code sets, and "
        "Server are not counted.",
        judge_django_secure,
    ),
)


def evaluate(run: Run, claims: Sequence[Claim] = CLAIMS) -> list[Result]:
    """Each claim's verdict for `run`, with RULES 'Verification' applied first."""
    skipped = run.skipped
    results = []
    for claim in claims:
        parts = claim.judge(run)
        blocked = [fw for fw in claim.subjects if fw in skipped]
        if blocked:
            why = "; ".join(f"{fw} skipped: {skipped[fw]}" for fw in blocked)
            results.append(Result(claim, INCONCLUSIVE, why, parts))
            continue
        verdict, reason = combine(parts)
        results.append(Result(claim, verdict, reason, parts))
    return results
