"""An app that fails the contract smoke check is reported with the failing rules and never
measured; the run itself still completes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from bench import ports
from bench.runner.config import PROFILES, RunConfig, parse_target
from bench.runner.execute import Run
from bench.server import probe

pytestmark = pytest.mark.slow

# Answers /plaintext with the wrong body and no nosniff header: two contract violations.
WRONG_APP = """
def app(environ, start_response):
    body = b"Hello, Wrong!"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def test_failing_app_is_skipped_with_rule_ids(tmp_path: Path) -> None:
    (tmp_path / "wrong_app.py").write_text(WRONG_APP)
    port = ports.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", "2", "--chdir", str(tmp_path),
         "--log-level", "warning", "wrong_app:app"],
        start_new_session=True,
    )  # fmt: skip
    results = tmp_path / "results"
    results.mkdir()
    try:
        deadline = time.monotonic() + 30
        while probe(port) != 200:
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        config = RunConfig(
            profile=PROFILES["quick"],
            frameworks=("raw-wsgi",),
            scenarios=("plaintext", "json"),
            seed=1,
            server_cpus=(0,),
            generator_cpus=(1,),
            generator_processes=0,
            results_dir=results,
            rates=(50.0,),
            target=parse_target(f"http://127.0.0.1:{port}", None),
        )
        run = Run(config, Console(stderr=True), skip_facts=True)
        assert run.execute() == 0
    finally:
        server.terminate()
        server.wait(10)
    assert run.store is not None
    doc = json.loads((run.store.path / "run.json").read_text())
    assert doc["status"] == "complete"
    [skipped] = doc["skipped"]
    assert skipped["framework"] == "raw-wsgi"
    assert "plaintext.body" in skipped["failed_rules"]
    with (run.store.path / "samples.csv").open() as fh:
        assert list(csv.DictReader(fh)) == []
