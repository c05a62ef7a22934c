#!/bin/sh
# Waits (bounded) until every Vault member is initialised, unsealed and in the cluster: GET
# /v1/sys/health?standbyok=true answers 200 on each (active, or a standby that forwards). Runs in a one-shot
# container of the Vault image on the overlay, after the members' services converged, and gates the Vault
# provider: nothing talks to Vault as code before the Raft cluster is whole.
#
# Environment: MEMBERS (space-separated base URLs, required), WAIT_SECONDS (default 300), HTTP_TIMEOUT (10),
# WGET_TLS_OPTS (as vault-init.sh).
set -u
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=vault-ready
: "${MEMBERS:?MEMBERS is required}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"
HTTP_TIMEOUT="${HTTP_TIMEOUT:-10}"
TLS_OPTS="${WGET_TLS_OPTS:-}"

ready() {
    with_opts "$TLS_OPTS" timeout "$HTTP_TIMEOUT" wget -q -O /dev/null {} "$1/v1/sys/health?standbyok=true" 2>/dev/null && return 0
    WAIT_DETAIL="GET /v1/sys/health?standbyok=true != 200"
    return 1
}
# One deadline for all members: each waits for what is left of WAIT_SECONDS.
deadline=$(($(date +%s) + WAIT_SECONDS))
for m in $MEMBERS; do
    wait_until $((deadline - $(date +%s))) 2 "$m to be initialised and unsealed" ready "$m" || exit 1
    log "$m is initialised and unsealed"
done
log "every member is ready"
