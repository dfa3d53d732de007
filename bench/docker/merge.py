"""Merge the runner's per-part run directories into one results/<run-id>/.

Sample ids (and the locust/ and hdr/ files named after them) get the part's deployment as a
prefix, so that the local and docker samples of one app stay distinct. run.json is the first
part's document with everything run-wide recomputed (status, samples, skipped, starts); each
part's own directory (its run.json, samples, server logs) is kept under parts/, so nothing a
part recorded is lost.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path
from typing import Any

from bench.runner.environment import short_sha
from bench.runner.store import new_run_id, write_json_atomic
from bench.schema import SAMPLE_COLUMN_NAMES

STATUS_ORDER = ("failed", "incomplete", "running", "complete")


def merge(
    part_dirs: list[tuple[str, Path, float]],
    results_dir: Path,
    extra: dict[str, Any],
    facts: dict[str, Any] | None,
    *,
    interrupted: bool,
    starts: list[dict[str, Any]] | None = None,
) -> Path:
    """part_dirs: (deployment, run dir, start-up seconds or NaN) in the order measured; a
    known start-up fills startup_s where the part left it empty (a --target run cannot see
    its server start). `starts`: server starts the parts could not see (the containers').
    Returns the new run directory."""
    target = _new_dir(results_dir)
    (target / "locust").mkdir()
    (target / "hdr").mkdir()
    documents: list[dict[str, Any]] = []
    rows: list[dict[str, str]] = []
    all_starts: list[dict[str, Any]] = []
    for deployment, part, startup_s in part_dirs:
        doc = json.loads((part / "run.json").read_text())
        kept = Path("parts") / f"{deployment}-{part.name}"
        doc["kept_in"] = str(kept)
        documents.append(doc)
        shutil.copytree(part, target / kept, ignore=shutil.ignore_patterns("locust", "hdr"))
        for original in doc.get("starts") or []:
            start = {**original, "deployment": deployment}
            if start.get("log"):
                start["log"] = str(kept / start["log"])
            all_starts.append(start)
        prefix = f"{deployment}-"
        with (part / "samples.csv").open(newline="") as fh:
            for row in csv.DictReader(fh):
                row["sample_id"] = prefix + row["sample_id"]
                row["run_id"] = target.name
                if not row.get("startup_s") and not math.isnan(startup_s):
                    row["startup_s"] = repr(round(startup_s, 6))
                rows.append(row)
        for sub in ("locust", "hdr"):
            for file in sorted((part / sub).glob("*")):
                shutil.copy2(file, target / sub / (prefix + file.name))
    with (target / "samples.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(SAMPLE_COLUMN_NAMES), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    if facts is not None:
        write_json_atomic(target / "facts.json", facts)
    all_starts.extend(starts or [])
    document = _document(target.name, documents, rows, extra, interrupted)
    document["starts"] = all_starts
    write_json_atomic(target / "run.json", document)
    return target


def _new_dir(results_dir: Path) -> Path:
    run_id = new_run_id(short_sha())
    path, suffix = results_dir / run_id, 1
    while True:
        try:
            path.mkdir()
            return path
        except FileExistsError:  # never overwrite a run
            suffix += 1
            path = results_dir / f"{run_id}-{suffix}"


def _document(
    run_id: str,
    documents: list[dict[str, Any]],
    rows: list[dict[str, str]],
    extra: dict[str, Any],
    interrupted: bool,
) -> dict[str, Any]:
    statuses = [str(d.get("status", "failed")) for d in documents] or ["incomplete"]
    status = min(statuses, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 0)
    if interrupted and status == "complete":
        status = "incomplete"
    first = dict(documents[0]) if documents else {}
    frameworks: dict[str, Any] = {}
    skipped: list[Any] = []
    verification: list[Any] = []
    for doc in documents:
        frameworks.update(doc.get("frameworks") or {})
        if doc.get("deployment") == "local":  # docker failures are reported under `docker`
            skipped.extend(doc.get("skipped") or [])
        verification.extend(doc.get("verification") or [])
    return {
        **first,
        "run_id": run_id,
        "status": status,
        # The run is bench docker's; each sample row says which deployment it measured.
        "deployment": "docker",
        "deployments": sorted({str(d.get("deployment")) for d in documents}),
        "started": documents[0].get("started") if documents else None,
        "ended": documents[-1].get("ended") if documents else None,
        "frameworks": frameworks,
        "skipped": skipped,
        "verification": verification,
        "samples": len(rows),
        "made_by": "python -m bench docker (runner parts merged; see parts)",
        **extra,
        "parts": [
            {key: doc.get(key) for key in ("run_id", "deployment", "status", "kept_in")}
            for doc in documents
        ],
    }
