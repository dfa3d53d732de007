"""Whether two runs measured the same thing: a change between them means something only when
they ran the same profile at the same load levels, on the same CPU model, pinned alike."""

from __future__ import annotations

from typing import Any


def _get(document: dict[str, Any], *keys: str) -> Any:
    value: Any = document
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def levels(document: dict[str, Any]) -> dict[str, Any]:
    """The load levels a run planned: its profile's rate levels (v1: fractions of the
    ceiling), peak and io user levels, or the absolute rates and user levels given on its
    command line."""
    profile = _get(document, "config", "profile") or {}
    users = _get(document, "config", "extra", "users")
    rate_levels = profile.get("rate_levels")
    return {
        "rates": _get(document, "config", "rates") or rate_levels or profile.get("rate_fractions"),
        "io users": users or profile.get("io_users"),
        "peak users": profile.get("peak_users") or profile.get("closed_users"),
        "capacity start": profile.get("capacity_start_fraction"),
        "capacity factor": profile.get("capacity_factor"),
    }


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(map(str, value)) or "none"
    return str(value)


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Why run.json `a` and `b` are not comparable, one reason each; empty when they are."""
    reasons = []
    if a.get("profile") != b.get("profile"):
        reasons.append(f"profile {a.get('profile')} vs {b.get('profile')}")
    la, lb = levels(a), levels(b)
    for name in la:
        if la[name] != lb[name]:
            reasons.append(f"{name} {_shown(la[name])} vs {_shown(lb[name])}")
    cpu_a = _get(a, "environment", "cpu_model")
    cpu_b = _get(b, "environment", "cpu_model")
    if cpu_a != cpu_b:
        reasons.append(f"CPU {cpu_a!r} vs {cpu_b!r}")
    for side in ("server_cpus", "generator_cpus"):
        pa, pb = _get(a, "pinning", side), _get(b, "pinning", side)
        if pa != pb:
            reasons.append(f"{side.replace('_', ' ')} {_shown(pa)} vs {_shown(pb)}")
    if a.get("deployment") != b.get("deployment"):
        reasons.append(f"deployment {a.get('deployment')} vs {b.get('deployment')}")
    return reasons
