#!/usr/bin/env bash
# Makes sure the test services are here: Debian's Chromium and npm (for axe-core) for browser
# tests, PostgreSQL and Redis answering on 127.0.0.1. Installs or starts what is missing
# (installing needs root).
# With --bench, also the wrk load generator the benchmarks in bench/ use.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  echo "Installing $* from Debian's packages..."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v npm >/dev/null || missing+=(npm)
command -v msgmerge >/dev/null || missing+=(gettext)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
if [ "${1:-}" = "--bench" ]; then command -v wrk >/dev/null || missing+=(wrk); fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "Starting PostgreSQL..."
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Starting Redis..."
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping
