#!/usr/bin/env bash
# Vault bootstrap on the manager (what init/vault/vault-bootstrap.sh did). Two modes:
#
# MODE=init   before the members' services exist on a first deploy. Vault hands out its unseal key exactly
#             once, at initialisation, and the members must mount that key as a Swarm secret from their first
#             start; so the initialisation cannot wait for the members (that would be a cycle: service ->
#             init -> secret -> service). Instead, when `<stack>_vault-1` does not exist yet, a transient
#             server `<stack>_vault-bootstrap` is started on vault-1's node, on vault-1's data volume, with
#             vault-1's config and overlay name: it is initialised through the overlay, then stopped before the
#             real vault-1 starts on the same volume. When vault-1 already runs, it is asked directly, and an
#             initialised Vault is left alone (nothing is initialised twice, no key rotates).
#             The init answer (key and root token) is made durable before it is printed: encrypted (openssl,
#             AES-256-CBC, PBKDF2) under ESCROW_KEY, a random key Pulumi made and recorded in the encrypted
#             stack state before this command ran, and stored as the Swarm config ESCROW_NAME (Raft-replicated
#             to every manager, readable back by a manager, never plain text anywhere). Only then is it printed
#             for Pulumi to capture. If anything fails after that (the SSH session drops, the engine dies
#             before it records the output), a rerun finds Vault initialised, decrypts the escrowed answer and
#             prints it again: the same key, no second initialisation. SIGHUP and SIGPIPE are ignored in this
#             mode so a dropped session cannot stop the script between Vault's answer and the escrow.
#             An escrow with an uninitialised Vault is refused (ALLOW_INIT=no): that answer opens other data.
# MODE=ready  after the members converged: waits until every member is initialised and unsealed, then removes
#             the escrow (the members run with the key, so Pulumi has recorded the answer).
#
# The HTTP work happens in a one-shot container of the Vault image on the attachable overlay
# (`docker run --network`), running JOB_SCRIPT (vault-init.sh or vault-ready.sh); the runner never joins it.
#
# Environment: MODE, STACK, NETWORK, IMAGE, JOB_SCRIPT, WAIT_SECONDS; for init also MEMBER_NAME (vault-1),
# NODE, DATA_VOLUME, SSL_DIR, SERVER_CONFIG_JSON, ENTRYPOINT_SCRIPT, ESCROW_KEY (secret), ESCROW_NAME; for ready MEMBERS (base URLs) and ESCROW_NAME;
# REGISTRY, REGISTRY_USER, REGISTRY_PASSWORD when the image needs a login (the password arrives on stdin).
set -euo pipefail
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=vault-bootstrap
: "${MODE:?}" "${STACK:?}" "${NETWORK:?}" "${IMAGE:?}" "${JOB_SCRIPT:?}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"
: "${ESCROW_NAME:?ESCROW_NAME is required}"

registry_login

# Runs JOB_SCRIPT in a one-shot container on the overlay; its stdout is this script's stdout.
one_shot() {
    docker run --rm -i --network "$NETWORK" --entrypoint /bin/sh \
        -e WAIT_SECONDS="$WAIT_SECONDS" -e WGET_TLS_OPTS=--no-check-certificate "$@" "$IMAGE" -s <<< "$JOB_SCRIPT"
}

TRANSIENT="${STACK}_vault-bootstrap"
stop_transient() {
    # --replicas 0 without --detach returns once the task has stopped, so the volume is free for vault-1.
    timeout "$WAIT_SECONDS" docker service update --replicas 0 "$TRANSIENT" >/dev/null 2>&1 || log "the transient server did not stop within ${WAIT_SECONDS}s"
    docker service rm "$TRANSIENT" >/dev/null 2>&1 || true
}

escrow_present() { docker config inspect "$ESCROW_NAME" >/dev/null 2>&1; }

# The escrowed answer, decrypted, on stdout; fails (non-zero) when it cannot be read or decrypted.
escrow_read() {
    docker config inspect --format '{{json .Spec.Data}}' "$ESCROW_NAME" | tr -d '"' | base64 -d |
        openssl enc -d -aes-256-cbc -pbkdf2 -iter 200000 -a -A -pass env:ESCROW_KEY 2>/dev/null
}

# Stores the answer (stdin) encrypted as the Swarm config ESCROW_NAME; a few tries, it is the key's only copy.
escrow_write() {
    local answer sealed try
    answer=$(cat)
    sealed=$(printf '%s' "$answer" | openssl enc -aes-256-cbc -pbkdf2 -iter 200000 -salt -a -A -pass env:ESCROW_KEY) || return 1
    for try in 1 2 3 4 5; do
        printf '%s' "$sealed" | docker config create --label com.iklimco.managed-by=pulumi --label com.iklimco.purpose=vault-init-escrow \
            "$ESCROW_NAME" - >/dev/null && return 0
        log "storing the escrow $ESCROW_NAME failed (try $try of 5)"
        sleep "$try"
    done
    return 1
}

is_init_answer() { printf '%s' "$1" | tr -d ' \t\r\n' | grep -q '"keys_base64":\["[^"]\{1,\}".*"root_token":"[^"]\{1,\}"'; }

case "$MODE" in
init)
    : "${MEMBER_NAME:?}" "${NODE:?}" "${DATA_VOLUME:?}" "${SSL_DIR:?}" "${SERVER_CONFIG_JSON:?}" "${ENTRYPOINT_SCRIPT:?}"
    : "${ESCROW_KEY:?ESCROW_KEY is required: the key the init answer is escrowed under}"
    # Checked before anything touches Vault: without openssl the answer could not be escrowed.
    command -v openssl >/dev/null || { log "openssl is not installed on this manager: it is needed to escrow Vault's init answer (apt-get install openssl)"; exit 2; }
    trap '' HUP PIPE
    allow_init=yes
    if escrow_present; then
        allow_init=no
        log "an escrowed init answer exists ($ESCROW_NAME): an earlier run initialised Vault; recovering it, never initialising again"
    fi
    if docker service inspect "${STACK}_${MEMBER_NAME}" >/dev/null 2>&1; then
        log "${STACK}_${MEMBER_NAME} runs: asking it whether Vault is initialised"
    else
        docker service inspect "$TRANSIENT" >/dev/null 2>&1 && stop_transient
        log "starting the transient server $TRANSIENT on $NODE (volume $DATA_VOLUME) to initialise Vault"
        # One task and no published port: DNS round-robin resolves the name straight to the task (no VIP needed).
        docker service create --name "$TRANSIENT" --replicas 1 --endpoint-mode dnsrr --constraint "node.hostname == $NODE" \
            --network "name=$NETWORK,alias=$MEMBER_NAME,alias=vault-bootstrap" \
            --mount "type=volume,src=$DATA_VOLUME,dst=/vault/data" \
            --mount "type=bind,src=$SSL_DIR,dst=/vault/certs,readonly" \
            --env "VAULT_CONFIG_JSON=$SERVER_CONFIG_JSON" \
            --restart-condition on-failure --label com.iklimco.managed-by=pulumi --detach --quiet ${REGISTRY_PASSWORD:+--with-registry-auth} \
            --entrypoint /bin/sh "$IMAGE" -c "$ENTRYPOINT_SCRIPT" >/dev/null
        at_exit stop_transient
    fi
    answer=$(one_shot -e VAULT_ADDR="https://${MEMBER_NAME}:8200" -e ALLOW_INIT="$allow_init")
    if is_init_answer "$answer"; then
        escrow_write <<< "$answer" ||
            log "ERROR: the init answer could not be escrowed as $ESCROW_NAME; it is printed once now: if this deploy fails before Pulumi records it, the unseal key is lost"
        log "escrowed the init answer as the Swarm config $ESCROW_NAME (encrypted)"
        printf '%s\n' "$answer"
    elif escrow_present; then
        recovered=$(escrow_read) || { log "FAILED: the escrow $ESCROW_NAME cannot be decrypted with this stack's escrow key (was the stack's vault init escrow key replaced?)"; exit 1; }
        is_init_answer "$recovered" || { log "FAILED: the escrow $ESCROW_NAME does not hold an init answer"; exit 1; }
        log "Vault is initialised and its init answer was escrowed: recovered it from $ESCROW_NAME (no second initialisation)"
        printf '%s\n' "$recovered" | tr -d ' \t\r\n'
        echo
    else
        printf '%s\n' "$answer"
    fi
    ;;
ready)
    : "${MEMBERS:?}"
    one_shot -e MEMBERS="$MEMBERS"
    # Every member runs with the unseal key, so Pulumi recorded the init answer: the escrow has done its job.
    if escrow_present; then
        docker config rm "$ESCROW_NAME" >/dev/null && log "removed the init answer escrow $ESCROW_NAME (the stack state holds the answer)"
    fi
    ;;
*)
    log "unknown MODE $MODE (init or ready)"; exit 2 ;;
esac
