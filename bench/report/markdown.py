"""summary.md: the page's headline (peak throughput, claims scorecard) and key numbers in
Markdown, for CI step summaries and pull-request comments."""

from __future__ import annotations

from collections.abc import Sequence

from bench.report.charts import Chart, Omitted, ordered
from bench.report.claims import RULES, Result
from bench.report.format import effect_text, fmt_interval
from bench.report.headline import headline, peak_text
from bench.report.load import Run


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(run: Run, results: Sequence[Result], charts: Sequence[Chart | Omitted]) -> str:
    head = headline(run, results)
    lines = [
        f"# Benchmark report {run.run_id}",
        "",
        f"Status: {run.status}. Samples: {len(run.samples)}. "
        f"Deployments: {', '.join(run.deployments) or 'none'}.",
        "",
    ]
    for fw, why in run.skipped.items():
        lines.append(f"- **{fw} not measured**: {_cell(why)}")
    if run.skipped:
        lines.append("")
    lines += ["## How fast?", "", _cell(head.throughput), ""]
    if head.peaks:
        lines += ["| framework | server | peak | bound |", "|---|---|---|---|"]
        for p in head.peaks:
            lines.append(f"| {p.framework} | {p.server} | {_cell(peak_text(p))} | {p.bound} |")
        lines.append("")
    lines += [
        "## Do the claims hold?",
        "",
        _cell(head.claims),
        "",
        "| # | the article says | verdict | because | effect |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.claim.number} | {_cell(r.claim.article)} | **{r.verdict}** | "
            f"{_cell(r.reason)} | {_cell(effect_text(r))} |"
        )
    lines += ["", "## Key numbers (mean [95% CI])", ""]
    for r in results:
        for part in r.parts:
            if len(part.values) < 2:
                continue
            fws = ordered(list(part.values))
            unit = f" ({part.unit})" if part.unit else ""
            lines += [
                f"**{r.claim.number}. {_cell(part.label)}{_cell(unit)}**: {part.verdict}",
                "",
                "| " + " | ".join(fws) + " |",
                "|" + "---|" * len(fws),
                "| " + " | ".join(_cell(fmt_interval(part.values[f])) for f in fws) + " |",
                "",
            ]
    lines += ["## Charts", ""]
    for ch in charts:
        if isinstance(ch, Omitted):
            lines.append(f"- {ch.title}: not drawn. {ch.reason}")
        else:
            lines.append(f"- [{ch.title}]({ch.files[0]}): {ch.caption}")
    lines += ["", "## Verdict rules", ""]
    lines += [f"- **{name}.** {text}" for name, text in RULES]
    lines += [f"- **Claim {r.claim.number}.** {r.claim.rule}" for r in results]
    return "\n".join(lines) + "\n"
