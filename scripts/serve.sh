#!/usr/bin/env bash
# Production server: granian (WSGI) with one worker per core; static files come from WhiteNoise.
# Put a TLS-terminating proxy in front and set SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
set -euo pipefail
PORT="${1:-${PORT:-8000}}"
HOST="${HOST:-127.0.0.1}"
WORKERS="${WEB_WORKERS:-$(nproc)}"
exec .venv/bin/granian --interface wsgi --host "$HOST" --port "$PORT" \
  --workers "$WORKERS" --blocking-threads 1 --backlog 2048 --no-ws \
  config.wsgi:application
