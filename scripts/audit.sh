#!/usr/bin/env bash
# Known vulnerabilities in the product's installed dependencies (pip-audit, which asks the PyPI
# and OSV advisory services): everything in .venv, so the runtime (requirements.txt) and, once
# `make dev` has run, the tests and tooling too. Fails when a dependency has a known
# vulnerability. When neither service can be reached (a build machine without internet access
# beyond the package index), it says so loudly and exits 0, or 1 with AUDIT_REQUIRED=1.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || make venv
if [ ! -x .audit-venv/bin/pip-audit ]; then
  python3.11 -m venv .audit-venv
  .audit-venv/bin/pip install -q --disable-pip-version-check -r requirements-audit.txt
fi

site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for service in pypi osv; do
  status=0
  .audit-venv/bin/pip-audit --path "$site" --vulnerability-service "$service" \
    --progress-spinner off --skip-editable >"$log" 2>&1 || status=$?
  if grep -q "Found [0-9]* known vulnerabilit" "$log"; then
    cat "$log"
    exit 1
  fi
  skipped=$(grep -c "could not be audited" "$log" || true)
  if [ "$status" -eq 0 ] && [ "$skipped" -eq 0 ]; then
    cat "$log"
    echo "pip-audit ($service): no known vulnerabilities"
    exit 0
  fi
  echo "pip-audit: the $service advisory service could not be queried ($skipped dependencies skipped):"
  grep -v -e "could not be audited" -e "No known vulnerabilities" -e "Skip Reason" -e "^---" "$log" | tail -n 3 | sed 's/^/  /' || true
done
echo "WARNING: dependencies NOT audited: no advisory service (PyPI, OSV) is reachable from here."
[ "${AUDIT_REQUIRED:-0}" = "1" ] && exit 1
exit 0
