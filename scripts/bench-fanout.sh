#!/usr/bin/env bash
# `make bench-fanout`: an editor publishes articles in a tag followed by 100,000 members, against
# granian on 127.0.0.1 with no task worker running; then `db_worker --batch` creates the
# notifications. First on SQLite (a fresh var/bench/fanout), then on a throw-away PostgreSQL
# (scripts/with-postgres.sh). Prints setup time, publish p50/max, fan-out seconds and rows/s;
# fails when the publish p50 reaches 200 ms or a follower lacks a notification.
# Knobs: BENCH_PORT, BENCH_FOLLOWERS (default 100000); see scripts/bench-fanout.py --help.
set -euo pipefail
PY=.venv/bin/python
PORT="${BENCH_PORT:-8100}"
export KIJI_VAR_DIR="$(pwd)/var/bench/fanout"
export KIJI_HTTPS=0 DEBUG=0 ALLOWED_HOSTS=127.0.0.1 KIJI_BASE_URL="http://127.0.0.1:$PORT"
SUMMARY="$(pwd)/var/bench/bench-fanout.txt"

# Second half: called by with-postgres.sh, which exports DATABASE_URL for its throw-away server.
if [ "${1:-}" = "--inside-postgres" ]; then
  $PY manage.py migrate --no-input -v 0
  $PY manage.py collectstatic --no-input -v 0
  exec $PY scripts/bench-fanout.py --port "$PORT" --summary-file "$SUMMARY"
fi

# A fresh SQLite database each run, so the setup time is that of 100,000 new members.
rm -rf "$KIJI_VAR_DIR"
mkdir -p "$KIJI_VAR_DIR"
: >"$SUMMARY"
status=0
(
  unset DATABASE_URL
  $PY manage.py migrate --no-input -v 0
  $PY manage.py collectstatic --no-input -v 0
  $PY scripts/bench-fanout.py --port "$PORT" --summary-file "$SUMMARY"
) || status=1
scripts/with-postgres.sh scripts/bench-fanout.sh --inside-postgres || status=1

echo
echo "Kiji fan-out bench: $(nproc) cores, granian with $(nproc) workers, no task worker while publishing"
echo "pub = the editor's POST action-publish in ms (p50/max over fresh drafts in the followed tag);"
echo "base = p50 of the same publish in a tag nobody follows; fan-out s = time inside the"
echo "fan_out_article tasks (db_worker --batch); worker s = the worker process, start to exit;"
echo "load = 1-minute load average when the publishes began (other work on the machine skews timings)"
cat "$SUMMARY"
exit $status
