#!/bin/sh
# Vault initialisation, idempotent: runs in a one-shot container of the Vault image on the overlay (busybox sh
# and wget, as the entrypoint) and talks to one member's API.
#
#   - waits (bounded) until the API answers GET /v1/sys/init;
#   - already initialised: prints {"initialized":true} and changes nothing (no re-init, no new key);
#   - not initialised: PUT /v1/sys/init with one key share (the platform keeps one `vault_unseal_key`), and
#     prints Vault's answer ({"keys":[..],"keys_base64":[..],"root_token":".."}) on stdout, once;
#   - not initialised but ALLOW_INIT=no (the caller holds an escrowed answer of an earlier initialisation, so
#     this Vault's data is not the one that answer opens): refuses, exit 3, and initialises nothing.
#
# Stdout is the only channel for the key and the root token: the caller (vault-bootstrap.sh) escrows it before
# it hands it on. Every log line goes to stderr and never contains them.
#
# The initialisation request has its own, long bound (INIT_TIMEOUT): Vault answers it only once it has made the
# keyring and written it to Raft, which takes seconds on a busy node (9 s measured on a loaded test machine
# against OpenBao), and a client that gives up early leaves an initialised Vault whose only key was in the
# answer it dropped. If the request fails and Vault reports itself initialised, that is reported as the
# failure it is (the answer may be lost), never as success.
#
# Environment: VAULT_ADDR (required), WAIT_SECONDS (default 180), HTTP_TIMEOUT (10), INIT_TIMEOUT (300),
# ALLOW_INIT (yes), WGET_TLS_OPTS (extra wget options for TLS, e.g. --no-check-certificate while the
# certificate is the step-10 placeholder).
set -u
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=vault-init
: "${VAULT_ADDR:?VAULT_ADDR is required}"
WAIT_SECONDS="${WAIT_SECONDS:-180}"
HTTP_TIMEOUT="${HTTP_TIMEOUT:-10}"
INIT_TIMEOUT="${INIT_TIMEOUT:-300}"
ALLOW_INIT="${ALLOW_INIT:-yes}"
TLS_OPTS="${WGET_TLS_OPTS:-}"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vault-init.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

get() { with_opts "$TLS_OPTS" timeout "$HTTP_TIMEOUT" wget -q -O - {} "$1" 2>"$WORK/err"; }
post() { with_opts "$TLS_OPTS" timeout "$INIT_TIMEOUT" wget -q -O - {} --header 'Content-Type: application/json' --post-file "$2" "$1" 2>"$WORK/err"; }
squash() { tr -d ' \t\r\n'; }
last_error() { sed -n 's/^wget: //p' "$WORK/err" | head -n 1; }

init_status() {
    status=$(get "$VAULT_ADDR/v1/sys/init") && return 0
    WAIT_DETAIL=$(last_error)
    return 1
}
wait_until "$WAIT_SECONDS" 2 "$VAULT_ADDR/v1/sys/init to answer" init_status || exit 1

case "$(printf '%s' "$status" | squash)" in
    *'"initialized":true'*)
        log "Vault at $VAULT_ADDR is already initialised: nothing to do (no new key, no new root token)"
        echo '{"initialized":true}'
        exit 0 ;;
    *'"initialized":false'*)
        if [ "$ALLOW_INIT" = no ]; then
            log "Vault at $VAULT_ADDR is NOT initialised, but an answer of an earlier initialisation is escrowed: this is not the Vault that answer opens (its data was replaced?). Refusing to initialise; see docs/runbook.md, \"Vault init answer escrow\""
            exit 3
        fi ;;
    *) log "unexpected answer from $VAULT_ADDR/v1/sys/init (no \"initialized\" field)"; exit 1 ;;
esac

printf '{"secret_shares":1,"secret_threshold":1}' > "$WORK/body"
if ! answer=$(post "$VAULT_ADDR/v1/sys/init" "$WORK/body"); then
    why=$(last_error)
    # Initialised now, yet no answer reached us: our own request may have done it and its answer (the only copy
    # of the key) is gone, or another run did it (and escrowed its answer). Either way this is no success. After a
    # client-side timeout the server may still be initialising: give it WAIT_SECONDS to settle before judging.
    initialised() { get "$VAULT_ADDR/v1/sys/init" | squash | grep -q '"initialized":true'; }
    [ -n "$why" ] || wait_until "$WAIT_SECONDS" 1 "" initialised
    if initialised; then
        log "FAILED: Vault at $VAULT_ADDR is initialised, but the initialisation request returned no answer (${why:-timed out after ${INIT_TIMEOUT}s}). A rerun recovers an escrowed answer; if there is none, the unseal key is lost (docs/runbook.md)"
        exit 1
    fi
    log "initialisation failed (${why:-timed out after ${INIT_TIMEOUT}s})"
    exit 1
fi
case "$(printf '%s' "$answer" | squash)" in
    *'"keys_base64":["'*'"root_token":"'*) ;;
    *) log "Vault answered the initialisation without keys_base64/root_token: refusing to go on"; exit 1 ;;
esac
log "initialised Vault at $VAULT_ADDR with one key share; the key and root token go to the caller on stdout only"
printf '%s\n' "$answer" | squash
echo
