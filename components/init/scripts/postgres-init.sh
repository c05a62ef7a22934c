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
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
LOG_NAME="postgres init"
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
  log "no superuser password on stdin"
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
started=$(date +%s)
writable_leader() { [ "$("$PSQL" "$dsn" -XAtqc 'select pg_is_in_recovery()' 2>/dev/null || true)" = "f" ]; }
wait_until "$INIT_WAIT_SECONDS" 2 "a read-write PostgreSQL leader among $hostports" writable_leader || exit 3
leader="$("$PSQL" "$dsn" -XAtqc "select coalesce(host(inet_server_addr()), 'local') || ':' || current_setting('port')" 2>/dev/null || echo unknown)"
say "leader is $leader"

# A failover between the wait and the run breaks the connection (psql exits 2): every statement is idempotent,
# so run the whole file again on whichever member leads now, within what is left of INIT_WAIT_SECONDS. A
# failing statement (psql exits 3 with ON_ERROR_STOP) is not a failover: stop at once.
attempt=0
# Settled: the file ran through, or a statement failed; not when the connection broke.
run_settled() {
  attempt=$((attempt + 1))
  status=0
  "$PSQL" "$dsn" -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=terse -v SHOW_CONTEXT=never -f "$work/init.sql" || status=$?
  [ "$status" -eq 2 ] || return 0
  log "attempt $attempt lost its connection (failover?); retrying on the current leader"
  return 1
}
if ! wait_until $((INIT_WAIT_SECONDS - ($(date +%s) - started))) 2 "" run_settled; then
  log "the connection to the leader kept failing; gave up after ${INIT_WAIT_SECONDS}s (attempt $attempt)"
  exit 4
fi
if [ "$status" -ne 0 ]; then
  log "a statement failed (psql status $status); nothing after it ran"
  exit 4
fi
say "done (attempt $attempt)"
