"""deferred(): a signal inside the block waits for its end, then acts as it would have."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

import pytest

from bench import interrupts


def test_ctrl_c_inside_the_block_is_raised_after_the_block_completes() -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        os.kill(os.getpid(), signal.SIGINT)
        done.append("after the signal")  # still runs: the handle gets stored
    assert done == ["after the signal"]


def test_handlers_are_put_back_and_a_block_without_signals_raises_nothing() -> None:
    before = {sig: signal.getsignal(sig) for sig in interrupts.HELD}
    with interrupts.deferred():
        assert all(signal.getsignal(sig) != before[sig] for sig in interrupts.HELD)
    assert {sig: signal.getsignal(sig) for sig in interrupts.HELD} == before


def test_a_held_sigterm_meets_the_callers_own_handler() -> None:
    class StopError(Exception):
        pass

    def raise_stop(signum: int, frame: FrameType | None) -> None:
        raise StopError(signum)

    previous = signal.signal(signal.SIGTERM, raise_stop)
    try:
        with pytest.raises(StopError), interrupts.deferred():
            os.kill(os.getpid(), signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_signal_the_caller_ignores_stays_ignored() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts.deferred():
            os.kill(os.getpid(), signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_outside_the_main_thread_the_block_just_runs() -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with interrupts.deferred():  # signal.signal would raise ValueError here
                pass
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(5)
    assert errors == []


def test_sigterm_raises_terminated_inside_and_is_put_back_after() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(interrupts.Terminated), interrupts.terminates_like_ctrl_c():
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_sigterm_held_during_a_spawn_still_ends_the_command() -> None:
    with (
        pytest.raises(interrupts.Terminated),
        interrupts.terminates_like_ctrl_c(),
        interrupts.deferred(),
    ):
        os.kill(os.getpid(), signal.SIGTERM)


def test_signals_are_ignored_inside_and_put_back_after() -> None:
    before = {sig: signal.getsignal(sig) for sig in interrupts.HELD}
    with interrupts.ignored():
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
    assert {sig: signal.getsignal(sig) for sig in interrupts.HELD} == before
