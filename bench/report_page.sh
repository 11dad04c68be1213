#!/usr/bin/env bash
# Report page from a stored snapshot, 16 signed-in readers. Arguments go to report_page.py.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || make venv
scripts/services.sh --bench >/dev/null
exec .venv/bin/python bench/report_page.py "$@"
