"""Each app's requirements.txt is its closure, with the lock's exact pins and hashes."""

from __future__ import annotations

import pytest

from bench import frameworks
from bench.docker import requirements
from bench.errors import BenchError
from bench.frameworks import ROOT

LOCK = """\
alpha==1.0 \\
    --hash=sha256:aaa \\
    --hash=sha256:bbb
    # via beta
Beta.Thing==2.0 \\
    --hash=sha256:ccc
    # via
    #   pywebbench
"""


def test_lock_entries_keep_pins_and_hashes_and_drop_comments() -> None:
    entries = requirements.lock_entries(LOCK)
    assert entries == {
        "alpha": "alpha==1.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb",
        "beta-thing": "Beta.Thing==2.0 \\\n    --hash=sha256:ccc",
    }


def test_a_dependency_missing_from_the_lock_is_an_error() -> None:
    with pytest.raises(BenchError, match=r"not in requirements\.lock"):
        requirements.render(frameworks.get("flask"), LOCK)


@pytest.mark.parametrize("fw", frameworks.FRAMEWORKS, ids=lambda f: f.name)
def test_committed_requirements_agree_with_the_lock(fw: frameworks.Framework) -> None:
    lock = requirements.lock_entries(requirements.read_lock())
    text = (ROOT / fw.app_dir / "requirements.txt").read_text()
    body = [line for line in text.splitlines() if not line.startswith("#")]
    entries = requirements.lock_entries("\n".join(body))
    for name, entry in entries.items():
        assert lock[name] == entry, f"{name}: pin or hashes differ from requirements.lock"
    assert sorted(entries) == requirements.closure(fw)
    roots = {requirements.canonicalize_name(d) for d in fw.distributions + fw.server_distributions}
    assert roots <= set(entries)


def test_a_baseline_installs_only_its_servers_and_the_bare_driver() -> None:
    from bench.database import layers
    from bench.facts import closure

    raw = frameworks.get("raw-wsgi")
    servers = [d for s in frameworks.servers_for(raw.app) for d in s.distributions]
    expected = closure((*servers, *layers.distributions("raw-wsgi")))
    assert sorted(requirements.closure(raw)) == sorted(expected)
    assert {"gunicorn", "granian", "cheroot", "psycopg"} <= set(requirements.closure(raw))
    assert "uvicorn" not in requirements.closure(raw)  # an ASGI server: not one raw WSGI runs on


def test_an_image_holds_every_server_its_app_runs_on() -> None:
    django = frameworks.get("django")
    assert set(requirements.roots(django)) >= {
        "django",
        "gunicorn",
        "granian",
        "uvicorn",
        "cheroot",
    }
    assert "uvicorn" not in requirements.roots(frameworks.get("flask"))
