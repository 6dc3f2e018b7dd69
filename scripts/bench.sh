#!/usr/bin/env bash
# `make bench`: the production server on the demo data, measured with wrk on loopback.
# Prints req/s, p50 and p99 per scenario and the server's memory. Every load run is bounded (15 s).
set -euo pipefail
PY=.venv/bin/python
PORT="${BENCH_PORT:-8100}"
DURATION="${BENCH_SECONDS:-15}"
CONCURRENCY="${BENCH_CONCURRENCY:-16}"
ARTICLE="${BENCH_ARTICLE:-/articles/chip-us-china-decoupling/}"
export KIJI_VAR_DIR="$(pwd)/var/bench"
export KIJI_HTTPS=0 DEBUG=0 ALLOWED_HOSTS=127.0.0.1 KIJI_BASE_URL="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing wrk from Debian's packages..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

mkdir -p "$KIJI_VAR_DIR"
$PY manage.py migrate --no-input -v 0
$PY manage.py collectstatic --no-input -v 0
$PY manage.py load_demo --if-empty >/dev/null

server_pid=""
start_server() {
  scripts/serve.sh "$PORT" >"$KIJI_VAR_DIR/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start; see $KIJI_VAR_DIR/server.log" >&2
  exit 1
}
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

memory_mb() {
  # Resident memory of the server and its worker processes.
  local pids
  pids=$(pgrep -f "granian.*--port $PORT" | tr '\n' ',' | sed 's/,$//')
  ps -o rss= -p "$pids" | awk '{s+=$1} END {printf "%.0f", s/1024}'
}

results=()
measure() {
  local name=$1 url=$2 connections=$3 seconds=$4 cookie=${5:-} extra=${6:-}
  local out threads=2
  [ "$connections" -lt 2 ] && threads=1
  local header=()
  [ -n "$cookie" ] && header=(-H "Cookie: $cookie")
  [ -n "$extra" ] && header+=(-H "$extra")
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency --timeout 5s "${header[@]}" "http://127.0.0.1:$PORT$url")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '/^ +50%/ {print $2}' <<<"$out")
  p99=$(awk '/^ +99%/ {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  results+=("$(printf '%-34s %6s %10s %9s %9s %8s MB %s' "$name" "c$connections" "$rps" "$p50" "$p99" "$(memory_mb)" "$errors")")
}

start_server
curl -sf -o /dev/null "http://127.0.0.1:$PORT$ARTICLE" && curl -sf -o /dev/null "http://127.0.0.1:$PORT/"
measure "article page (anonymous, cached)" "$ARTICLE" "$CONCURRENCY" "$DURATION"
measure "home page (anonymous, cached)" "/" "$CONCURRENCY" "$DURATION"
stop_server

export KIJI_PAGE_CACHE_SECONDS=0
start_server
curl -sf -o /dev/null "http://127.0.0.1:$PORT$ARTICLE"
measure "article page (uncached render)" "$ARTICLE" "$CONCURRENCY" "$DURATION"
measure "article page (uncached, 1 client)" "$ARTICLE" 1 "$DURATION"
# A signed-in member (detailed profile complete) is never served from the page cache.
session=$($PY manage.py shell -v 0 -c "
from django.contrib.auth import get_user_model, HASH_SESSION_KEY, SESSION_KEY, BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(email='member@kiji.localhost')
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
print(s.session_key)")
measure "article page (signed-in member)" "$ARTICLE" "$CONCURRENCY" "$DURATION" "sessionid=$session"
measure "article page (signed-in, 1 client)" "$ARTICLE" 1 "$DURATION" "sessionid=$session"
# The comment section, as htmx loads it under an article (demo comments on this one).
comments=$($PY manage.py shell -v 0 -c "
from kiji.articles.models import ArticlePage
print(f'/comments/a/{ArticlePage.objects.get(slug=\"biz-cashless-small-shops\").pk}/')")
measure "comments section (anonymous)" "$comments" "$CONCURRENCY" "$DURATION" "" "HX-Request: true"
measure "comments section (signed-in member)" "$comments" "$CONCURRENCY" "$DURATION" "sessionid=$session" "HX-Request: true"
measure "comments section (signed-in, 1 cl.)" "$comments" 1 "$DURATION" "sessionid=$session" "HX-Request: true"
stop_server

# Cold: no fragment cache either, as right after a content change (the worst case, for reference).
export KIJI_FRAGMENT_CACHE_SECONDS=0
start_server
curl -sf -o /dev/null "http://127.0.0.1:$PORT$ARTICLE"
measure "article page (cold, no caches, 1 cl.)" "$ARTICLE" 1 "$DURATION"
stop_server

# The Japanese analyzer (search, issue 6): characters per second over the demo articles.
analyzer=$($PY - <<'PYEOF'
import time
from pathlib import Path
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from kiji.search import analyzer
text = "\n".join(p.read_text() for p in sorted(Path("kiji/demo/content").glob("*.md")))
analyzer.terms("warm")
started = time.perf_counter()
count = len(analyzer.terms(text))
seconds = time.perf_counter() - started
print(f"{len(text) / seconds:,.0f} chars/s ({len(text):,} chars, {count:,} terms, {seconds:.2f} s)")
PYEOF
)

echo
echo "Kiji bench: $(nproc) cores, ${DURATION}s per run, wrk on 127.0.0.1, granian with $(nproc) workers"
printf '%-34s %6s %10s %9s %9s %11s\n' "scenario" "conc" "req/s" "p50" "p99" "server RSS"
for row in "${results[@]}"; do echo "$row"; done
echo "Japanese analyzer (SudachiPy, mode A): $analyzer"
echo "Targets: cached article >= 2000 req/s; uncached render p50 (1 client) <= 15 ms, >= 130 req/s at c16."
echo "(uncached = no whole-page cache; reader-independent fragments are cached per content change)"
