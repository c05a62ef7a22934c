#!/bin/sh
# Restores a Raft snapshot into Vault (docs/runbook.md, "Restore Vault"). Needs a token with sudo on
# sys/storage/raft/snapshot (the root token regenerated for the occasion, or the bootstrap policy).
#
#   VAULT_ADDR=https://vault.iklim.co:8200 VAULT_TOKEN_FILE=/path/token vault-restore.sh <snapshot> [--force]
#
# --force restores into a cluster that was re-initialised (different keyring): the snapshot-force endpoint.
# The snapshot is checked (gzip) before anything is sent; the token is never printed.
set -eu
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=vault-restore
: "${VAULT_ADDR:?VAULT_ADDR is required}"
: "${VAULT_TOKEN_FILE:?VAULT_TOKEN_FILE is required (a file holding the token)}"
snap=${1:?usage: vault-restore.sh <snapshot file> [--force]}
endpoint=snapshot
[ "${2:-}" = "--force" ] && endpoint=snapshot-force

[ -s "$snap" ] || { log "FAILED: $snap is missing or empty"; exit 1; }
gzip -t < "$snap" 2>/dev/null || { log "FAILED: $snap is not a valid snapshot (gzip test failed)"; exit 1; }
[ -r "$VAULT_TOKEN_FILE" ] || { log "FAILED: cannot read $VAULT_TOKEN_FILE"; exit 1; }

code=$(printf 'X-Vault-Token: %s\n' "$(cat "$VAULT_TOKEN_FILE")" | with_opts "${CURL_OPTS:-}" curl -sS --max-time 600 {} -H @- \
  -X POST --data-binary @"$snap" -o /dev/null -w '%{http_code}' "$VAULT_ADDR/v1/sys/storage/raft/$endpoint" 2>/dev/null) ||
  { log "FAILED: cannot reach $VAULT_ADDR"; exit 1; }
case "$code" in
  200|204) log "restored $(basename "$snap") through /v1/sys/storage/raft/$endpoint" ;;
  400) log "FAILED: Vault refused the snapshot (HTTP 400): if the cluster was re-initialised, rerun with --force"; exit 1 ;;
  403) log "FAILED: the token may not restore snapshots (HTTP 403): it needs sudo on sys/storage/raft/snapshot"; exit 1 ;;
  *) log "FAILED: Vault answered HTTP $code"; exit 1 ;;
esac
