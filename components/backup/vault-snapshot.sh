#!/bin/sh
# Takes one Raft snapshot of Vault and keeps the newest $KEEP in $SNAPSHOT_DIR (the StorageBox).
# Runs from crond in the vault-backup service; also by hand (docs/runbook.md). POSIX sh + curl.
#
#   VAULT_ADDR         https://vault-1:8200 (any member: standbys forward the request to the leader)
#   ROLE_ID_FILE       AppRole role id of the backup role (the mounted Swarm secret; required)
#   SECRET_ID_FILE     AppRole secret id (required)
#   SNAPSHOT_DIR       where snapshots go                    (default /snapshots)
#   KEEP               how many to keep                      (default 48)
#   CURL_OPTS          extra curl options (e.g. --cacert ...)
#
# A failure is visible three ways: a non-zero exit, a "vault-backup: FAILED" log line, and a stale
# $SNAPSHOT_DIR/.last-success that the service's health check (vault-backup-health.sh) turns into "unhealthy".
# The token and the secret id are never printed.
set -eu
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=vault-backup

: "${ROLE_ID_FILE:?ROLE_ID_FILE is required}" "${SECRET_ID_FILE:?SECRET_ID_FILE is required}"
SNAPSHOT_DIR=${SNAPSHOT_DIR:-/snapshots}
KEEP=${KEEP:-48}
PREFIX=vault-raft-
: "${VAULT_ADDR:?VAULT_ADDR is required}"

fail() {
  log "FAILED: $*"
  date -u +%Y-%m-%dT%H:%M:%SZ > "$SNAPSHOT_DIR/.last-failure" 2>/dev/null || true
  exit 1
}

# One of this script's snapshots: vault-raft-<YYYYMMDDTHHMMSSZ>.snap.
is_snapshot() {
  case "${1##*/}" in "$PREFIX"[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.snap) return 0 ;; esac
  return 1
}

# Keeps the newest $KEEP snapshots and deletes the rest, oldest first (the glob lists names in order, and the
# names sort by time); other files are never touched.
prune() {
  keep=$1
  case "$keep" in ''|*[!0-9]*) fail "KEEP must be a whole number, got '$keep'";; esac
  [ "$keep" -ge 1 ] || fail "KEEP must be at least 1"
  excess=$((-keep))
  for old in "$SNAPSHOT_DIR"/*; do
    if is_snapshot "$old"; then excess=$((excess + 1)); fi
  done
  for old in "$SNAPSHOT_DIR"/*; do
    [ "$excess" -gt 0 ] || break
    if is_snapshot "$old"; then
      rm -f "$old"
      log "pruned ${old##*/}"
      excess=$((excess - 1))
    fi
  done
}

if [ "${1:-}" = "--prune-only" ]; then prune "$KEEP"; exit 0; fi

mkdir -p "$SNAPSHOT_DIR" || fail "cannot create $SNAPSHOT_DIR"
[ -r "$ROLE_ID_FILE" ] || fail "no AppRole role id at $ROLE_ID_FILE"
[ -r "$SECRET_ID_FILE" ] || fail "no AppRole secret id at $SECRET_ID_FILE"

login=$(printf '{"role_id":"%s","secret_id":"%s"}' "$(cat "$ROLE_ID_FILE")" "$(cat "$SECRET_ID_FILE")" |
  with_opts "${CURL_OPTS:-}" curl -sS --max-time 30 {} -X POST --data @- -w '\n%{http_code}' "$VAULT_ADDR/v1/auth/approle/login" 2>/dev/null) ||
  fail "cannot reach Vault at $VAULT_ADDR for the AppRole login"
login_code=$(printf '%s' "$login" | tail -n 1)
case "$login_code" in
  200) ;;
  503) fail "Vault at $VAULT_ADDR is sealed or has no leader (HTTP 503)" ;;
  *) fail "AppRole login refused by $VAULT_ADDR with HTTP $login_code (check the backup role and its secret id)" ;;
esac
token=$(printf '%s' "$login" | sed -n 's/.*"client_token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "the AppRole login answer from $VAULT_ADDR has no client token"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
tmp="$SNAPSHOT_DIR/.${PREFIX}${stamp}.snap.partial"
trap 'rm -f "$tmp"' EXIT
code=$(printf 'X-Vault-Token: %s\n' "$token" | with_opts "${CURL_OPTS:-}" curl -sS --max-time 600 {} -H @- -o "$tmp" -w '%{http_code}' \
  "$VAULT_ADDR/v1/sys/storage/raft/snapshot" 2>/dev/null) || fail "snapshot request to $VAULT_ADDR failed"
[ "$code" = "200" ] || fail "Vault answered HTTP $code to the snapshot request"
[ -s "$tmp" ] || fail "Vault returned an empty snapshot"
# A Raft snapshot is a gzip stream: refuse anything else (an HTML error page, a truncated body).
magic=$(head -c 2 "$tmp" | od -An -tx1 | tr -d ' \n')
[ "$magic" = "1f8b" ] || fail "the snapshot is not a gzip stream (got bytes $magic)"
gzip -t < "$tmp" 2>/dev/null || fail "the snapshot is truncated or corrupt (gzip test failed)"

final="$SNAPSHOT_DIR/${PREFIX}${stamp}.snap"
mv "$tmp" "$final"
trap - EXIT
log "wrote $(basename "$final") ($(wc -c < "$final" | tr -d ' ') bytes)"
prune "$KEEP"
date -u +%Y-%m-%dT%H:%M:%SZ > "$SNAPSHOT_DIR/.last-success"
