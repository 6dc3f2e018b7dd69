#!/usr/bin/env bash
# `make bench-comments`: 20 members post comments at once for 60 s, then 15 s with the default
# pacing, against granian on 127.0.0.1 — first on SQLite (var/bench), then on a throw-away
# PostgreSQL (scripts/with-postgres.sh). Prints posts/s, latency percentiles and the answers per
# status; fails when an acknowledged comment is not in the database or the server erred.
# See scripts/bench-comments.py for the knobs (BENCH_PORT, BENCH_POSTERS, BENCH_COMMENT_SECONDS…).
set -euo pipefail
PY=.venv/bin/python
PORT="${BENCH_PORT:-8100}"
export KIJI_VAR_DIR="$(pwd)/var/bench"
export KIJI_HTTPS=0 DEBUG=0 ALLOWED_HOSTS=127.0.0.1 KIJI_BASE_URL="http://127.0.0.1:$PORT"
SUMMARY="$KIJI_VAR_DIR/bench-comments.txt"

# Second half: called by with-postgres.sh, which exports DATABASE_URL for its throw-away server.
if [ "${1:-}" = "--inside-postgres" ]; then
  # config.settings lacks django.contrib.postgres, which Wagtail's search index needs on
  # PostgreSQL (postgres.E005); the checks would stop migrate, the server itself runs fine.
  $PY manage.py migrate --no-input -v 0
  # One article is enough here; the whole demo would take a minute to load into the new database.
  exec $PY scripts/bench-comments.py --port "$PORT" --summary-file "$SUMMARY" --ensure-article
fi

mkdir -p "$KIJI_VAR_DIR"
: >"$SUMMARY"
status=0
(
  unset DATABASE_URL
  $PY manage.py migrate --no-input -v 0
  $PY manage.py collectstatic --no-input -v 0
  $PY manage.py load_demo --if-empty >/dev/null
  $PY scripts/bench-comments.py --port "$PORT" --summary-file "$SUMMARY"
) || status=1
scripts/with-postgres.sh scripts/bench-comments.sh --inside-postgres || status=1

echo
echo "Kiji comment bench: $(nproc) cores, granian with $(nproc) workers, posters on 127.0.0.1"
echo "open = pacing off (interval 0 s, no daily cap, no pre-moderation); paced = default pacing (5 s)"
echo "latency in ms over every request; errors = 5xx + connection errors"
cat "$SUMMARY"
exit $status
