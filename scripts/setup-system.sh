#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, only those missing.
# chromium: the report page is opened in a real headless browser; valgrind: the CI gate counts
# instructions; wrk: calibrate compares Locust's ceiling with a cheap generator; postgresql: the
# database endpoints run against a private cluster the harness makes (its initdb and postgres;
# the package also creates the `postgres` user the cluster runs as under root).
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v wrk >/dev/null || missing+=(wrk)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-system: missing ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
  exit 0  # the tests that need them skip with that reason
fi
echo "setup-system: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
