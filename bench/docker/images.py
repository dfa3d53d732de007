"""Build an app's image from its generated Dockerfile, with the project root as context."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass

from bench.docker import engine
from bench.docker.spec import DEFAULT_BASE_IMAGE, LOCAL_BASE_IMAGE, ContainerSpec
from bench.errors import BenchError, UsageError
from bench.frameworks import ROOT

BUILD_TIMEOUT_S = 900.0
"""A cold build downloads the app's wheels from PyPI; minutes on a slow mirror, never hours."""


@dataclass(frozen=True)
class BuiltImage:
    framework: str
    image: str
    image_id: str
    base_image: str
    base_image_id: str
    """The base's content id: a tag moves, this does not (a locally built base has no digest)."""
    base_image_digests: list[str]
    """`name@sha256:...` where the base came from a registry: what to pin it by."""
    build_s: float
    size_bytes: int
    no_cache: bool
    """True for a cold build; otherwise layers may come from the cache and build_s says little."""


def base_image() -> str:
    """$BASE_IMAGE, else the official image when present, else the locally built stand-in."""
    chosen = os.environ.get("BASE_IMAGE")
    if chosen:
        if not engine.image_exists(chosen):
            raise UsageError(f"BASE_IMAGE={chosen} is not an image docker has; pull or build it")
        return chosen
    for image in (DEFAULT_BASE_IMAGE, LOCAL_BASE_IMAGE):
        if engine.image_exists(image):
            return image
    raise UsageError(
        f"no base image: neither {DEFAULT_BASE_IMAGE} nor {LOCAL_BASE_IMAGE} is present; "
        f"{engine.PROVISION_HINT} (it pulls the first or builds the second)"
    )


def build(spec: ContainerSpec, base: str, no_cache: bool = False) -> BuiltImage:
    """`docker build` on the host network (the only network allowed here), timed."""
    command = [
        "docker", "build",
        "--network", "host",
        "--build-arg", f"BASE_IMAGE={base}",
        "--file", str(ROOT / spec.dockerfile),
        "--tag", spec.image,
        *(["--no-cache"] if no_cache else []),
        str(ROOT),
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        try:
            code = subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S, check=False
            ).returncode
        except subprocess.TimeoutExpired:
            raise BenchError(f"{spec.image}: build exceeded {BUILD_TIMEOUT_S:.0f}s") from None
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    if code != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise BenchError(f"building {spec.image} failed (exit {code}):\n{tail}")
    info = engine.docker(["image", "inspect", "--format", "{{.Id}} {{.Size}}", spec.image])
    image_id, size = info.split()
    base_id, digests = _identity(base)
    return BuiltImage(
        framework=spec.framework.name,
        image=spec.image,
        image_id=image_id,
        base_image=base,
        base_image_id=base_id,
        base_image_digests=digests,
        build_s=seconds,
        size_bytes=int(size),
        no_cache=no_cache,
    )


def _identity(image: str) -> tuple[str, list[str]]:
    """An image's id and its registry digests (none for one built here)."""
    out = engine.docker(
        ["image", "inspect", "--format", "{{.Id}} {{json .RepoDigests}}", image]
    ).strip()
    image_id, _, digests = out.partition(" ")
    return image_id, [str(d) for d in json.loads(digests or "[]") or []]
