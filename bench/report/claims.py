"""The article's ten claims: how each is read, what it is measured by, what is held constant.

Every claim carries its reading (one sentence: the claim as its author meant it, as a sceptical
reader would test it), its metric, what its comparisons hold constant (the same server, or
not), and its rule. bench/report/verdicts.py turns comparisons into verdicts; the statistics
are in bench/report/stats.py; bench/report/method.py states the design for the page.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.report import select
from bench.report.load import Run
from bench.report.stats import (
    MARGIN,
    Comparison,
    Interval,
    exact,
    exact_ratio,
    mean_ci,
    no_comparison,
    paired,
    paired_ratio_of_means,
    rate_ci,
    unpaired,
)
from bench.report.verdicts import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    Part,
    Verdict,
    Versus,
    Want,
    combine_agree,
    combine_all,
    combine_weighed,
    with_holm,
)

__all__ = ["CLAIMS", "RULES", "Claim", "Part", "Result", "Verdict", "evaluate", "forest"]

ERROR_RATE_BOUND = 0.001
"""Claim 8: failures below 0.1% of requests. The same line the harness draws for a window
`bound` by errors (bench/schema.py BOUNDS): above it, a measurement describes failures."""
LATENCY_MARGIN = 0.25
"""Claim 8: cheroot's p99 at most 25% above the median of the other four servers at the same
offered load. Light-load p99 varies ~15-30% between rounds; a quarter of a millisecond-scale
p99 is below what a client notices, and a server that "handles HTTP well" is not one that is
slower than the others by more than that."""

RULES: tuple[tuple[str, str], ...] = (
    (
        "Comparisons",
        "Two frameworks are compared by the ratio of their values. Measured numbers pair by "
        "round (both were measured in the same interleaved round): the mean of the per-round "
        "log ratios with a 95% t-interval; costs over a bare app, the ratio of their paired "
        "means with Fieller's interval. Facts measured in fresh interpreters (import time, "
        "one-process memory) do not pair: ratio of geometric means, Welch t-interval. Counted "
        "facts (bytes, packages, lines) have no interval: their size alone decides.",
    ),
    (
        "Outcomes",
        f"Each comparison is different (the interval excludes 1 after Holm's adjustment and "
        f"the ratio is at least {MARGIN:.0%} away from 1), equivalent (both one-sided tests "
        f"put the ratio inside ±{MARGIN:.0%}, after Holm), or inconclusive.",
    ),
    (
        "Lowest / highest",
        "'X is lowest' needs X different and lower against each rival: supported when it is "
        "against all, contradicted when a rival is different and lower or equivalent (a tie is "
        "not the difference claimed), otherwise inconclusive. 'Highest' is the mirror image.",
    ),
    (
        "Among the smallest",
        "'X is among the smallest two' is contradicted when two rivals are different and "
        "smaller, supported when at most one rival is smaller or undecided (ties count as "
        "not smaller), otherwise inconclusive.",
    ),
    (
        "Held constant",
        "A framework's cost is its number minus the bare app's on the same server in the same "
        "round (raw WSGI on gunicorn for Flask, Bottle and Django, raw ASGI on uvicorn for "
        "FastAPI). Where the run has no bare app on a framework's server (CherryPy on cheroot) "
        "the comparison is labelled cross-server. Absolute numbers are shown beside.",
    ),
    (
        "Several parts",
        "Holm's method adjusts the p-values of every comparison in a claim, so the chance of a "
        "false finding anywhere in the claim stays at 5%. A claim with several parts is "
        "supported when every deciding part is, contradicted when any is (claims 5 and 10 "
        "weigh their parts as their rules say). Context parts are shown, not counted.",
    ),
    (
        "Verification",
        "A claim is inconclusive when a framework it is about failed contract verification or "
        "start-up in this run (listed as skipped), or has no samples: unequal work is never "
        "compared.",
    ),
    (
        "Generator-bound samples",
        "A generator-bound throughput is a lower bound: it can support 'X serves more' for X, "
        "never contradict it, and a rival's cannot be beaten. CPU per request is measured on "
        "the server and stays valid.",
    ),
)


@dataclass(frozen=True)
class Claim:
    number: int
    article: str
    """The article's words."""
    reading: str
    """The claim as its author meant it, in one sentence: what is tested."""
    hypothesis: str
    """The measurable statement the verdict answers."""
    metric: str
    comparison: str
    """What the comparisons hold constant: the same server, or not (labelled)."""
    scenario: str
    subjects: tuple[str, ...]
    """Frameworks the claim is about: any of them skipped makes it inconclusive."""
    rule: str
    judge: Callable[[Run], list[Part]]
    combine: Callable[[Sequence[Part]], tuple[Verdict, str]] = combine_all


@dataclass(frozen=True)
class Result:
    claim: Claim
    verdict: Verdict
    reason: str
    parts: Sequence[Part]

    @property
    def effect(self) -> Versus | None:
        """The comparison that decides: the closest call among those agreeing with the
        verdict (the weakest win, the strongest counter-example, the first open one)."""
        deciding = [v for p in self.parts if p.decides for v in p.versus] or [
            p.effect for p in self.parts if p.decides and p.effect is not None
        ]
        agree = [v for v in deciding if v.verdict == self.verdict] or deciding
        known = [v for v in agree if v.ratio.known] or agree
        if not known:
            return None
        return min(
            known, key=lambda v: abs(math.log(v.ratio.mean)) if v.ratio.mean > 0 else math.inf
        )

    def as_dict(self) -> dict[str, Any]:
        c = self.claim
        e = self.effect
        return {
            "number": c.number,
            "article": c.article,
            "reading": c.reading,
            "hypothesis": c.hypothesis,
            "metric": c.metric,
            "comparison": c.comparison,
            "scenario": c.scenario,
            "frameworks": list(c.subjects),
            "rule": c.rule,
            "verdict": self.verdict,
            "outcome": self.verdict,
            "reason": self.reason,
            "effect": e.as_dict() if e else None,
            "parts": [p.as_dict() for p in self.parts],
        }


def forest(results: Sequence[Result]) -> list[dict[str, Any]]:
    """One row per comparison, for a forest plot: claim, part, ratio, interval, margin."""
    rows = []
    for r in results:
        for p in r.parts:
            for v in p.versus:
                if not v.ratio.known:
                    continue
                rows.append(
                    {
                        "claim": r.claim.number,
                        "part": f"{p.label}: {v.subject} vs {v.versus}",
                        "ratio": v.ratio.mean,
                        "low": v.ratio.low,
                        "high": v.ratio.high,
                        "margin": v.margin,
                        "outcome": v.outcome,
                        "decides": p.decides,
                    }
                )
    return rows


# --- numbers the claims use ---------------------------------------------------------------------


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


def _rivals(subject: str, field_: Sequence[str] = select.FIVE) -> list[str]:
    return [fw for fw in field_ if fw != subject]


@dataclass(frozen=True)
class Cost:
    """A framework's per-round numbers in one measure, and its cost over the bare app."""

    framework: str
    absolute: dict[int, float]
    over: dict[int, float]
    baseline: select.Baseline | None
    floor: bool = False
    """The number is a lower bound (generator- or slot-bound)."""
    users: int | None = None
    server: str = ""

    @property
    def label(self) -> str:
        return self.baseline.label if self.baseline else "no bare app in this run"


@dataclass(frozen=True)
class _Peaks:
    """A run's peak levels and servers, found once for all of a claim's parts."""

    levels: Mapping[tuple[str, str, str], select.Level]
    servers: Mapping[str, str]
    baselines: Mapping[tuple[str, str], select.Baseline | None]

    @classmethod
    def of(cls, run: Run) -> _Peaks:
        fws = sorted(set(run.samples["framework"]))
        scenarios = sorted(set(run.samples["scenario"]))
        return cls(
            select.peak_levels(run.samples),
            {fw: select.main_server(run.samples, fw) for fw in fws},
            {
                (fw, sc): select.baseline(run.samples, fw, sc)
                for fw in select.FIVE
                for sc in scenarios
            },
        )


def _peak_cost(
    peaks: _Peaks, fw: str, scenario: str, metric: str, kept: bool = False
) -> Cost | None:
    """`fw`'s per-round `metric` at its peak level in `scenario`, and its cost over the bare
    app at that app's peak level: the difference, or with `kept` the share kept (ratio)."""
    level = peaks.levels.get((fw, peaks.servers.get(fw, ""), scenario))
    if level is None:
        return None
    mine = select.by_round(level.rows, metric).get(fw, {})
    base = peaks.baselines.get((fw, scenario))
    over: dict[int, float] = {}
    floor = level.lower_bound
    if base is not None:
        blevel = peaks.levels.get((base.name, base.server, base.scenario))
        if blevel is not None:
            theirs = select.by_round(blevel.rows, metric).get(base.name, {})
            floor = floor or blevel.lower_bound
            for r in set(mine) & set(theirs):
                over[r] = mine[r] / theirs[r] if kept and theirs[r] else mine[r] - theirs[r]
    return Cost(fw, mine, over, base, floor, level.users, level.server)


def _compare_costs(
    costs: Mapping[str, Cost], subject: str, want: Want, use_floor: bool
) -> tuple[Versus, ...]:
    out = []
    s = costs.get(subject)
    for rival in _rivals(subject):
        o = costs.get(rival)
        cmp: Comparison
        if s is None or o is None:
            cmp = no_comparison(f"no data for {subject if s is None else rival}")
        elif not s.over or not o.over:
            cmp = no_comparison("no bare app measured in the same rounds")
        else:
            # A cost over the bare app can come near zero, where a log ratio fails.
            cmp = paired_ratio_of_means(s.over, o.over)
        out.append(
            Versus(
                subject,
                rival,
                cmp,
                want,
                subject_floor=use_floor and s is not None and s.floor,
                versus_floor=use_floor and o is not None and o.floor,
            )
        )
    return tuple(out)


def _held(costs: Mapping[str, Cost]) -> str:
    same = [fw for fw, c in costs.items() if c.baseline and c.baseline.same_server]
    cross = [
        f"{fw} ({c.server or 'its server'}) over {c.baseline.name} on {c.baseline.server}"
        for fw, c in costs.items()
        if c.baseline and not c.baseline.same_server
    ]
    text = "each framework over the bare app on its own server"
    if same:
        text += f" (same server: {', '.join(same)})"
    if cross:
        text += f"; cross-server: {'; '.join(cross)}"
    return text


def _values(costs: Mapping[str, Cost], which: str) -> dict[str, Interval]:
    return {
        fw: mean_ci(list((c.over if which == "over" else c.absolute).values()))
        for fw, c in costs.items()
    }


def _saturation_parts(run: Run, subject: str, want: Want) -> list[Part]:
    """Per scenario: CPU per request at saturation over the bare app (deciding), and the share
    of the bare app's peak throughput kept (deciding where no side is generator-bound)."""
    scenarios = sorted(
        {str(s) for s in select.peak_rows(run.samples)["scenario"]} - {select.IO_SCENARIO}
    )
    parts: list[Part] = []
    peaks = _Peaks.of(run)
    for scenario in scenarios:
        cpu = {
            fw: c
            for fw in select.FIVE
            if (c := _peak_cost(peaks, fw, scenario, "server_cpu_us_per_req")) is not None
        }
        if set(cpu) != set(select.FIVE):
            continue
        parts.append(
            Part(
                f"server CPU per request at saturation, /{scenario}, over the bare app",
                "µs/request",
                _held(cpu),
                _values(cpu, "over"),
                _compare_costs(cpu, subject, want, use_floor=False),
                notes={
                    fw: f"{c.label}; absolute {_fmt(mean_ci(list(c.absolute.values())))} "
                    f"µs/request at {c.users} users"
                    for fw, c in cpu.items()
                },
            )
        )
        rps = {
            fw: c
            for fw in select.FIVE
            if (c := _peak_cost(peaks, fw, scenario, "achieved_rps", kept=True)) is not None
        }
        throughput_want: Want = "higher" if want == "lower" else "lower"
        versus = _compare_costs(rps, subject, throughput_want, use_floor=True)
        bound = sorted(fw for fw, c in rps.items() if c.floor)
        parts.append(
            Part(
                f"peak throughput, /{scenario}, as a share of the bare app's",
                "share of the bare app's req/s",
                _held(rps),
                _values(rps, "over"),
                versus,
                decides=not bound,
                notes={
                    fw: f"absolute {_fmt(mean_ci(list(c.absolute.values())))} req/s at "
                    f"{c.users} users"
                    + (" (lower bound: generator- or slot-bound)" if c.floor else "")
                    for fw, c in rps.items()
                },
            )
        )
    if not parts:
        why = "no saturation (peak) cells measured for all five frameworks in this run"
        return [
            Part(
                "server CPU per request at saturation", "µs/request", "", fixed=(INCONCLUSIVE, why)
            )
        ]
    return parts


def _fmt(iv: Interval) -> str:
    if not iv.known:
        return f"{iv.mean:.4g}" if math.isfinite(iv.mean) else "–"
    return f"{iv.mean:.4g} [{iv.low:.4g}, {iv.high:.4g}]"


def _unpaired_versus(
    values: Mapping[str, Sequence[float]], subject: str, want: Want
) -> tuple[Versus, ...]:
    out = []
    for rival in _rivals(subject):
        if not values.get(subject) or not values.get(rival):
            cmp = no_comparison(f"no values for {subject if not values.get(subject) else rival}")
        else:
            cmp = unpaired(values[subject], values[rival])
        out.append(Versus(subject, rival, cmp, want))
    return tuple(out)


def _exact_versus(values: Mapping[str, float], subject: str, want: Want) -> tuple[Versus, ...]:
    out = []
    for rival in _rivals(subject):
        if subject not in values or rival not in values:
            cmp = no_comparison(f"no count for {subject if subject not in values else rival}")
        else:
            cmp = exact_ratio(values[subject], values[rival])
        out.append(Versus(subject, rival, cmp, want))
    return tuple(out)


ONE_PROCESS_RSS = "RSS of one process holding the app (imported and built, no server)"


def _one_process_rss(run: Run) -> dict[str, list[float]]:
    """The framework's own memory: a fresh interpreter that imported and built the app. The
    server tree's RSS also counts how many processes each server forks; it is a note."""
    samples = _facts(run, "import_time", "rss_samples_mib")
    return {fw: [float(v) for v in vals] for fw, vals in samples.items() if vals}


def _rss_part(run: Run, subject: str, want: Want, rule: str = "each") -> Part:
    values = _one_process_rss(run)
    return Part(
        ONE_PROCESS_RSS,
        "MiB",
        "facts: fresh interpreters, no server",
        {fw: mean_ci(values.get(fw, [])) for fw in select.FIVE},
        _unpaired_versus(values, subject, want),
        rule="among_smallest" if rule == "among_smallest" else "each",
        notes=_tree_rss_notes(run),
    )


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


# --- the judges ---------------------------------------------------------------------------------


def judge_fastapi_fast(run: Run) -> list[Part]:
    return _saturation_parts(run, "fastapi", "lower")


def judge_async_io(run: Run) -> list[Part]:
    rows = run.samples[
        (run.samples["scenario"] == select.IO_SCENARIO)
        & (run.samples["deployment"] == select.primary_deployment(run.samples))
    ]
    users: set[float] | None = None
    for fw in select.FIVE:
        mine = set(rows.loc[rows["framework"] == fw, "users"].dropna())
        users = mine if users is None else users & mine
    label = "/io concurrency sweep"
    if not users:
        return [Part(label, "", "", fixed=(INCONCLUSIVE, "no common /io level in this run"))]
    top = max(users)
    rows = rows[rows["users"] == top]
    io_ms = float(rows["io_ms"].max())
    # Little's law: waits in progress = completions per second x seconds each one waits.
    rows = rows.assign(concurrent_waits=rows["achieved_rps"] * io_ms / 1000.0)
    waits = select.by_round(rows, "concurrent_waits")
    bound = select.generator_bound(rows)
    versus = tuple(
        Versus(
            "fastapi",
            rival,
            paired(waits.get("fastapi", {}), waits.get(rival, {})),
            "higher",
            subject_floor="fastapi" in bound,
            versus_floor=rival in bound,
        )
        for rival in _rivals("fastapi")
    )
    shape = rows.drop_duplicates("framework").set_index("framework")
    slots = {
        str(fw): f"{row['server']}: {row['workers']:g} process(es) x {row['threads']:g} "
        f"thread(s) = {row['workers'] * row['threads']:g} requests at once by configuration"
        if row["server"] != "uvicorn"
        else f"{row['server']}: {row['workers']:g} process(es), one event loop, no thread per wait"
        for fw, row in shape.iterrows()
    }
    # What async buys is waits per thread of execution, not waits in all: shown as context.
    rows = rows.assign(threads_total=rows["workers"] * rows["threads"])
    per_thread = rows.assign(per_thread=rows["concurrent_waits"] / rows["threads_total"])
    per = select.by_round(per_thread, "per_thread")
    return [
        Part(
            f"/io?ms={io_ms:g} waits in progress at {top:g} users",
            "concurrent waits (achieved req/s x wait s)",
            "cross-server by nature (event loop vs threads); decided by each server's "
            "configured concurrency",
            {fw: mean_ci(list(waits.get(fw, {}).values())) for fw in select.FIVE},
            versus,
            notes=slots,
        ),
        Part(
            f"/io?ms={io_ms:g} waits in progress per server thread at {top:g} users",
            "concurrent waits / (processes x threads)",
            "context: the same samples divided by each server's configured threads",
            {fw: mean_ci(list(per.get(fw, {}).values())) for fw in select.FIVE},
            fixed=(INCONCLUSIVE, "context: how many waits one thread of execution holds"),
            decides=False,
        ),
    ]


def judge_bottle_memory(run: Run) -> list[Part]:
    return [_rss_part(run, "bottle", "lower")]


def judge_bottle_deps(run: Run) -> list[Part]:
    deps = _facts(run, "dependencies")
    label = "installed closure of bottle"
    if "bottle" not in deps:
        return [Part(label, "", "facts", fixed=(INCONCLUSIVE, "no dependency facts for bottle"))]
    closure = list(deps["bottle"].get("framework", []))
    counts = {fw: exact(float(d.get("framework_count", math.nan))) for fw, d in deps.items()}
    verdict = SUPPORTED if closure == ["bottle"] else CONTRADICTED
    reason = "installs bottle alone" if verdict == SUPPORTED else f"installs {', '.join(closure)}"
    effect = Versus("bottle", "bottle alone", exact_ratio(float(len(closure)), 1.0), "lower")
    return [
        Part(
            label,
            "distributions",
            "facts: installed metadata",
            counts,
            fixed=(verdict, reason),
            effect=effect,
        )
    ]


def judge_flask_light(run: Run) -> list[Part]:
    imports = {fw: list(v) for fw, v in _facts(run, "import_time", "samples").items() if v}
    deps = {fw: float(v) for fw, v in _facts(run, "dependencies", "framework_count").items()}
    size = {
        fw: float(v)
        for fw, v in _facts(run, "dependencies", "installed_bytes").items()
        if v is not None
    }
    mib = {fw: exact(v / 2**20) for fw, v in size.items()}
    return [
        Part(
            "installed size on disk (framework and its dependencies)",
            "MiB",
            "facts: installed files",
            mib,
            _exact_versus(size, "flask", "lower"),
            rule="among_smallest",
        ),
        Part(
            "import time of the app",
            "s",
            "facts: fresh interpreters",
            {fw: mean_ci(v) for fw, v in imports.items() if fw in select.FIVE},
            _unpaired_versus(imports, "flask", "lower"),
            rule="among_smallest",
        ),
        _rss_part(run, "flask", "lower", rule="among_smallest"),
        Part(
            "installed dependencies",
            "distributions",
            "facts: installed metadata",
            {fw: exact(v) for fw, v in deps.items() if fw in select.FIVE},
            _exact_versus(deps, "flask", "lower"),
            rule="among_smallest",
        ),
    ]


def judge_flask_six_lines(run: Run) -> list[Part]:
    hello = _facts(run, "hello")
    lines = {fw: exact(float(h["lines"])) for fw, h in hello.items() if h.get("lines") is not None}
    notes: dict[str, Any] = {
        fw: {"ran": h.get("ran"), "reason": h.get("reason"), "from docs": h.get("from_docs")}
        for fw, h in hello.items()
        if fw in select.FIVE
    }
    start = _facts(run, "startproject").get("django")
    if "django" in notes:
        notes["django"]["from docs"] = False
        notes["django"]["note"] = (
            "not from Django's docs (they have no single-file hello world)"
            + (
                f"; the docs' path, startproject, writes {start['lines']} code lines in "
                f"{start['files']} files before the first view"
                if start and start.get("lines") is not None
                else ""
            )
        )
    flask = hello.get("flask")
    label = "hello.py code lines, and it runs"
    if not flask or flask.get("lines") is None:
        why = (flask or {}).get("reason", "no hello facts for flask")
        return [Part(label, "lines", "facts", lines, fixed=(INCONCLUSIVE, why), notes=notes)]
    count = int(flask["lines"])
    fixed: tuple[Verdict, str]
    if count > 6:
        fixed = (CONTRADICTED, f"flask's hello.py has {count} code lines")
    elif flask.get("ran") is False:
        fixed = (CONTRADICTED, f"{count} lines, but it did not run: {flask.get('reason')}")
    elif flask.get("ran") is None:
        fixed = (INCONCLUSIVE, f"{count} lines; not run: {flask.get('reason')}")
    else:
        fixed = (SUPPORTED, f"{count} code lines and it answered 200")
    # The bound is six lines: "no worse" than six, exactly.
    bound = Versus("flask", "six lines", exact_ratio(float(count), 6.0), "not_higher", 1e-9)
    return [
        Part(
            label,
            "lines",
            "facts: each docs' hello world",
            lines,
            fixed=fixed,
            notes=notes,
            effect=bound,
        )
    ]


def _startup_costs(run: Run) -> dict[str, Cost]:
    dep = select.primary_deployment(run.samples)
    rows = run.samples[run.samples["deployment"] == dep].dropna(subset=["startup_s", "round"])
    first = rows.groupby(["framework", "server", "round"])["startup_s"].first().reset_index()
    out: dict[str, Cost] = {}
    for fw in select.FIVE:
        server = select.main_server(run.samples, fw)
        mine = select.by_round(
            first[(first["framework"] == fw) & (first["server"] == server)], "startup_s"
        )
        if fw not in mine:
            continue
        base = select.baseline(run.samples, fw, "json")
        over: dict[int, float] = {}
        if base is not None:
            theirs = select.by_round(
                first[(first["framework"] == base.name) & (first["server"] == base.server)],
                "startup_s",
            ).get(base.name, {})
            over = {r: mine[fw][r] - theirs[r] for r in set(mine[fw]) & set(theirs)}
        out[fw] = Cost(fw, mine[fw], over, base, server=server)
    return out


def judge_django_heavy(run: Run) -> list[Part]:
    startup = _startup_costs(run)
    parts = [
        Part(
            "start-up (spawn to first 200), over the bare app's",
            "s",
            _held(startup),
            _values(startup, "over"),
            _compare_costs(startup, "django", "higher", use_floor=False),
            notes={
                fw: f"absolute {_fmt(mean_ci(list(c.absolute.values())))} s"
                for fw, c in startup.items()
            },
        ),
        _rss_part(run, "django", "higher"),
    ]
    return parts + [p for p in _saturation_parts(run, "django", "higher") if "CPU" in p.label]


def _others_median(
    by: Mapping[str, Mapping[int, float]], others: Sequence[str]
) -> dict[int, float]:
    rounds = set.intersection(*(set(by.get(o, {})) for o in others)) if others else set()
    return {r: statistics.median(by[o][r] for o in others) for r in rounds}


def judge_cherrypy_http(run: Run) -> list[Part]:
    rows = select.rate_rows(run.samples)
    mine = rows[(rows["framework"] == "cherrypy") & (rows["scenario"] != select.IO_SCENARIO)]
    if mine.empty:
        return [
            Part("cherrypy at the standard loads", "", "", fixed=(INCONCLUSIVE, "no rate samples"))
        ]
    failures = int(mine["failures"].fillna(0).sum())
    requests = int(mine["requests"].fillna(0).sum())
    rate = rate_ci(failures, requests)
    fixed: tuple[Verdict, str]
    text = (
        f"{failures} failed of {requests}: rate {rate.mean:.2e}, 95% Clopper-Pearson "
        f"[{rate.low:.2e}, {rate.high:.2e}] against {ERROR_RATE_BOUND:.1%}"
    )
    if rate.high < ERROR_RATE_BOUND:
        fixed = (SUPPORTED, text + ": below")
    elif rate.low > ERROR_RATE_BOUND:
        fixed = (CONTRADICTED, text + ": above")
    else:
        fixed = (INCONCLUSIVE, text + ": the interval straddles it")
    others_rates = {}
    for fw in _rivals("cherrypy"):
        theirs = rows[(rows["framework"] == fw) & (rows["scenario"] != select.IO_SCENARIO)]
        others_rates[fw] = rate_ci(
            int(theirs["failures"].fillna(0).sum()), int(theirs["requests"].fillna(0).sum())
        )
    parts = [
        Part(
            "failed requests at the standard loads",
            "share of requests",
            "each on its own server",
            {"cherrypy": rate, **others_rates},
            fixed=fixed,
        )
    ]
    others = _rivals("cherrypy")
    for scenario in select.rate_scenarios(run.samples, select.FIVE):
        cell = select.cell(run.samples, scenario, select.FIVE)
        cell = cell[~cell["generator_bound"].astype(bool)]
        p99 = select.by_round(cell, "latency_p99_us")
        level = cell["offered_rps"].max() if len(cell) else math.nan
        median = _others_median(p99, [o for o in others if o in p99])
        cmp = paired(p99.get("cherrypy", {}), median) if median else no_comparison("no rivals")
        parts.append(
            Part(
                f"p99 latency, /{scenario} at {level:g} req/s offered, vs the others' median",
                "µs",
                "cross-server: cheroot against gunicorn and uvicorn at the same offered load",
                {fw: mean_ci(list(p99.get(fw, {}).values())) for fw in select.FIVE},
                (
                    Versus(
                        "cherrypy", "median of the other four", cmp, "not_higher", LATENCY_MARGIN
                    ),
                ),
            )
        )
    return parts


def judge_fastapi_validation(run: Run) -> list[Part]:
    found = _facts(run, "validation")
    schema = {fw: exact(float(v["lines"])) for fw, v in found.items() if v.get("lines") is not None}
    notes = {
        fw: {k: v.get(k) for k in ("name", "kind", "file", "reason")} for fw, v in found.items()
    }
    mine = found.get("fastapi")
    label = "/echo schema checks (422)"
    if not mine or mine.get("lines") is None:
        why = (mine or {}).get("reason", "no validation facts for fastapi")
        return [Part(label, "lines", "facts", schema, fixed=(INCONCLUSIVE, why), notes=notes)]
    fixed: tuple[Verdict, str]
    if mine.get("kind") == "model" and not mine.get("validator_functions"):
        fixed = (
            SUPPORTED,
            f"a declarative model ({mine.get('name')}, {mine['lines']} lines), no validators",
        )
    elif mine.get("kind") != "model":
        fixed = (CONTRADICTED, f"{mine.get('name')} is a hand-written {mine.get('kind')}")
    else:
        fixed = (
            CONTRADICTED,
            f"{mine.get('validator_functions')} hand-written validator function(s)",
        )
    strict = {
        fw: exact(float(v["module_lines"]) - float(v["lines"]))
        for fw, v in found.items()
        if v.get("module_lines") is not None and v.get("lines") is not None
    }
    return [
        Part(
            label,
            "lines",
            "facts: each app's source",
            schema,
            fixed=fixed,
            notes=notes,
            effect=Versus(
                "fastapi",
                "the others' median",
                exact_ratio(
                    float(mine["lines"]),
                    statistics.median(
                        [iv.mean for fw, iv in schema.items() if fw != "fastapi"] or [math.nan]
                    ),
                ),
                "lower",
            ),
        ),
        Part(
            "the contract's HTTP strictness (415 media type, 413 size, 400 strict JSON), in "
            "every app",
            "lines beside the schema",
            "facts: each app's /echo module",
            strict,
            fixed=(
                INCONCLUSIVE,
                "context: the harness's stricter contract asked every framework for these",
            ),
            decides=False,
        ),
    ]


# The security checklist: one list for every framework, +1 for a protection on by default,
# -1 for an insecure default, read as deployed in the measured app and as the framework's own
# project template or quickstart ships it (bench.facts.security 'checklist').
HEADER_ITEMS = (
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Security-Policy",
    "Strict-Transport-Security",
)


def checklist(facts: Mapping[str, Any], context: str) -> dict[str, tuple[int, str]] | None:
    """{item: (score, evidence)} of one framework in `context` ('deployed' or 'template')."""
    sec = facts.get("security") or {}
    given = (sec.get("checklist") or {}).get(context)
    if isinstance(given, dict):
        return {
            str(k): (int(v.get("score", 0)), str(v.get("evidence", ""))) for k, v in given.items()
        }
    if context != "deployed" or not sec.get("headers"):
        return None
    # Older facts: the headers seen over HTTP and the CSRF flag are the deployed checklist.
    items: dict[str, tuple[int, str]] = {}
    for name in HEADER_ITEMS:
        h = (sec.get("headers") or {}).get(name) or {}
        on = bool(h.get("present") and not h.get("set_by_app") and not h.get("contract_required"))
        items[name] = (
            1 if on else 0,
            "sent by the framework" if on else "not sent by the framework",
        )
    # Their CSRF flag is the framework's template default, not the measured app's: not counted.
    items["CSRF protection on"] = (0, "older facts do not say whether the measured app has it on")
    return items


def judge_django_secure(run: Run) -> list[Part]:
    parts = []
    for context, label in (
        ("deployed", "security checklist, the measured app as deployed"),
        ("template", "security checklist, the framework's own project template or quickstart"),
    ):
        lists = {fw: checklist(run.facts.get(fw, {}), context) for fw in select.FIVE}
        missing = [fw for fw, items in lists.items() if items is None]
        scores = {
            fw: sum(s for s, _ in items.values())
            for fw, items in lists.items()
            if items is not None
        }
        notes = {
            fw: {item: f"{s:+d} {ev}" for item, (s, ev) in items.items()}
            for fw, items in lists.items()
            if items is not None
        }
        values = {fw: exact(float(s)) for fw, s in scores.items()}
        fixed: tuple[Verdict, str]
        if missing:
            fixed = (INCONCLUSIVE, f"no checklist for {', '.join(missing)}")
        else:
            rivals = [fw for fw in _rivals("django") if scores[fw] >= scores["django"]]
            if rivals:
                fixed = (
                    CONTRADICTED,
                    f"{', '.join(rivals)} score(s) as high or higher "
                    f"({scores['django']:+d} for django)",
                )
            else:
                fixed = (SUPPORTED, f"django {scores['django']:+d}, above each other framework")
        effect = None
        if "django" in scores and len(scores) > 1:
            best = max(_rivals("django"), key=lambda fw: scores.get(fw, -99))
            d, b = scores["django"], scores.get(best, 0)
            cmp = (
                exact_ratio(float(d), float(b))
                if d > 0 and b > 0
                else no_comparison(f"a score not above zero has no ratio: {d:+d} vs {b:+d}")
            )
            effect = Versus("django", f"{best} (the best of the others)", cmp, "higher")
        parts.append(
            Part(
                label,
                "checklist score",
                "facts: no server",
                values,
                fixed=fixed,
                notes=notes,
                effect=effect,
            )
        )
    return parts


CLAIMS: tuple[Claim, ...] = (
    Claim(
        1,
        'FastAPI is "fast, high-performing"',
        "FastAPI, the framework, costs less per request than each of the other four when each "
        "is measured over a bare app on its own server at saturation.",
        "FastAPI adds the least server CPU per request over its server's bare app, and keeps "
        "the largest share of that bare app's peak throughput, in every scenario.",
        "server CPU µs/request at saturation (mode peak, best level) minus the bare app's; peak "
        "req/s as a share of the bare app's",
        "same server for flask, bottle, django (gunicorn) and fastapi (uvicorn); cherrypy "
        "cross-server until the run has a bare app on cheroot",
        "every peak scenario shared by the five",
        select.FIVE,
        "Lowest rule on the CPU added, highest rule on the throughput kept, per scenario, "
        "parts combined. Throughput parts where a side is generator-bound are shown, not counted.",
        judge_fastapi_fast,
    ),
    Claim(
        2,
        'async frameworks "perform multiple tasks simultaneously"',
        "An async framework keeps many waiting requests in progress at once on one event loop, "
        "where a threaded server keeps as many as it has threads.",
        "At the sweep's highest common user count FastAPI keeps more /io waits in progress "
        "than each WSGI framework.",
        "achieved req/s x wait (s) = concurrent waits served (Little's law)",
        "cross-server by nature: uvicorn's event loop against gunicorn's and cheroot's threads, "
        "whose counts are configuration (shown beside)",
        "io (closed loop) at the highest user count shared by the five",
        select.FIVE,
        "Highest rule, paired per round; generator-bound samples are lower bounds.",
        judge_async_io,
    ),
    Claim(
        3,
        'Bottle has "low memory usage"',
        "A Bottle app needs less memory than the same app in each other framework.",
        "One process holding Bottle's app has the lowest resident memory of the five.",
        "RSS of a fresh interpreter after importing and building the app (facts.json); the "
        "server tree's peak RSS is shown beside it",
        "no server: the same interpreter for every framework",
        "fresh interpreters, no server (worker counts differ by server, not by framework)",
        select.FIVE,
        "Lowest rule on the one-process RSS (unpaired: Welch t-interval of the log ratio).",
        judge_bottle_memory,
    ),
    Claim(
        4,
        'Bottle has "no other dependencies"',
        "Installing Bottle installs nothing but Bottle.",
        "Installing Bottle installs Bottle alone.",
        "installed dependency closure (facts.json)",
        "no server: installed metadata",
        "installed metadata of this environment",
        ("bottle",),
        "Supported when the closure is exactly {bottle}; contradicted otherwise.",
        judge_bottle_deps,
    ),
    Claim(
        5,
        'Flask is "lightweight"',
        "Flask is small and makes you carry little: little on disk, a quick import, little "
        "memory, few dependencies.",
        "Flask is among the smallest two of the five on installed size, import time, "
        "one-process memory and dependency count, weighed together.",
        "installed bytes of the framework's closure, import time and one-process RSS (facts), "
        "dependency count",
        "no server: fresh interpreters and installed files",
        "fresh interpreters",
        select.FIVE,
        "Among-the-smallest rule per measure; supported when at least half the measures support "
        "it and more support than contradict; the reason names which measures found what.",
        judge_flask_light,
        combine_weighed,
    ),
    Claim(
        6,
        'Flask starts "with just six lines of code"',
        "Flask's documented hello world is at most six lines of code, and it runs.",
        "Flask's smallest documented hello world has at most six code lines and runs.",
        "non-blank, non-comment lines of hello.py; status of GET / when run the docs' way",
        "no server comparison",
        "each app's hello.py (Django's is not from its docs; startproject's count is beside it)",
        ("flask",),
        "Supported when <= 6 lines and it answered 200; contradicted when more lines or it "
        "failed to run; inconclusive when it could not be run (its port was busy).",
        judge_flask_six_lines,
    ),
    Claim(
        7,
        "Django, full-stack, is the heaviest",
        "Django costs the most to run: it starts slowest, holds the most memory, and adds the "
        "most CPU per request.",
        "Django has the highest start-up and CPU per request at saturation over its server's "
        "bare app, and the highest one-process memory, of the five.",
        "startup_s and server CPU µs/request at saturation, each minus the bare app's; "
        "one-process RSS (facts)",
        "same server (gunicorn) against flask and bottle; each over its own server's bare app "
        "against fastapi and (cross-server) cherrypy",
        "every round; every peak scenario shared by the five",
        select.FIVE,
        "Highest rule for each part, parts combined.",
        judge_django_heavy,
    ),
    Claim(
        8,
        "CherryPy's own server handles HTTP well",
        "Cheroot serves CherryPy's traffic as reliably and as promptly as the production servers "
        "the other frameworks use.",
        f"CherryPy on cheroot fails fewer than {ERROR_RATE_BOUND:.1%} of requests, and its p99 "
        f"is at most {LATENCY_MARGIN:.0%} above the other four's median at the same offered load.",
        "failure rate (Clopper-Pearson interval); latency_p99_us relative to the others' median",
        "cross-server: cheroot against gunicorn and uvicorn at the same offered load",
        "every rate-mode cell shared by the five except io",
        ("cherrypy",),
        f"Errors: supported when the 95% upper bound of the rate is below {ERROR_RATE_BOUND:.1%}, "
        f"contradicted when the lower bound is above. p99 per cell: a non-inferiority test at "
        f"+{LATENCY_MARGIN:.0%}, paired per round, Holm across cells. Parts combined.",
        judge_cherrypy_http,
    ),
    Claim(
        9,
        "FastAPI validates data out of the box",
        "In FastAPI, declaring the body's model is all it takes to reject data that breaks it.",
        "FastAPI's /echo schema checks (422) come from a declarative pydantic model with no "
        "hand-written validator functions.",
        "kind and code lines of each app's /echo schema validation (facts.json); the lines the "
        "contract's HTTP strictness took in every app, as context",
        "no server: each app's source",
        "echo",
        ("fastapi",),
        "Supported when FastAPI's schema validation is a model without validator functions; "
        "contradicted when hand-written. The 415/413/400 lines every app needed for the "
        "contract are shown for everyone and not counted against any framework.",
        judge_fastapi_validation,
    ),
    Claim(
        10,
        'Django is "secured"',
        "Django's shipped defaults protect more than each other framework's, scored by one "
        "checklist, negatives included.",
        "Django's checklist score is above each other framework's, both as the measured app is "
        "deployed and as the framework's own project template or quickstart ships.",
        "one checklist: security headers the framework sends, CSRF on, debug off, no "
        "placeholder secret key, template autoescaping, HttpOnly session cookie",
        "no server comparison: headers from each app's own server, defaults from source",
        "GET /plaintext and a 404; settings and templates as shipped",
        select.FIVE,
        "Supported when Django is strictly highest in both readings, contradicted when in "
        "neither, inconclusive when they disagree (and the page says which).",
        judge_django_secure,
        combine_agree,
    ),
)


def evaluate(run: Run, claims: Sequence[Claim] = CLAIMS) -> list[Result]:
    """Each claim's verdict for `run`, with RULES 'Verification' applied first."""
    skipped = run.skipped
    results = []
    for claim in claims:
        parts = with_holm(claim.judge(run))
        blocked = [fw for fw in claim.subjects if fw in skipped]
        if blocked:
            why = "; ".join(f"{fw} skipped: {skipped[fw]}" for fw in blocked)
            results.append(Result(claim, INCONCLUSIVE, why, parts))
            continue
        verdict, reason = claim.combine(parts)
        results.append(Result(claim, verdict, reason, parts))
    return results
