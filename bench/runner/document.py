"""run.json at the start of a run: config, environment, servers and the plan (schema v1)."""

from __future__ import annotations

import sys
import time
from typing import Any

from bench import frameworks
from bench.runner import capacity, environment
from bench.runner.config import SCENARIOS, RunConfig
from bench.runner.plan import Cell, Visit
from bench.schema import RESULTS_SCHEMA_VERSION


def initial(cfg: RunConfig, run_id: str, visits: list[Visit], planned: float) -> dict[str, Any]:
    """run.json as written before the first sample: everything needed to reproduce the run."""
    cores = len(cfg.server_cpus)
    fws: dict[str, Any] = {}
    # Keyed by label: the framework's name on its default server, name@server on another.
    for fw in frameworks.deployments(cfg.frameworks, cfg.servers):
        workers = fw.workers(cores)
        fws[fw.label] = {
            "framework": fw.name,
            "server": fw.server,
            "interface": fw.interface,
            "target": fw.target,
            "baseline": fw.baseline,
            "command": fw.command(fw.port, workers, python=sys.executable),
            "command_note": "with the registry's port; each start's exact argv (a free port) "
            "is in `starts`",
            "workers": workers.processes,
            "threads": workers.threads,
            "worker_formula": workers.formula,
            "worker_reason": workers.reason,
            "worker_recommendation": fw.server_spec.formula.recommendation,
            "server_note": fw.server_spec.note,
            "cells": [c.key for c in _cells_of(visits, fw.label)],
        }
    return {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "run_id": run_id,
        "status": "running",
        "started": now(),
        "ended": None,
        "deployment": cfg.deployment,
        "profile": cfg.profile.name,
        "config": cfg.to_json(),
        "scenarios": {name: SCENARIOS[name].doc for name in cfg.scenarios},
        "environment": environment.collect(cfg.server_cpus, cfg.generator_cpus),
        "pinning": {
            "server_cpus": list(cfg.server_cpus),
            "generator_cpus": list(cfg.generator_cpus),
        },
        "generator": {
            "tool": "locust",
            "user_class": "FastHttpUser",
            "processes": cfg.generator_processes,
            "latency_source": "request event -> HdrHistogram (µs)",
            "generator_bound_threshold": capacity.GENERATOR_BOUND,
            "achieved_ratio_threshold": capacity.ACHIEVED_RATIO,
        },
        "frameworks": fws,
        "plan": {
            "planned_s": planned,
            "order": [[v.round, v.framework.label] for v in visits],
        },
        "calibration": None,
        "starts": [],
        "verification": [],
        "skipped": [],
        "samples": 0,
    }


def _cells_of(visits: list[Visit], label: str) -> tuple[Cell, ...]:
    for visit in visits:
        if visit.framework.label == label:
            return visit.cells
    return ()


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
