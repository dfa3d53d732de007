"""A damaged or partial run is refused by `report` and `compare` with one line naming the file
and the problem, exit 2 and no traceback; runs that measured different things are not compared
unless --force; `report` without a directory names the run it drew and those it passed over."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bench.cli import main
from bench.comparable import differences
from bench.runner.validate import DamagedRunError, check
from tests.bench.report.synthetic import Synthetic, write

SMALL = Synthetic(scenarios=("plaintext",), rates=(500.0,), trials=2)


def _run(root: Path, spec: Synthetic = SMALL) -> Path:
    run_dir = write(root, spec)
    doc = json.loads((run_dir / "run.json").read_text())
    rows = (run_dir / "samples.csv").read_text().count("\n") - 1
    (run_dir / "run.json").write_text(json.dumps({**doc, "samples": rows}))
    return run_dir


def _truncated(run_dir: Path) -> None:
    text = (run_dir / "samples.csv").read_text()
    (run_dir / "samples.csv").write_text(text[: len(text) - 40])


def _extra_fields(run_dir: Path) -> None:
    lines = (run_dir / "samples.csv").read_text().splitlines()
    lines[2] += ",surplus,fields"
    (run_dir / "samples.csv").write_text("\n".join(lines) + "\n")


def _row_lost(run_dir: Path) -> None:
    lines = (run_dir / "samples.csv").read_text().splitlines()
    (run_dir / "samples.csv").write_text("\n".join(lines[:-1]) + "\n")


def _not_utf8(run_dir: Path) -> None:
    data = (run_dir / "run.json").read_bytes()
    (run_dir / "run.json").write_bytes(data.replace(b'"synthetic"', b'"synth\xe9tic"', 1))


def _not_json(run_dir: Path) -> None:
    (run_dir / "run.json").write_text('{"status": "complete", ')


def _still_running(run_dir: Path) -> None:
    doc = json.loads((run_dir / "run.json").read_text())
    (run_dir / "run.json").write_text(json.dumps({**doc, "status": "running"}))


def _bad_number(run_dir: Path) -> None:
    lines = (run_dir / "samples.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("achieved_rps")] = "fast"
    lines[1] = ",".join(row)
    (run_dir / "samples.csv").write_text("\n".join(lines) + "\n")


DAMAGE: list[tuple[Callable[[Path], None], str, str]] = [
    (_truncated, "samples.csv", "cut short (truncated file)"),
    (_extra_fields, "samples.csv:3", "(extra fields)"),
    (_row_lost, "samples.csv", "but run.json says samples="),
    (_not_utf8, "run.json", "not UTF-8 (byte 0xe9"),
    (_not_json, "run.json", "not valid JSON"),
    (_still_running, "run.json", "status running"),
    (_bad_number, "samples.csv:2", "achieved_rps='fast' is not float"),
]


@pytest.mark.parametrize(("damage", "where", "what"), DAMAGE, ids=[d[0].__name__ for d in DAMAGE])
def test_report_and_compare_refuse_a_damaged_run_in_one_line(
    damage: Callable[[Path], None],
    where: str,
    what: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = _run(tmp_path / "good")
    bad = _run(tmp_path / "bad")
    assert check(bad)["status"] == "complete"
    damage(bad)
    for argv in (
        ["report", str(bad), "--output", str(tmp_path / "out")],
        ["compare", str(good), str(bad)],
    ):
        assert main(argv) == 2, argv
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err + captured.out
        err = captured.err.strip()
        assert len(err.splitlines()) == 1, err
        assert f"{bad}/{where}" in err and what in err, err
    assert not (tmp_path / "out").exists()


def test_a_blank_samples_file_is_named(tmp_path: Path) -> None:
    run_dir = _run(tmp_path)
    (run_dir / "samples.csv").write_text("")
    with pytest.raises(DamagedRunError, match="empty"):
        check(run_dir)


def test_compare_refuses_runs_that_measured_different_things(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _run(tmp_path / "a")
    b = _run(tmp_path / "b", replace(SMALL, seed=2))
    doc = json.loads((b / "run.json").read_text())
    doc["profile"] = "quick"
    doc["environment"]["cpu_model"] = "another CPU"
    doc["pinning"]["server_cpus"] = [1]
    (b / "run.json").write_text(json.dumps(doc))

    assert main(["compare", str(a), str(b)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "not comparable: profile synthetic vs quick" in err
    assert "CPU 'synthetic CPU' vs 'another CPU'" in err and "server cpus 0 vs 1" in err
    assert "--force" in err

    assert main(["compare", str(a), str(b), "--force"]) in (0, 1)
    assert "warning: compared with --force although profile" in capsys.readouterr().out


def test_levels_of_a_profile_and_of_absolute_rates_differ() -> None:
    def doc(rates: list[float], fractions: list[float]) -> dict[str, object]:
        return {
            "profile": "standard",
            "config": {"rates": rates, "profile": {"rate_fractions": fractions, "io_users": [8]}},
        }

    assert differences(doc([], [0.1]), doc([], [0.1])) == []
    assert differences(doc([], [0.1]), doc([], [0.05, 0.1])) == ["rates 0.1 vs 0.05,0.1"]
    assert differences(doc([], [0.1]), doc([500.0], [0.1])) == ["rates 0.1 vs 500.0"]


def test_report_names_the_run_it_drew_and_those_it_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _run(tmp_path, replace(SMALL, run_id="20261101T000000Z-old"))
    newer = _run(tmp_path, replace(SMALL, run_id="20261102T000000Z-new", status="incomplete"))
    newest = _run(tmp_path, replace(SMALL, run_id="20261103T000000Z-bad"))
    for run_dir, started in ((old, "2026-11-01"), (newer, "2026-11-02"), (newest, "2026-11-03")):
        doc = json.loads((run_dir / "run.json").read_text())
        (run_dir / "run.json").write_text(json.dumps({**doc, "started": started}))
    _truncated(newest)

    assert main(["report", "--results-dir", str(tmp_path), "--output", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"drawing {old.name}, the newest complete run in {tmp_path}"
    assert out[1].startswith(f"  skipped newer run {newest.name} (") and "truncated" in out[1]
    assert out[2] == f"  skipped newer run {newer.name} (incomplete)"


@pytest.mark.parametrize(
    ("content", "what"),
    [(b'{"kind": "instr\xe9', "not a readable JSON document"), (b'{"kind": ', "not a readable")],
)
def test_gate_refuses_a_damaged_baseline_in_one_line(
    content: bytes, what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    if shutil.which("valgrind") is None:
        pytest.skip("gate refuses without valgrind before it reads the baseline")
    baseline = tmp_path / "instructions.json"
    baseline.write_bytes(content)
    assert main(["gate", "--baseline", str(baseline), "--frameworks", "raw-asgi"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and f"{baseline}: {what}" in err, err
    assert "Traceback" not in captured.err + captured.out
