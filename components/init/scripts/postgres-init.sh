#!/usr/bin/env bash
# Step 22, PostgreSQL part: runs inside a one-shot container of images.dbInit on the overlay (or on a test host
# with PSQL pointing at a psql binary). Connects through the multi-host Patroni string with
# target_session_attrs=read-write, so it always lands on the leader, and applies the SQL rendered by
# components/init/render.ts, every statement of which checks state first.
#
# stdin: line 1 is the superuser password; the rest is psql input: `\set` lines carrying the roles' SCRAM
# verifiers (secret), then the rendered SQL. The password goes to a 0600 pgpass file in a private temp dir,
# the psql input to a 0600 file beside it; both are removed on exit. Nothing secret is on a command line.
#
# Environment (not secret): PG_HOSTS ("h1,h2:5433,..."; a host without a port gets PG_PORT), PG_PORT (5432),
# PG_USER (postgres), PG_DATABASE (postgres), INIT_WAIT_SECONDS (300), PSQL (psql).
set -euo pipefail
: "${PG_HOSTS:?PG_HOSTS (the Patroni members) is not set}"
PG_PORT="${PG_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
PG_DATABASE="${PG_DATABASE:-postgres}"
INIT_WAIT_SECONDS="${INIT_WAIT_SECONDS:-300}"
PSQL="${PSQL:-psql}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
IFS= read -r superuser_password || true
if [ -z "${superuser_password:-}" ]; then
  echo "postgres init: no superuser password on stdin" >&2
  exit 2
fi
(
  umask 077
  escaped="${superuser_password//\\/\\\\}"
  escaped="${escaped//:/\\:}"
  printf '*:*:*:%s:%s\n' "$PG_USER" "$escaped" > "$work/pgpass"
  cat > "$work/init.sql"
)
unset superuser_password escaped
export PGPASSFILE="$work/pgpass" PGCONNECT_TIMEOUT=5 PGAPPNAME=iklimco-init

hostports=""
IFS=',' read -r -a members <<< "$PG_HOSTS"
for m in "${members[@]}"; do
  m="${m// /}"
  [ -n "$m" ] || continue
  case "$m" in *:*) ;; *) m="$m:$PG_PORT" ;; esac
  hostports="${hostports:+$hostports,}$m"
done
dsn="postgresql://${PG_USER}@${hostports}/${PG_DATABASE}?target_session_attrs=read-write&connect_timeout=5"

# Bounded wait for a leader that accepts writes (Patroni may be electing one).
deadline=$(( $(date +%s) + INIT_WAIT_SECONDS ))
until [ "$("$PSQL" "$dsn" -XAtqc 'select pg_is_in_recovery()' 2>/dev/null || true)" = "f" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "postgres init: timed out after ${INIT_WAIT_SECONDS}s waiting for a read-write PostgreSQL leader among $hostports" >&2
    exit 3
  fi
  sleep 2
done
leader="$("$PSQL" "$dsn" -XAtqc "select coalesce(host(inet_server_addr()), 'local') || ':' || current_setting('port')" 2>/dev/null || echo unknown)"
echo "postgres init: leader is $leader"

# A failover between the wait and the run breaks the connection (psql exits 2): every statement is idempotent,
# so run the whole file again on whichever member leads now, until the deadline. A failing statement (psql
# exits 3 with ON_ERROR_STOP) is not a failover: stop at once.
attempt=1
while :; do
  set +e
  "$PSQL" "$dsn" -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=terse -v SHOW_CONTEXT=never -f "$work/init.sql"
  status=$?
  set -e
  if [ "$status" -eq 0 ]; then
    echo "postgres init: done (attempt $attempt)"
    exit 0
  fi
  if [ "$status" -ne 2 ]; then
    echo "postgres init: a statement failed (psql status $status); nothing after it ran" >&2
    exit 4
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "postgres init: the connection to the leader kept failing; gave up after ${INIT_WAIT_SECONDS}s (attempt $attempt)" >&2
    exit 4
  fi
  echo "postgres init: attempt $attempt lost its connection (failover?); retrying on the current leader" >&2
  attempt=$((attempt + 1))
  sleep 2
done
