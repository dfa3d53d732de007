"""The files derived from the registry and the lock: written together, checked together."""

from __future__ import annotations

from pathlib import Path

from bench.docker import compose, dockerfile, postgres, requirements
from bench.docker.spec import specs
from bench.frameworks import ROOT


def render_all(compose_path: Path) -> dict[Path, str]:
    """Path -> the content it must have: the compose file, and per app its Dockerfile and
    requirements.txt."""
    lock = requirements.read_lock()
    files = {compose_path: compose.render(compose_path)}
    for spec in specs():
        files[ROOT / spec.dockerfile] = dockerfile.render(spec)
        files[ROOT / spec.requirements] = requirements.render(spec.framework, lock)
    files[ROOT / postgres.DOCKERFILE] = postgres.dockerfile()
    files[ROOT / postgres.DATABASE_SQL] = postgres.database_sql()
    files[ROOT / postgres.TABLES_SQL] = postgres.tables_sql()
    return files


def write(compose_path: Path) -> list[Path]:
    """Write every file whose content differs; returns those written."""
    written = []
    for path, text in render_all(compose_path).items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    return written


def stale(compose_path: Path) -> list[Path]:
    """Files missing or different from what the registry and the lock give."""
    return [
        path
        for path, text in render_all(compose_path).items()
        if not path.exists() or path.read_text() != text
    ]
