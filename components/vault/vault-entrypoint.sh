#!/bin/sh
# Entrypoint of each Vault member (`<stackName>_vault-<n>`): writes the server config, starts `vault server`,
# then runs the retry-unseal loop for the life of the container (seeds/001: "Vault entrypoint retry-unseal
# loop reads vault_unseal_key and unseals each replica").
#
# It runs under the Vault image's own /bin/sh (Alpine's busybox ash) and uses only busybox applets. The HTTP
# client is busybox `wget`: the official Vault image has no curl. busybox wget has no usable timeout flag on
# every build, so each call is bounded by busybox `timeout`. The loop talks to the server's own TLS listener
# over loopback (https://127.0.0.1:8200), so the unseal key never leaves the container; the certificate is for
# the public name, not 127.0.0.1, so these local calls skip the name check (--no-check-certificate).
#
# The loop: read /v1/sys/seal-status; while sealed, submit the key from the Swarm secret file with
# /v1/sys/unseal; back off exponentially (capped) on every failure; keep watching once unsealed (an operator
# may seal it again). It never prints the key: the key goes from the secret file into a 0600 request body
# file in a private temp directory (not on a command line, where `ps` would show it) and is removed at once.
# It never exits because of Vault: a missing key (first boot before bootstrap), a wrong key, or a server that
# is slow to start are logged and retried; the container lives as long as the server process does.
#
# Environment (all optional except in tests):
#   VAULT_CONFIG_JSON       the server config (JSON); written to $VAULT_CONFIG_DIR/vault.json when set (Vault and
#                           OpenBao read a .json config file as JSON)
#   VAULT_CONFIG_DIR        default /vault/config
#   VAULT_LOCAL_ADDR        default https://127.0.0.1:8200 (the server's listener, over loopback)
#   WGET_TLS_OPTS           default --no-check-certificate (see above)
#   VAULT_UNSEAL_KEY_FILE   default /run/secrets/vault_unseal_key
#   VAULT_DATA_DIR          default /vault/data   (Raft storage: the member's volume)
#   VAULT_CERTS_DIR         default /vault/certs  (the node's ssl directory, bind-mounted read-only)
#   VAULT_TLS_DIR           default /vault/tls    (the copy the server reads; the config names files in it)
#   The three directories are settable so the same script runs unchanged outside the image (the tests run it,
#   and the real `vault server` it starts, on a temp directory).
#   UNSEAL_BACKOFF_START, UNSEAL_BACKOFF_MAX, UNSEAL_WATCH_INTERVAL, HTTP_TIMEOUT   seconds: 1, 30, 15, 10
set -u
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=vault-entrypoint

CONFIG_DIR="${VAULT_CONFIG_DIR:-/vault/config}"
ADDR="${VAULT_LOCAL_ADDR:-https://127.0.0.1:8200}"
TLS_OPTS="${WGET_TLS_OPTS---no-check-certificate}"
KEY_FILE="${VAULT_UNSEAL_KEY_FILE:-/run/secrets/vault_unseal_key}"
BACKOFF_START="${UNSEAL_BACKOFF_START:-1}"
BACKOFF_MAX="${UNSEAL_BACKOFF_MAX:-30}"
WATCH_INTERVAL="${UNSEAL_WATCH_INTERVAL:-15}"
HTTP_TIMEOUT="${HTTP_TIMEOUT:-10}"
DATA_DIR="${VAULT_DATA_DIR:-/vault/data}"
CERTS_DIR="${VAULT_CERTS_DIR:-/vault/certs}"
TLS_DIR="${VAULT_TLS_DIR:-/vault/tls}"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vault-entrypoint.XXXXXX") || { log "cannot create a private temp directory"; exit 1; }

CONFIG_FILE="$CONFIG_DIR/vault.json"
if [ -n "${VAULT_CONFIG_JSON:-}" ]; then
    { mkdir -p "$CONFIG_DIR" && printf '%s\n' "$VAULT_CONFIG_JSON" > "$CONFIG_FILE"; } || { log "cannot write $CONFIG_FILE"; exit 1; }
    chmod 0644 "$CONFIG_FILE"
fi

# The default server start. The certificate and key are bind-mounted from the node (root-owned, often 0600),
# and a fresh Docker volume is root-owned: copy the pair into a directory the `vault` user owns and give it the
# data directory, then drop privileges with su-exec (both in the official image). A renewed certificate
# reaches Vault through a restart (the cert-distributor forces one), which re-runs this copy.
start_vault() {
    mkdir -p "$DATA_DIR" "$TLS_DIR"
    cp "$CERTS_DIR"/* "$TLS_DIR"/ 2>/dev/null || log "no certificate in $CERTS_DIR yet (step 10 places one)"
    chmod 0700 "$TLS_DIR"
    if [ "$(id -u)" = 0 ] && id vault >/dev/null 2>&1 && command -v su-exec >/dev/null 2>&1; then
        chown -R vault:vault "$DATA_DIR" "$TLS_DIR"
        exec su-exec vault vault server -config="$CONFIG_FILE"
    fi
    exec vault server -config="$CONFIG_FILE"
}

start_vault &
SERVER_PID=$!
log "started the server (pid $SERVER_PID); unseal loop on $ADDR"

trap 'log "stopping: forwarding the signal to the server"; kill -TERM "$SERVER_PID" 2>/dev/null' TERM INT

# Sleeps in the background so a TERM is handled at once.
pause() {
    sleep "$1" &
    wait $! 2>/dev/null
}

backoff=$BACKOFF_START
next_backoff() {
    backoff=$((backoff * 2))
    [ "$backoff" -gt "$BACKOFF_MAX" ] && backoff=$BACKOFF_MAX
    return 0
}

# http GET|POST url [body-file]: the answer on stdout; non-zero when unreachable or an HTTP error.
http() {
    if [ "$1" = POST ]; then
        with_opts "$TLS_OPTS" timeout "$HTTP_TIMEOUT" wget -q -O - {} --header 'Content-Type: application/json' --post-file "$3" "$2" 2>"$WORK/err"
    else
        with_opts "$TLS_OPTS" timeout "$HTTP_TIMEOUT" wget -q -O - {} "$2" 2>"$WORK/err"
    fi
}
last_error() { tr -d '\r' < "$WORK/err" | sed -n 's/^wget: //p' | head -n 1; }

state=unknown
while kill -0 "$SERVER_PID" 2>/dev/null; do
    if ! status=$(http GET "$ADDR/v1/sys/seal-status"); then
        log "Vault API at $ADDR not answering yet ($(last_error)); retrying in ${backoff}s"
        pause "$backoff"; next_backoff; state=unknown; continue
    fi
    status=$(printf '%s' "$status" | tr -d ' \t\r\n')
    case "$status" in
        *'"sealed":false'*)
            [ "$state" = unsealed ] || log "Vault is unsealed"
            state=unsealed; backoff=$BACKOFF_START
            pause "$WATCH_INTERVAL"; continue ;;
        *'"sealed":true'*) ;;
        *)
            log "unexpected seal-status answer (no \"sealed\" field); retrying in ${backoff}s"
            pause "$backoff"; next_backoff; continue ;;
    esac
    if [ "$state" != sealed ]; then
        case "$status" in
            *'"initialized":false'*) log "Vault is sealed and not initialised (bootstrap initialises it; a pending Raft join completes on unseal)" ;;
            *) log "Vault is sealed" ;;
        esac
        state=sealed
    fi
    if [ ! -s "$KEY_FILE" ]; then
        log "no unseal key at $KEY_FILE yet (first boot before bootstrap?); retrying in ${backoff}s"
        pause "$backoff"; next_backoff; continue
    fi
    key=$(tr -d ' \t\r\n' < "$KEY_FILE")
    case "$key" in
        '' | *[!A-Za-z0-9+/=]*)
            unset key
            log "the file $KEY_FILE does not hold a base64 or hex key; not sending it; retrying in ${backoff}s"
            pause "$backoff"; next_backoff; continue ;;
    esac
    printf '{"key":"%s"}' "$key" > "$WORK/body"
    unset key
    if answer=$(http POST "$ADDR/v1/sys/unseal" "$WORK/body"); then
        rm -f "$WORK/body"
        case "$(printf '%s' "$answer" | tr -d ' \t\r\n')" in
            *'"sealed":false'*)
                log "unsealed with the key from $KEY_FILE"
                state=unsealed; backoff=$BACKOFF_START; continue ;;
            *) log "key accepted but Vault is still sealed (more shares needed?); retrying in ${backoff}s" ;;
        esac
    else
        rm -f "$WORK/body"
        log "unseal rejected ($(last_error)): wrong key, or Vault not initialised yet; retrying in ${backoff}s"
    fi
    pause "$backoff"; next_backoff
done

wait "$SERVER_PID"
code=$?
rm -rf "$WORK"
log "server exited with status $code"
exit "$code"
