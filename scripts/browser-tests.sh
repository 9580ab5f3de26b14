#!/usr/bin/env bash
# The browser suite: every scenario in Japanese on SQLite, and in English on PostgreSQL when
# E2E_POSTGRES_URL names a database (it is emptied first).
# usage: scripts/browser-tests.sh [BINARY] [ARTIFACTS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BINARY=${1:-.build/debug/meguri}
ARTIFACTS=${2:-artifacts}
mkdir -p "$ARTIFACTS"
BINARY=$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")
ARTIFACTS=$(cd "$ARTIFACTS" && pwd)
status=0
python3 Tests/Browser/run.py "$BINARY" "$ARTIFACTS" ja e2e.sqlite 18081 || status=1
if [ -n "${E2E_POSTGRES_URL:-}" ]; then
  PGOPTIONS='--client-min-messages=warning' psql "${E2E_POSTGRES_URL%%\?*}" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
  python3 Tests/Browser/run.py "$BINARY" "$ARTIFACTS" en "$E2E_POSTGRES_URL" 18082 || status=1
else
  python3 Tests/Browser/run.py "$BINARY" "$ARTIFACTS" en e2e.sqlite 18082 || status=1
fi
exit $status
