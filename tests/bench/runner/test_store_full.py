"""A full disk, for real: a small tmpfs in a private mount namespace (root or user namespaces
needed). Rows are never left half-written, a failed write keeps the old run.json whole, and the
final run.json is written from the reserve; a `bench run` whose disk fills mid-run ends in one
line and leaves a valid run.json that says `failed`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench.frameworks import ROOT


def _namespace_cmd() -> list[str] | None:
    if shutil.which("unshare") is None:
        return None
    for cmd in (["unshare", "-m"], ["unshare", "-rm"]):
        probe = subprocess.run(
            [*cmd, "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return cmd
    return None


NAMESPACE = _namespace_cmd()
needs_tmpfs = pytest.mark.skipif(NAMESPACE is None, reason="cannot mount a private tmpfs here")


def _in_small_tmpfs(mount: Path, size: str, script: str) -> subprocess.CompletedProcess[str]:
    assert NAMESPACE is not None
    mount.mkdir()
    shell = f'mount -t tmpfs -o size={size} tmpfs {mount} && exec {sys.executable} -c "$0"'
    return subprocess.run(
        [*NAMESPACE, "sh", "-c", shell, script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


STORE_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from bench.runner.store import RunStore, StoreFullError
    from bench.schema import SAMPLE_COLUMN_NAMES

    mount = Path(sys.argv[1])
    store = RunStore(mount, "20260101T000000Z-full")
    store.write_run({"status": "running", "samples": 0, "pad": "x" * 1000})
    row = {name: 1 for name in SAMPLE_COLUMN_NAMES}
    store.append_sample(row)
    with open(mount / "filler", "wb") as fh:  # the rest of the disk
        try:
            while True:
                fh.write(b"0" * 65536)
                fh.flush()
        except OSError:
            pass
    out = {}

    def rows():  # the last page of samples.csv may still hold a few
        for _ in range(10000):
            store.append_sample(row)

    for what, write in (
        ("sample", rows),
        ("running", lambda: store.write_run({"status": "running", "pad": "y" * 100000})),
    ):
        try:
            write()
            out[what] = "written"
        except StoreFullError as exc:
            out[what] = str(exc)
    out["rows"] = store.rows
    out["after_failed_write"] = json.loads((store.path / "run.json").read_text())["pad"][:1]
    store.write_run({"status": "failed", "samples": store.rows, "pad": "z" * 100000})
    out["final"] = json.loads((store.path / "run.json").read_text())["status"]
    out["csv"] = (store.path / "samples.csv").read_text()
    out["files"] = sorted(p.name for p in store.path.iterdir())
    print(json.dumps(out))
    """
)


@needs_tmpfs
def test_a_full_disk_keeps_every_file_whole_and_the_last_word(tmp_path: Path) -> None:
    mount = tmp_path / "disk"
    done = _in_small_tmpfs(mount, "6m", STORE_SCRIPT.replace("sys.argv[1]", repr(str(mount))))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert f"No space left on device after {out['rows']} samples" in out["sample"]
    assert out["running"].endswith("run.json: No space left on device")
    assert out["after_failed_write"] == "x"  # the old document, whole
    assert out["final"] == "failed"
    lines = out["csv"].splitlines()
    assert len(lines) == 1 + out["rows"] and out["csv"].endswith("\n")  # no half row
    assert len({len(line.split(",")) for line in lines}) == 1
    assert out["files"] == ["hdr", "locust", "run.json", "samples.csv"]


RUN_SCRIPT = textwrap.dedent(
    """
    import csv, json, subprocess, sys, time
    from pathlib import Path

    mount = Path(sys.argv[1])
    run = subprocess.Popen(
        [sys.executable, "-m", "bench", "run", "--profile", "quick", "--frameworks", "raw-asgi",
         "--scenarios", "plaintext,json", "--rate", "50", "--trials", "3", "--duration", "0.5",
         "--warmup", "0.1", "--skip-facts", "--results-dir", str(mount)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = [p for p in mount.iterdir() if (p / "samples.csv").is_file()]
        if runs and (runs[0] / "samples.csv").read_text().count("\\n") >= 2:
            break
        time.sleep(0.1)
    with open(mount / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"0" * 65536)
                fh.flush()
        except OSError:
            pass
    out, err = run.communicate(timeout=180)
    run_dir = runs[0]
    doc = json.loads((run_dir / "run.json").read_text())
    with (run_dir / "samples.csv").open() as fh:
        rows = len(list(csv.reader(fh))) - 1
    print(json.dumps({"code": run.returncode, "err": err, "status": doc["status"],
                      "samples": doc["samples"], "rows": rows}))
    """
)


@needs_tmpfs
@pytest.mark.slow
def test_a_run_whose_disk_fills_ends_in_one_line_with_a_valid_run_json(tmp_path: Path) -> None:
    mount = tmp_path / "disk"
    done = _in_small_tmpfs(mount, "24m", RUN_SCRIPT.replace("sys.argv[1]", repr(str(mount))))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["code"] == 1, out["err"]
    assert "Traceback" not in out["err"]
    errors = [line for line in out["err"].splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "No space left on device" in errors[0], out["err"]
    assert out["status"] == "failed"
    assert out["samples"] == out["rows"] >= 1
