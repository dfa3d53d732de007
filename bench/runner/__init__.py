"""The Locust-driven runner: plan, drive, measure and store one benchmark run.

Nothing here imports locust at module level: only `bench.runner.generator`, which runs in its
own pinned subprocess, does, so gevent never patches the harness process.
"""
