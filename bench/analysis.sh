#!/usr/bin/env bash
# The gap analysis at 10,000, 100,000 and 1,000,000 respondents on PostgreSQL; --workers and
# --report add the scale-out and report-reading runs. Arguments go to analysis.py (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || make venv
scripts/services.sh --bench >/dev/null
exec .venv/bin/python bench/analysis.py "$@"
