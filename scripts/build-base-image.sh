#!/usr/bin/env bash
# Builds a local stand-in for python:3.11-slim when no container registry is reachable:
# Debian bookworm (its python3 is 3.11, the project's Python) from apt's own mirror, imported
# into docker. The host's CA bundle goes in because pip inside image builds must trust whatever
# the host trusts to reach PyPI (here an egress proxy signs PyPI's certificates).
# Usage: build-base-image.sh [IMAGE]   (default pywebbench/python-base:bookworm)
set -euo pipefail
image="${1:-pywebbench/python-base:bookworm}"
suite=bookworm
say() { echo "build-base-image: $*"; }

if docker image inspect "$image" >/dev/null 2>&1; then
  say "$image already exists; nothing to do"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap)"; exit 1; }
command -v debootstrap >/dev/null || { say "debootstrap missing: apt-get install debootstrap"; exit 1; }

# The mirror apt already uses, so this works wherever `apt-get install` does.
mirror="$(apt-cache policy | awk -v s=" $suite/main " 'index($0, s) && $2 ~ /^https?:/ {print $2; exit}')"
mirror="${mirror:-http://deb.debian.org/debian}"

rootfs="$(mktemp -d /var/tmp/pywebbench-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
say "debootstrap $suite from $mirror into $rootfs"
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
  "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -20 "$rootfs.log"; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
# pip in a venv defaults to its vendored certifi bundle, which lacks what the host trusts.
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$rootfs/etc/pip.conf"
# What the official slim image leaves out too: package caches, docs, man pages.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
ln -sf python3 "$rootfs/usr/bin/python"

say "importing as $image"
tar -C "$rootfs" --numeric-owner -c . | docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["python3"]' \
  --message "debootstrap --variant=minbase $suite + python3 (scripts/build-base-image.sh)" \
  - "$image" >/dev/null
say "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
