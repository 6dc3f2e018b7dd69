#!/usr/bin/env bash
# `make bench-search`: search over 100,000 generated articles and 20,000 comments, first on SQLite
# (a fresh var/bench/search), then on a throw-away PostgreSQL with RUM (scripts/with-postgres.sh).
# Prints the index build time and size, and search p50/p95 by reader and variant.
# Knobs: BENCH_ARTICLES (default 100000), BENCH_COMMENTS (default 20000).
set -euo pipefail
PY=.venv/bin/python
export KIJI_VAR_DIR="$(pwd)/var/bench/search"
SUMMARY="$(pwd)/var/bench/bench-search.txt"
ARGS=(--articles "${BENCH_ARTICLES:-100000}" --comments "${BENCH_COMMENTS:-20000}" --summary-file "$SUMMARY")

if [ "${1:-}" = "--inside-postgres" ]; then
  $PY manage.py migrate --no-input -v 0
  exec $PY scripts/bench-search.py "${ARGS[@]}" --label postgresql
fi

rm -rf "$KIJI_VAR_DIR"
mkdir -p "$KIJI_VAR_DIR"
: >"$SUMMARY"
status=0
(
  unset DATABASE_URL
  $PY manage.py migrate --no-input -v 0
  $PY scripts/bench-search.py "${ARGS[@]}" --label sqlite
) || status=1
scripts/with-postgres.sh scripts/bench-search.sh --inside-postgres || status=1

echo
echo "Kiji search bench: $(nproc) cores; in-process search() (parse, rank, access filter, cards, snippets)"
cat "$SUMMARY"
exit $status
