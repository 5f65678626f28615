# Starts and stops a throwaway PostgreSQL server for tests and benches.
# Source it, then: pg_start (exports DELTACKPT_TEST_PG_DSN) and pg_stop.
# The server lives in a fresh temporary directory, listens on a unix socket
# there and on 127.0.0.1 at a port free at start time, and pg_stop removes it.

pg_bindir() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  echo "pg.sh: no PostgreSQL server binaries found (install postgresql-15)" >&2
  return 1
}

# Runs a server command as the postgres user when we are root (PostgreSQL
# refuses to run as root), as ourselves otherwise.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  local bin port
  bin=$(pg_bindir) || return 1
  PG_TMPDIR=$(mktemp -d /tmp/deltackpt-pg.XXXXXX)
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_TMPDIR"
  pg_as_owner "$bin/initdb" -D "$PG_TMPDIR/data" -E UTF8 --locale=C.UTF-8 -A trust -U postgres \
    > "$PG_TMPDIR/initdb.log" 2>&1 || { cat "$PG_TMPDIR/initdb.log" >&2; return 1; }
  for _ in 1 2 3 4 5; do
    port=$(pg_free_port)
    if pg_as_owner "$bin/pg_ctl" -D "$PG_TMPDIR/data" -l "$PG_TMPDIR/server.log" -w -t 300 \
        -o "-k $PG_TMPDIR -p $port -c listen_addresses=127.0.0.1 -c max_connections=200" \
        start > /dev/null; then
      export DELTACKPT_TEST_PG_DSN="postgresql://postgres@127.0.0.1:$port/postgres"
      PG_PORT=$port
      echo "pg.sh: PostgreSQL started on 127.0.0.1:$port ($PG_TMPDIR)" >&2
      return 0
    fi
  done
  cat "$PG_TMPDIR/server.log" >&2
  return 1
}

pg_stop() {
  [ -n "${PG_TMPDIR:-}" ] || return 0
  local bin
  if bin=$(pg_bindir 2> /dev/null) && [ -d "$PG_TMPDIR/data" ]; then
    pg_as_owner "$bin/pg_ctl" -D "$PG_TMPDIR/data" -m immediate -w stop > /dev/null 2>&1 || true
  fi
  rm -rf "$PG_TMPDIR"
  PG_TMPDIR=
}
