"""A benchmark of Python web frameworks: verify equal work, then measure it honestly."""

__version__ = "0.1.0"
