"""Read one results/<run-id>/ directory into pandas frames, refusing unknown schema versions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.errors import UsageError
from bench.schema import SAMPLE_COLUMNS, check_version

# Columns a report cannot do without; the others may be empty (e.g. server CPU in --target mode).
REQUIRED = ("framework", "scenario", "mode", "trial", "achieved_rps")
_TRUE = {"true", "1", "yes", "t"}


@dataclass(frozen=True)
class Run:
    path: Path
    meta: dict[str, Any]
    """run.json as written by the runner."""
    samples: pd.DataFrame
    facts: dict[str, Any]
    """facts.json: {framework: bench.facts.collect(...)}; empty when the run has none."""

    @property
    def run_id(self) -> str:
        return str(self.meta.get("run_id") or self.path.name)

    @property
    def status(self) -> str:
        return str(self.meta.get("status", "unknown"))

    @property
    def started(self) -> str:
        return str(self.meta.get("started") or self.meta.get("started_at") or "?")

    @property
    def skipped(self) -> dict[str, str]:
        """Frameworks not measured (failed verification or start-up), with the reason."""
        raw = self.meta.get("skipped") or {}
        out: dict[str, str] = {}
        if isinstance(raw, dict):
            for name, why in raw.items():
                out[str(name)] = _reason(why)
        else:
            for item in raw:
                if isinstance(item, dict):
                    out[str(item.get("framework", "?"))] = _reason(item)
                else:
                    out[str(item)] = "skipped"
        return out

    @property
    def frameworks(self) -> list[str]:
        return sorted(set(self.samples["framework"]) | set(self.facts) | set(self.skipped))

    @property
    def deployments(self) -> list[str]:
        return sorted(set(self.samples["deployment"].dropna()))


def _reason(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        text = str(item.get("reason") or item.get("error") or "skipped")
        rules = item.get("failed_rules") or item.get("failed")
        if rules:
            text += f" (failed: {', '.join(map(str, rules))})"
        return text
    return str(item)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a JSON object")
    return data


# v1 named a capacity search's stop; v2 names the bound of every window and search.
_V1_BOUND = {
    "server-bound": "server",
    "generator-bound": "generator",
    "slo": "slo",
    "max-steps": "threads",
}


def _upgrade_v1(frame: pd.DataFrame) -> pd.DataFrame:
    """A v1 samples frame in v2 terms: `bound` from `stop_reason`; latency kept as it was
    measured (from the actual send), so its `service_*` columns are the same numbers."""
    if "stop_reason" in frame.columns:
        reasons = frame["stop_reason"].astype("object").fillna("").astype(str)
        frame["bound"] = reasons.map(lambda r: _V1_BOUND.get(r, ""))
    for q in ("p50", "p90", "p99"):
        if f"latency_{q}_us" in frame.columns:
            frame[f"service_{q}_us"] = frame[f"latency_{q}_us"]
    frame["step"] = -1
    return frame


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns typed by bench.schema; extra columns the runner added are kept as read."""
    for col in SAMPLE_COLUMNS:
        if col.name not in frame.columns:
            frame[col.name] = pd.NA if col.type == "str" else float("nan")
            continue
        if col.type in ("int", "float"):
            frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce")
        elif col.type == "bool":
            frame[col.name] = frame[col.name].astype(str).str.strip().str.lower().isin(_TRUE)
        else:
            frame[col.name] = frame[col.name].astype("object").fillna("").astype(str)
    if (frame["deployment"] == "").all():
        frame["deployment"] = "local"
    return frame


def load(path: Path) -> Run:
    """The run in `path`; one clear UsageError when it is not a readable run directory."""
    if not path.is_dir():
        raise UsageError(f"results directory {path} does not exist")
    run_json = path / "run.json"
    if not run_json.is_file():
        raise UsageError(f"{path} has no run.json: not a results directory")
    meta = _read_json(run_json)
    version = check_version(meta, str(run_json))
    samples_csv = path / "samples.csv"
    if samples_csv.is_file() and samples_csv.stat().st_size > 0:
        samples = pd.read_csv(samples_csv, keep_default_na=True)
    else:
        samples = pd.DataFrame({c.name: [] for c in SAMPLE_COLUMNS})
    missing = [c for c in REQUIRED if c not in samples.columns]
    if missing:
        raise UsageError(f"{samples_csv}: missing columns {', '.join(missing)}")
    facts_json = path / "facts.json"
    facts = _read_json(facts_json) if facts_json.is_file() else {}
    if version == 1:
        samples = _upgrade_v1(samples)
    return Run(path=path, meta=meta, samples=_typed(samples), facts=facts)


def newest_complete(results_dir: Path) -> Path:
    """The newest run directory whose run.json says complete (run ids sort by start time)."""
    if not results_dir.is_dir():
        raise UsageError(f"results directory {results_dir} does not exist")
    candidates = []
    for child in results_dir.iterdir():
        run_json = child / "run.json"
        if not run_json.is_file():
            continue
        try:
            meta = json.loads(run_json.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(meta, dict) and meta.get("status") == "complete":
            started = meta.get("started") or meta.get("started_at") or ""
            candidates.append((str(started), child.name, child))
    if not candidates:
        raise UsageError(
            f"no complete run in {results_dir}; run `python -m bench run` first "
            "or name a results directory"
        )
    return max(candidates)[2]
