"""What every child process the harness starts runs between fork and exec.

`preexec()` gives the child a parent-death signal (Linux `PR_SET_PDEATHSIG`): when the harness
dies, even by SIGKILL, which runs no `finally`, the kernel signals the child at once. Without
it a killed run's server served on, pinned to the measured core, through the next run.

The signal fires when the *thread* that forked the child ends, not the process: spawn children
from a thread that lives as long as they should (here: always the main thread).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Sequence

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

# Loaded before any fork: a child between fork and exec must not dlopen (locks held by other
# threads at the fork stay held in the child).
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with(parent: int, sig: int) -> None:
    if _LIBC is None:
        return
    if _LIBC.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # The parent may have died between fork and prctl: then nobody would ever send the signal.
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)


def preexec(
    *, cpus: Sequence[int] | None = None, death_signal: int = signal.SIGTERM
) -> Callable[[], None]:
    """A `preexec_fn`: die with the harness (`death_signal`), then pin to `cpus` if given.

    SIGTERM by default, so that a server's own shutdown reaches the workers it forked (which
    the kernel does not signal: they are the child's children); a child that must not linger
    at all (a browser, a load generator) can ask for SIGKILL.
    """
    parent = os.getpid()
    pinned = list(cpus) if cpus is not None else None

    def run_in_child() -> None:
        _die_with(parent, death_signal)
        if pinned is not None:
            # Pinning before exec makes every process the child forks inherit the CPU set.
            os.sched_setaffinity(0, pinned)

    return run_in_child
