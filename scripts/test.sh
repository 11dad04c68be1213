#!/usr/bin/env bash
# The test command (`make test`). Makes sure what the tests need is here, then runs the suite
# twice: on the embedded default (SQLite, tasks in-process), and on PostgreSQL + Redis with a
# real Celery worker for the tests marked for it. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

make --no-print-directory -s dev  # the runtime and the test tools (requirements-dev.txt)
scripts/services.sh
# axe-core, which the browser tests run on every page, at the version package-lock.json pins.
[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

export SECRET_KEY=${SECRET_KEY:-test-secret-key-not-for-production}

echo "== Pass 1: embedded default (SQLite, in-process tasks)"
env -u DATABASE_URL -u CELERY_BROKER_URL "$BIN/pytest" -m "not postgres and not worker" "$@"

echo "== Pass 2: PostgreSQL + Redis, real Celery worker"
DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/culturesurvey} \
CELERY_BROKER_URL=${TEST_BROKER_URL:-redis://127.0.0.1:6379/15} \
  "$BIN/pytest" --create-db "$@"
