"""Every app is a plain WSGI/ASGI callable: importable without a server, answering in-process.

Each app is imported in its own interpreter, so that no app leans on modules another left in
sys.modules or on a sys.path entry another added.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import frameworks

PROBE = Path(__file__).with_name("inprocess_probe.py")


def _entries() -> list[frameworks.Deployment]:
    """One deployment per distinct callable a server imports: each app's default, Django's
    ASGI application, CherryPy's entry for servers other than its own."""
    seen: dict[tuple[str, str], frameworks.Deployment] = {}
    for fw in frameworks.deployments(None, ("all",)):
        seen.setdefault((fw.name, fw.target), fw)
    return list(seen.values())


@pytest.mark.parametrize("fw", _entries(), ids=lambda fw: f"{fw.name}-{fw.target}")
def test_app_answers_plaintext_in_process(fw: frameworks.Deployment, tmp_path: Path) -> None:
    # Only what the app declares: no PYTHONPATH of ours, the registry's env (Django settings).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | dict(fw.env)
    pythonpath = str(frameworks.ROOT / fw.pythonpath)
    done = subprocess.run(
        [sys.executable, str(PROBE), pythonpath, fw.module, fw.attribute, fw.interface],
        cwd=tmp_path,  # not the project root: nothing is importable by accident
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer == {"status": 200, "body": "Hello, World!"}
