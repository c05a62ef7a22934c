#!/bin/sh
# Waits (bounded) until every Vault member is initialised, unsealed and in the cluster: GET
# /v1/sys/health?standbyok=true answers 200 on each (active, or a standby that forwards). Runs in a one-shot
# container of the Vault image on the overlay, after the members' services converged, and gates the Vault
# provider: nothing talks to Vault as code before the Raft cluster is whole.
#
# Environment: MEMBERS (space-separated base URLs, required), WAIT_SECONDS (default 300), HTTP_TIMEOUT (10),
# WGET_TLS_OPTS (as vault-init.sh).
set -u
: "${MEMBERS:?MEMBERS is required}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"
HTTP_TIMEOUT="${HTTP_TIMEOUT:-10}"
TLS_OPTS="${WGET_TLS_OPTS:-}"
log() { echo "vault-ready: $*" >&2; }

start=$(date +%s)
for m in $MEMBERS; do
    # shellcheck disable=SC2086 # TLS_OPTS is a list of options
    until timeout "$HTTP_TIMEOUT" wget -q -O /dev/null $TLS_OPTS "$m/v1/sys/health?standbyok=true" 2>/dev/null; do
        if [ $(( $(date +%s) - start )) -ge "$WAIT_SECONDS" ]; then
            log "timed out after ${WAIT_SECONDS}s waiting for $m to be initialised and unsealed (GET /v1/sys/health?standbyok=true != 200)"
            exit 1
        fi
        sleep 2
    done
    log "$m is initialised and unsealed"
done
log "every member is ready"
