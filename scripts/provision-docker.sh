#!/usr/bin/env bash
# Provisions what `make bench-docker` and the docker tests need on a Debian machine, doing
# only what is missing, and says what it did:
#   1. docker.io (engine), docker-compose (validates docker-compose.yml), debootstrap;
#   2. a docker engine: systemd's when systemd runs, else a dockerd started here, its PID in
#      $STATE_DIR/dockerd.pid so that only that one is ever stopped (`--stop`);
#   3. a base image: python:3.11-slim, or when no registry answers, a local one built by
#      scripts/build-base-image.sh (debootstrap + docker import).
# The engine runs without a bridge network or iptables rules: containers use the host network
# and bind 127.0.0.1 only, so no container ever gets an address load could be sent to.
# Usage: provision-docker.sh [--stop]
set -euo pipefail
cd "$(dirname "$0")/.."
STATE_DIR="${PYWEBBENCH_STATE_DIR:-/run/pywebbench}"
PIDFILE="$STATE_DIR/dockerd.pid"
DEFAULT_BASE=python:3.11-slim
LOCAL_BASE=pywebbench/python-base:bookworm
say() { echo "provision-docker: $*"; }

our_dockerd() {  # the PID we recorded, if that process is still a dockerd
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q '^dockerd ' \
    && echo "$pid"
}

if [ "${1:-}" = "--stop" ]; then
  if pid="$(our_dockerd)"; then
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    rm -f "$PIDFILE"
    say "stopped the dockerd started here (pid $pid)"
  else
    say "no dockerd started by this script is running; nothing stopped"
  fi
  exit 0
fi

# 1. Packages.
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "missing ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "docker.io, docker-compose and debootstrap are installed"
fi

# 2. An engine.
if docker info >/dev/null 2>&1; then
  say "a docker engine is running ($(docker info --format '{{.ServerVersion}}'))"
elif [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && command -v systemctl >/dev/null; then
  say "starting docker through systemd"
  systemctl start docker
else
  [ "$(id -u)" -eq 0 ] || { say "no docker engine running and not root to start one" >&2; exit 1; }
  if pid="$(our_dockerd)"; then
    say "the dockerd started here (pid $pid) is not answering yet; waiting"
  else
    mkdir -p "$STATE_DIR"
    # setsid: the engine outlives this script and the terminal's Ctrl-C.
    setsid dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
      >"$STATE_DIR/dockerd.log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    say "started dockerd (pid $!, log $STATE_DIR/dockerd.log; stop it with $0 --stop)"
  fi
fi
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker info >/dev/null 2>&1 || { say "the docker engine did not come up; see $STATE_DIR/dockerd.log" >&2; exit 1; }

# 3. A base image. `bench docker` finds either by itself; docker-compose needs BASE_IMAGE.
if docker image inspect "$DEFAULT_BASE" >/dev/null 2>&1; then
  say "base image $DEFAULT_BASE is present"
elif docker image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
  say "base image $LOCAL_BASE is present (no registry: $DEFAULT_BASE was not pulled)"
  say "for docker-compose: export BASE_IMAGE=$LOCAL_BASE"
elif timeout 120 docker pull -q "$DEFAULT_BASE" >/dev/null 2>&1; then
  say "pulled $DEFAULT_BASE"
else
  say "$DEFAULT_BASE cannot be pulled (no registry reachable); building $LOCAL_BASE"
  bash scripts/build-base-image.sh "$LOCAL_BASE"
  say "for docker-compose: export BASE_IMAGE=$LOCAL_BASE"
fi
