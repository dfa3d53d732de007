"""`python -m bench calibrate`: Locust's ceiling against the bare baselines, and wrk's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main
from bench.frameworks import ROOT

pytestmark = pytest.mark.slow


def test_calibration_file_and_table(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench", "calibrate", "--duration", "1",
         "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    [path] = tmp_path.glob("calibration-*.json")
    doc = json.loads(path.read_text())
    variants = {v["variant"]: v for v in doc["variants"]}
    assert set(variants) == {"raw-asgi", "raw-wsgi", "raw-wsgi-close"}
    for v in variants.values():
        assert v["locust"]["achieved_rps"] > 0 and v["locust"]["failures"] == 0, v
    assert doc["locust_ceiling_rps"] == max(
        variants["raw-asgi"]["locust"]["achieved_rps"],
        variants["raw-wsgi"]["locust"]["achieved_rps"],
    )
    # A TCP handshake per request costs the generator more than reusing a connection.
    close, keep = (variants[n]["locust"]["generator_cpu_us_per_req"]
                   for n in ("raw-wsgi-close", "raw-wsgi"))  # fmt: skip
    assert close > keep
    if shutil.which("wrk"):
        assert variants["raw-asgi"]["wrk"]["achieved_rps"] > 0
        assert "x Locust" in out.stdout
    else:
        assert "wrk is not installed" in out.stdout
    assert "Locust ceiling" in out.stdout


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--duration", "0", "--results-dir", str(tmp_path)]) == 2
    assert main(["calibrate", "--results-dir", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "must be above 0" in err[0] and "does not exist" in err[1]
