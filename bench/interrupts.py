"""SIGTERM ends a command the way Ctrl-C does; both are held while a child is spawned.

A SIGTERM left at its default action kills the harness at once: no `finally` runs, and every
server it started runs on. Under `terminates_like_ctrl_c()` it raises `Terminated` instead, so
the same clean-up as for KeyboardInterrupt runs (the CLI does this for every command).

A signal whose handler raises (KeyboardInterrupt, the runner's Terminated) can land inside
`subprocess.Popen` after the fork and before Popen returns. The exception then comes out of
Popen: the child runs on, and nobody holds its PID to stop it. Inside `deferred()` the signal is
only noted; it is delivered again when the block ends, by which point the caller has stored the
handle where its clean-up will find it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HELD = (signal.SIGINT, signal.SIGTERM)


class Terminated(Exception):  # noqa: N818 - a signal, not an error
    """SIGTERM arrived: end as after Ctrl-C (results kept, processes stopped), exit 143."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextmanager
def terminates_like_ctrl_c() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def ignored() -> Iterator[None]:
    """Run the block deaf to SIGINT and SIGTERM: a clean-up that a second Ctrl-C must not cut
    short, leaving processes behind (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def deferred() -> Iterator[None]:
    """Run the block with SIGINT and SIGTERM held; a held one is raised again at its end.

    Keep the block short (a spawn and an assignment): a signal waits for it to end.
    """
    if threading.current_thread() is not threading.main_thread() or any(
        signal.getsignal(sig) is None for sig in HELD
    ):
        # Python runs its handlers in the main thread only: nothing can raise in another. A
        # handler installed outside Python could not be put back: leave it be.
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if held:
            # Sent again, it meets the handler that was in place before (whatever it does:
            # raise, ignore, or the default action), exactly as if it had arrived now.
            signal.raise_signal(held[0])
