#!/usr/bin/env bash
# Reliability checks sized for CI: crash safety (SIGKILL ×30 on SQLite, ×10 on PostgreSQL),
# 50 clients racing with If-Match, a backup taken under load and restored, and a bounded
# schemathesis run. usage: scripts/ci-reliability.sh [BINARY] [ARTIFACTS_DIR]
# RELIABILITY_POSTGRES_URL (postgres://USER@HOST:PORT) adds the PostgreSQL runs.
set -euo pipefail
cd "$(dirname "$0")/.."
BINARY=$(cd "$(dirname "${1:-.build/debug/meguri}")" && pwd)/$(basename "${1:-.build/debug/meguri}")
ARTIFACTS=${2:-artifacts}
mkdir -p "$ARTIFACTS"
WORK=$(mktemp -d)
trap 'pkill -f "$BINARY serve" 2>/dev/null || true; rm -rf "$WORK"' EXIT
run() { local started=$(date +%s); echo "--- $*"; python3 "$@"; echo "    ($(( $(date +%s) - started ))s)"; }

run scripts/reliability/crash.py "$BINARY" "$WORK" sqlite 30
run scripts/reliability/concurrency.py "$BINARY" "$WORK" sqlite 50 10
run scripts/reliability/backup.py "$BINARY" "$WORK" sqlite
if [ -n "${RELIABILITY_POSTGRES_URL:-}" ]; then
  run scripts/reliability/crash.py "$BINARY" "$WORK" "$RELIABILITY_POSTGRES_URL/crash" 10
  run scripts/reliability/concurrency.py "$BINARY" "$WORK" "$RELIABILITY_POSTGRES_URL/concurrency" 50 10
  run scripts/reliability/backup.py "$BINARY" "$WORK" "$RELIABILITY_POSTGRES_URL/backup"
fi
run scripts/reliability/fuzz.py "$BINARY" "$WORK" "${FUZZ_EXAMPLES:-40}"
