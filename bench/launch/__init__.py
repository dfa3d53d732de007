"""Launchers the registry starts servers with; each runs as a plain script (stdlib + server)."""
