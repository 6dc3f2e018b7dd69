#!/usr/bin/env bash
# `make run`: migrate, load the demo when the database is empty, then the task worker, the
# scheduled-publishing loop and the web server side by side on loopback; Ctrl-C stops them all.
set -euo pipefail
PORT="${1:-${PORT:-8000}}"
PY=.venv/bin/python
export KIJI_HTTPS="${KIJI_HTTPS:-0}"   # plain HTTP on loopback, so cookies must not be Secure-only
export KIJI_BASE_URL="${KIJI_BASE_URL:-http://127.0.0.1:$PORT}"
# The local demo lets the editor into the admin without a second factor; production requires one.
export KIJI_STAFF_MFA_REQUIRED="${KIJI_STAFF_MFA_REQUIRED:-0}"

mkdir -p var
$PY manage.py migrate --no-input -v 0
$PY manage.py collectstatic --no-input -v 0
$PY manage.py load_demo --if-empty
# The search index: built once, and rebuilt when the analyzer or its dictionary changed.
$PY manage.py reindex --if-needed

$PY manage.py db_worker --queue-name '*' --interval 1 -v 0 &
worker=$!
# Wagtail's scheduled publishing: articles whose go-live time has come are published each minute.
( while sleep 60; do $PY manage.py publish_scheduled >/dev/null 2>&1 || true; done ) &
scheduler=$!
# The daily notification digest (production: a cron line, see README).
( while true; do
    $PY manage.py send_digests --enqueue >/dev/null 2>&1 || true
    $PY manage.py refresh_search >/dev/null 2>&1 || true
    $PY manage.py refresh_coreads --enqueue >/dev/null 2>&1 || true
    sleep 86400
  done ) &
digests=$!
trap 'kill $worker $scheduler $digests 2>/dev/null || true' EXIT INT TERM

echo "Kiji: http://127.0.0.1:$PORT/  (admin: http://127.0.0.1:$PORT/admin/)"
$PY manage.py runserver "127.0.0.1:$PORT"
