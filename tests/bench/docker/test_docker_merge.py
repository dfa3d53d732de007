"""Merging runner parts into one run: distinct sample ids, files kept, run.json schema-valid."""

from __future__ import annotations

import csv
import json
from math import nan
from pathlib import Path
from typing import Any

import jsonschema

from bench.docker.merge import merge
from bench.frameworks import ROOT
from bench.schema import SAMPLE_COLUMN_NAMES


def _part(root: Path, name: str, deployment: str, status: str) -> Path:
    path = root / name
    (path / "locust").mkdir(parents=True)
    (path / "hdr").mkdir()
    row = dict.fromkeys(SAMPLE_COLUMN_NAMES, "")
    row.update(run_id=name, sample_id="flask-plaintext-t0", framework="flask",
               deployment=deployment, achieved_rps="100.0")  # fmt: skip
    with (path / "samples.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(SAMPLE_COLUMN_NAMES))
        writer.writeheader()
        writer.writerow(row)
    (path / "locust" / "flask-plaintext-t0_stats.csv").write_text(deployment)
    (path / "hdr" / "flask-plaintext-t0.hdr").write_text(deployment)
    (path / "logs").mkdir()
    (path / "logs" / "flask-r0.log").write_text("server log")
    doc: dict[str, Any] = {
        "schema_version": 1, "run_id": name, "status": status, "started": "s-" + name,
        "ended": "e-" + name, "deployment": deployment, "profile": "quick",
        "config": {"profile": {"name": "quick", "rounds": 1, "warmup_s": 1, "window_s": 1},
                   "frameworks": ["flask"], "scenarios": ["plaintext"], "seed": 1,
                   "server_cpus": [0], "generator_cpus": [1], "generator_processes": 0,
                   "results_dir": str(root), "deployment": deployment, "rates": [],
                   "target": None},
        "environment": {"git_sha": "x", "git_dirty": False, "python": "3.11", "os": "linux",
                        "cpu_model": "c", "cpu_count": 2, "packages": {}, "pinning": {}},
        "pinning": {"server_cpus": [0], "generator_cpus": [1]},
        "generator": {"tool": "locust", "user_class": "FastHttpUser", "processes": 0},
        "frameworks": {"flask": {"server": "gunicorn", "interface": "wsgi", "command": ["x"],
                                 "workers": 3, "threads": 4, "worker_formula": "f",
                                 "worker_reason": "r", "cells": ["plaintext"]}},
        "plan": {"planned_s": 1.0, "order": [[0, "flask"]]},
        "calibration": {"locust_ceiling_rps": 1000.0},
        "starts": [{"framework": "flask", "round": 0, "port": 1, "command": ["x"],
                    "startup_s": 0.5, "log": "logs/flask-r0.log"}] if deployment == "local"
        else [],
        "verification": [], "skipped": [] if deployment == "local" else ["flask"], "samples": 1,
    }  # fmt: skip
    (path / "run.json").write_text(json.dumps(doc))
    return path


def test_merge_keeps_both_deployments_apart(tmp_path: Path) -> None:
    staging, results = tmp_path / "staging", tmp_path / "results"
    results.mkdir()
    local = _part(staging, "20260101T000000Z-aaa", "local", "complete")
    docker = _part(staging, "20260101T000100Z-aaa", "docker", "complete")
    docker_start = {"framework": "flask", "round": 0, "port": 2, "command": ["docker", "run"],
                    "startup_s": 2.5, "deployment": "docker"}  # fmt: skip
    out = merge([("local", local, nan), ("docker", docker, 2.5)], results, {"docker": {"k": 1}},
                {"flask": {"fact": 1}}, interrupted=False, starts=[docker_start])  # fmt: skip
    with (out / "samples.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["sample_id"], r["deployment"]) for r in rows] == [
        ("local-flask-plaintext-t0", "local"),
        ("docker-flask-plaintext-t0", "docker"),
    ]
    assert {r["run_id"] for r in rows} == {out.name}
    assert [r["startup_s"] for r in rows] == ["", "2.5"]
    assert (out / "locust" / "docker-flask-plaintext-t0_stats.csv").read_text() == "docker"
    assert (out / "hdr" / "local-flask-plaintext-t0.hdr").read_text() == "local"
    doc = json.loads((out / "run.json").read_text())
    schema = json.loads((ROOT / "bench" / "run.schema.json").read_text())
    jsonschema.validate(doc, schema)
    assert doc["status"] == "complete" and doc["samples"] == 2
    assert doc["deployments"] == ["docker", "local"]
    assert doc["skipped"] == []  # a docker part's skip does not mark the local app as failed
    assert [p["run_id"] for p in doc["parts"]] == [local.name, docker.name]
    # Each part's own files are kept; the starts point at the kept server logs.
    local_start, second = doc["starts"]
    assert (out / local_start["log"]).read_text() == "server log"
    assert local_start["deployment"] == "local" and second == docker_start
    assert json.loads((out / doc["parts"][1]["kept_in"] / "run.json").read_text())["run_id"] == (
        docker.name
    )
    assert doc["docker"] == {"k": 1}
    assert json.loads((out / "facts.json").read_text()) == {"flask": {"fact": 1}}


def test_an_interrupted_or_incomplete_part_makes_the_run_incomplete(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    local = _part(tmp_path / "s", "20260101T000000Z-aaa", "local", "complete")
    docker = _part(tmp_path / "s", "20260101T000100Z-aaa", "docker", "incomplete")
    out = merge([("local", local, nan), ("docker", docker, nan)], results, {}, None,
                interrupted=False)  # fmt: skip
    assert json.loads((out / "run.json").read_text())["status"] == "incomplete"
    assert not (out / "facts.json").exists()
    out2 = merge([("local", local, nan)], results, {}, None, interrupted=True)
    assert out2 != out
    assert json.loads((out2 / "run.json").read_text())["status"] == "incomplete"
