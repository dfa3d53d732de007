"""The private cluster: seeded as TechEmpower seeds it, and no process of it outlives its
owner, however the owner ends (return, exception, Ctrl-C, SIGTERM, SIGKILL)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import psycopg
import pytest

from bench.database import cluster, seed
from bench.frameworks import ROOT

pytestmark = pytest.mark.slow


def test_the_database_holds_techempowers_data(database: cluster.Database) -> None:
    with psycopg.connect(database.url) as conn:
        assert seed.is_seeded(conn) is None
        for world, fortune in seed.TABLES:
            count, low, high = conn.execute(
                f"SELECT count(*), min(randomnumber), max(randomnumber) FROM {world}"
            ).fetchone() or (0, 0, 0)
            assert (count, low >= 1, high <= 10_000) == (10_000, True, True)
            fortunes = conn.execute(f"SELECT id, message FROM {fortune} ORDER BY id").fetchall()
            assert tuple(fortunes) == seed.FORTUNES
    assert database.url.startswith("postgresql://benchmarkdbuser:")
    assert "@127.0.0.1:" in database.url


def test_settings_are_in_force_with_their_reasons(database: cluster.Database) -> None:
    with psycopg.connect(database.admin) as conn:
        for setting in cluster.SETTINGS:
            shown = conn.execute("SELECT current_setting(%s)", (setting.name,)).fetchone()
            assert shown is not None
            assert setting.reason
            if setting.name != "unix_socket_permissions":
                assert shown[0] == setting.value, setting.name


def test_a_block_that_raises_leaves_no_process_and_no_directory() -> None:
    held: list[cluster.Cluster] = []
    with pytest.raises(RuntimeError), cluster.cluster_running() as running:
        held.append(running)
        assert len(running.processes()) > 1  # postmaster and its background workers
        raise RuntimeError("boom")
    [stopped] = held
    assert stopped.remaining() == []
    assert not stopped.run_dir.exists()


CHILD = textwrap.dedent(
    """
    import sys, time
    from bench import interrupts
    from bench.database import cluster
    with interrupts.terminates_like_ctrl_c(), cluster.cluster_running() as running:
        pids = [p.pid for p in running.processes()]
        print(running.run_dir, *pids, flush=True)
        time.sleep(120)
    """
)


def _child_with_cluster() -> tuple[subprocess.Popen[str], Path, list[psutil.Process]]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline().split()
    assert line, f"the child did not start a cluster (exit {child.wait(30)})"
    run_dir, pids = Path(line[0]), [int(p) for p in line[1:]]
    procs = []
    for pid in pids:
        # A short-lived background process (a startup worker) may end on its own between
        # the child's listing and this one: what is left must still end with the owner.
        with contextlib.suppress(psutil.NoSuchProcess):
            procs.append(psutil.Process(pid))
    assert procs, "every process of the cluster was gone before the owner was signalled"
    return child, run_dir, procs


def _gone(procs: list[psutil.Process], timeout: float = 30.0) -> list[int]:
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return [p.pid for p in alive if p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_owner_stops_its_cluster(sig: signal.Signals) -> None:
    child, run_dir, procs = _child_with_cluster()
    child.send_signal(sig)
    child.wait(60)
    assert _gone(procs, timeout=5) == []
    assert not run_dir.exists()


def test_a_killed_owner_takes_its_postmaster_along() -> None:
    # SIGKILL runs no clean-up at all: only the kernel's parent-death signal ends postgres.
    child, run_dir, procs = _child_with_cluster()
    child.kill()
    child.wait(10)
    assert _gone(procs) == []
    # The next start sweeps the directory the killed owner left.
    assert run_dir in cluster.sweep(run_dir.parent)
    assert not run_dir.exists()
