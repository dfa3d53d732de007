"""Each app under its real production server, for the tests of tests/apps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from bench import frameworks
from bench.errors import BenchError
from bench.frameworks import Framework
from bench.server import running

# One core's formula: the contract does not depend on the worker count, and the machine is
# shared with the rest of the suite.
TEST_CORES = 1


@dataclass(frozen=True)
class App:
    framework: Framework
    port: int | None
    """None when the app could not be started; `problem` says why."""
    problem: str = ""


@contextmanager
def served(name: str) -> Iterator[App]:
    """The app answering on a free port, or an App saying why it is not (never a skip)."""
    fw = frameworks.get(name)
    if not (frameworks.ROOT / fw.app_dir).is_dir():
        yield App(fw, None, f"{fw.app_dir} does not exist")
        return
    try:
        with running(fw, fw.workers(TEST_CORES)) as server:
            yield App(fw, server.port)
    except BenchError as exc:
        yield App(fw, None, f"{name} did not start: {exc}")


class OneAtATime:
    """Starts the app a test asks for, stopping the one before: one server alive at a time.

    Tests are listed app by app, so each app starts once per module.
    """

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._current: App | None = None

    def get(self, name: str) -> App:
        if self._current is None or self._current.framework.name != name:
            self.close()
            self._current = self._stack.enter_context(served(name))
        return self._current

    def close(self) -> None:
        self._stack.close()
        self._current = None
