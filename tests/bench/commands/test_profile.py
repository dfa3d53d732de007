"""`python -m bench profile`: the command line around the counting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import cli
from bench.profiling import result


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.valgrind
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_profile_writes_a_result_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "instructions.json"
    argv = ["profile", "raw-asgi", "--requests", "10", "--warmup", "2", "--level", "app"]
    argv += ["--output", str(output)]
    code, out, err = _main(argv, capsys)
    assert code == 0, err
    doc = result.load(output)
    assert [result.cell_key(c) for c in doc["cells"]] == [
        ("raw-asgi", "app", "json"),
        ("raw-asgi", "app", "plaintext"),
    ]
    for cell in doc["cells"]:
        assert cell["instructions_2n"] > cell["instructions_n"] > 0
        per_request = (cell["instructions_2n"] - cell["instructions_n"]) / 10
        assert cell["instructions_per_request"] == pytest.approx(per_request, abs=0.1)
        assert f"{cell['instructions_per_request']:,.0f}" in out
    assert doc["settings"]["requests"] == 10 and doc["settings"]["warmup"] == 2
    assert doc["environment"]["valgrind"].startswith("valgrind-")
    # A bare app installs nothing of its own: what it runs on is its server's closure.
    packages = doc["frameworks"]["raw-asgi"]["packages"]
    assert {"uvicorn", "uvloop", "httptools"} <= set(packages)
    assert not {"fastapi", "starlette", "django"} & set(packages)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["profile", "nosuch"], "unknown framework 'nosuch'"),
        (["profile", "flask", "--scenarios", "mixed"], "unknown scenario 'mixed'"),
        (["profile", "flask", "--requests", "0"], "must be at least 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _main(argv, capsys)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
