"""Containers: one image per app, docker-compose.yml, and `bench docker` (issue 5).

Everything a container needs — names, ports, server commands, worker counts — is derived from
the registry (bench/frameworks.py); the generated files are committed and checked against it.
"""
