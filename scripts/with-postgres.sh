#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL 15 on loopback (installed from Debian if missing).
set -euo pipefail
PG_PORT="${PG_PORT:-54329}"
# Outside the checkout: the postgres user must reach it even when the checkout is private (0700).
PG_ROOT="$(mktemp -d /tmp/kiji-postgres.XXXXXX)"

pg_bin=""
for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/initdb" ]; then pg_bin="$dir"; break; fi
done
if [ -z "$pg_bin" ]; then
  echo "Installing PostgreSQL from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then pg_bin="$dir"; break; fi
  done
fi

# Search ranks through the RUM index (Debian's postgresql-15-rum).
pg_version="$(basename "$(dirname "$pg_bin")")"
if [ ! -f "/usr/share/postgresql/$pg_version/extension/rum.control" ]; then
  echo "Installing the RUM index extension from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "postgresql-$pg_version-rum" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq "postgresql-$pg_version-rum" >/dev/null; }
fi

# PostgreSQL refuses to run as root: use the postgres system user when we are root.
as_pg() { (cd / && if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi); }
id postgres >/dev/null 2>&1 || [ "$(id -u)" != 0 ] || useradd --system --home /var/lib/postgresql postgres

chmod 755 "$PG_ROOT"
[ "$(id -u)" = 0 ] && chown postgres "$PG_ROOT"
as_pg "$pg_bin/initdb" -D "$PG_ROOT/data" -U kiji --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$PG_ROOT/data" -l "$PG_ROOT/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
stop() {
  as_pg "$pg_bin/pg_ctl" -D "$PG_ROOT/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_ROOT"
}
trap stop EXIT

export DATABASE_URL="postgres://kiji@127.0.0.1:$PG_PORT/kiji"
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U kiji kiji
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
"$@"
