"""Each tree's environment from its own lock: pins read, changes listed, a venv built offline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.profiling import callgrind, environment
from tests.bench.profiling import wheels


def test_pins_are_read_from_a_uv_lock(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "annotated-types==0.7.0 \\\n    --hash=sha256:aa\n    # via pydantic\n"
        "Jinja2==3.1.6 \\\n    --hash=sha256:bb\n"
        "uvloop==0.21.0 ; sys_platform != 'win32' \\\n    --hash=sha256:cc\n"
    )
    found = environment.read_lock(lock)
    assert found is not None
    assert found.pins == {"annotated-types": "0.7.0", "jinja2": "3.1.6", "uvloop": "0.21.0"}
    assert len(found.sha256) == 64
    assert environment.read_lock(tmp_path / "absent.lock") is None


def test_changes_name_old_and_new() -> None:
    assert environment.changes(
        {"django": "5.2.1", "gone": "1"}, {"django": "5.2.2", "new": "2"}
    ) == ["django 5.2.1 -> 5.2.2", "gone 1 -> none", "new none -> 2"]
    assert environment.changes({"a": "1"}, {"a": "1"}) == []


def test_the_harness_holds_its_own_packages() -> None:
    env = environment.harness()
    versions = env.closure(("flask",))
    assert "werkzeug" in versions and "flask" in versions
    pins = {name: versions[name] for name in ("flask", "werkzeug")}
    lock = environment.Lock(Path("x"), "0" * 64, pins)
    assert environment.satisfies(env, lock)
    other = environment.Lock(Path("x"), "0" * 64, {**pins, "flask": "0.1"})
    assert not environment.satisfies(env, other)


def test_a_lock_the_harness_lacks_gets_its_own_cached_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = wheels.build(tmp_path / "wheels", "tinypkg", "1.0", "VERSION = 'one'\n")
    lock_path = tmp_path / "requirements.lock"
    lock_path.write_text(wheels.lock_line(wheel, "tinypkg", "1.0"))
    monkeypatch.setenv(environment.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheel.parent))
    lock = environment.read_lock(lock_path)
    assert lock is not None
    lines: list[str] = []
    env = environment.for_lock(lock, callgrind.interpreter(), lines.append)
    venv = tmp_path / "cache" / "venvs" / lock.sha256
    assert env.label == f"venv {venv}" and len(lines) == 1
    assert env.closure(("tinypkg",)) == {"tinypkg": "1.0"}
    assert env.lock_sha256 == lock.sha256 and dict(env.pins) == {"tinypkg": "1.0"}
    # The counted interpreter, given only the venv's site-packages, imports the locked version.
    done = subprocess.run(
        [
            str(callgrind.interpreter()), "-S", "-c",
            f"import site; [site.addsitedir(d) for d in {list(env.site_dirs)!r}]; "
            "import tinypkg; print(tinypkg.VERSION)",
        ],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert done.stdout.strip() == "one"
    # Cached: the second call builds nothing.
    again = environment.for_lock(lock, callgrind.interpreter(), lines.append)
    assert again == env and len(lines) == 1


def test_a_failed_install_is_one_clear_error_and_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = wheels.build(tmp_path / "wheels", "tinypkg", "1.0", "")
    lock_path = tmp_path / "requirements.lock"
    lock_path.write_text(wheels.lock_line(wheel, "tinypkg", "1.0").replace("sha256:", "sha256:0"))
    monkeypatch.setenv(environment.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheel.parent))
    lock = environment.read_lock(lock_path)
    assert lock is not None
    with pytest.raises(environment.BenchError, match=r"installing .* failed"):
        environment.for_lock(lock, callgrind.interpreter())
    assert not (tmp_path / "cache" / "venvs" / lock.sha256 / ".complete").exists()
