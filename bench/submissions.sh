#!/usr/bin/env bash
# Submission throughput, culturesurvey against its peers. Arguments go to submissions.py
# (--no-peers, --no-form, --duration N, --clients 4,16, --drop-db; see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || make venv
scripts/services.sh --bench >/dev/null
exec .venv/bin/python bench/submissions.py "$@"
