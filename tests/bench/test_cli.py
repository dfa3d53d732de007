"""The command line's conventions: --version, one-line usage errors with exit 2 for every bad
number, port and target, lists of names as `a,b` or `a b`, and the documented exit codes."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from bench import __version__
from bench.cli import EXIT_CODES, main
from bench.commands import options
from bench.frameworks import ROOT
from bench.targets import parse_target


def test_version_from_the_module_and_the_console_script() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"pywebbench {__version__}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["pywebbench"] == "bench.cli:run_console"
    assert project["version"] == __version__


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--duration", "nan"],
        ["run", "--duration", "inf"],
        ["run", "--duration", "0"],
        ["run", "--warmup", "nan"],
        ["run", "--warmup", "-inf"],
        ["run", "--rate", "inf"],
        ["run", "--rate", "100,nan"],
        ["run", "--rate", "0"],
        ["run", "--trials", "1.5"],
        ["run", "--users", "0"],
        ["run", "--seed", "-1"],
        ["run", "--generator-processes", "-1"],
        ["run", "--frameworks", "flask", "--target", "http://127.0.0.1:abc"],
        ["run", "--frameworks", "flask", "--target", "http://127.0.0.1:99999"],
        ["run", "--frameworks", "flask", "--target", "http://127.0.0.1:0"],
        ["run", "--frameworks", "flask", "--target", "http://[::1]"],
        ["verify", "flask", "--target", "http://127.0.0.1:abc"],
        ["verify", "flask", "--target", "http://127.0.0.1:99999"],
        ["verify", "flask", "--cores", "0"],
        ["serve", "flask", "--port", "70000"],
        ["serve", "flask", "--port", "http"],
        ["serve", "flask", "--workers", "0"],
        ["list", "--cores", "0"],
        ["calibrate", "--duration", "nan"],
        ["profile", "flask", "--jobs", "0"],
        ["profile", "flask", "--warmup", "-1"],
        ["gate", "--threshold", "nan"],
        ["compare", "a", "b", "--threshold", "inf"],
    ],
)
def test_a_bad_value_is_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in captured.err + captured.out
    assert "error" in err


def test_a_dead_verify_target_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import ports

    port = ports.free_port()
    assert main(["verify", "flask", "--target", f"http://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: nothing listens on http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    "url, host, port, shown",
    [
        ("http://127.0.0.1:8001", "127.0.0.1", 8001, "http://127.0.0.1:8001"),
        ("127.0.0.1:8006", "127.0.0.1", 8006, "http://127.0.0.1:8006"),
        ("http://localhost:8005/", "127.0.0.1", 8005, "http://127.0.0.1:8005"),
        ("http://[::1]:9000", "::1", 9000, "http://[::1]:9000"),
        ("http://127.9.9.9:1", "127.9.9.9", 1, "http://127.9.9.9:1"),
    ],
)
def test_one_target_parser_for_every_command(url: str, host: str, port: int, shown: str) -> None:
    target = parse_target(url)
    assert (target.host, target.port, target.url) == (host, port, shown)


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://10.0.0.1:80", "loopback"),
        ("http://[2001:db8::1]:80", "loopback"),
        ("http://example.com:80", "loopback"),
        ("https://127.0.0.1:1", "scheme https"),
        ("http://127.0.0.1", "must look like"),
        ("http://127.0.0.1:8001/api", "no path"),
        ("http://user@127.0.0.1:8001", "host and a port only"),
        ("http://127.0.0.1:-1", "port"),
    ],
)
def test_other_targets_are_refused_with_the_reason(url: str, message: str) -> None:
    from bench.errors import UsageError

    with pytest.raises(UsageError, match=message):
        parse_target(url)


def test_lists_of_names_take_commas_spaces_and_repeats() -> None:
    assert options.names(["flask,bottle", "django", "flask"]) == ("flask", "bottle", "django")
    assert options.names([" a , ,b"]) == ("a", "b")
    assert options.names(None) == ()


def test_run_takes_frameworks_either_way() -> None:
    from bench.cli import build_parser
    from bench.commands.run import build_config

    for argv in (["--frameworks", "flask,bottle"], ["--frameworks", "flask", "bottle"]):
        args = build_parser().parse_args(["run", *argv, "--rate", "100", "200"])
        config, _ = build_config(args)
        assert config.frameworks == ("flask", "bottle") and config.rates == (100.0, 200.0)


def test_exit_codes_are_documented_in_help_and_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for code in ("0", "1", "2", "130", "143"):
        assert f"  {code} " in EXIT_CODES
        assert f"| `{code}` |" in readme
