#!/usr/bin/env bash
# Roster import of 50,000 rows; invitations for 50,000 people created and queued. Arguments go
# to bulk.py (--people N, --drop-db; see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || make venv
scripts/services.sh >/dev/null
exec .venv/bin/python bench/bulk.py "$@"
