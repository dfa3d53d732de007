"""Typed errors: library code raises them, the CLI turns them into one line and an exit code."""


class BenchError(Exception):
    """A failure the user should read as one line; exit code 1."""

    exit_code = 1


class UsageError(BenchError):
    """Bad input from the user (unknown name, busy port, bad number); exit code 2."""

    exit_code = 2


class ToolMissingError(UsageError):
    """A required external tool (valgrind, docker, chromium, wrk) is not installed."""
