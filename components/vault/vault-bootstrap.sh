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
#             The init answer (key and root token) goes to stdout only, captured by Pulumi as a secret.
# MODE=ready  after the members converged: waits until every member is initialised and unsealed.
#
# The HTTP work happens in a one-shot container of the Vault image on the attachable overlay
# (`docker run --network`), running JOB_SCRIPT (vault-init.sh or vault-ready.sh); the runner never joins it.
#
# Environment: MODE, STACK, NETWORK, IMAGE, JOB_SCRIPT, WAIT_SECONDS; for init also MEMBER_NAME (vault-1),
# NODE, DATA_VOLUME, SSL_DIR, SERVER_CONFIG_HCL, ENTRYPOINT_SCRIPT; for ready MEMBERS (base URLs);
# REGISTRY, REGISTRY_USER, REGISTRY_PASSWORD when the image needs a login (the password arrives on stdin).
set -euo pipefail
: "${MODE:?}" "${STACK:?}" "${NETWORK:?}" "${IMAGE:?}" "${JOB_SCRIPT:?}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"
log() { echo "vault-bootstrap: $*" >&2; }

cleanup_steps=()
cleanup() { local s; for s in "${cleanup_steps[@]}"; do eval "$s" || true; done; }
trap cleanup EXIT

auth=()
if [ -n "${REGISTRY_PASSWORD:-}" ]; then
    DOCKER_CONFIG=$(mktemp -d) && export DOCKER_CONFIG
    # shellcheck disable=SC2016 # expanded when the cleanup runs
    cleanup_steps+=('rm -rf "$DOCKER_CONFIG"')
    printf '%s' "$REGISTRY_PASSWORD" | docker login --username "$REGISTRY_USER" --password-stdin "$REGISTRY" >/dev/null
    auth=(--with-registry-auth)
fi

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

case "$MODE" in
init)
    : "${MEMBER_NAME:?}" "${NODE:?}" "${DATA_VOLUME:?}" "${SSL_DIR:?}" "${SERVER_CONFIG_HCL:?}" "${ENTRYPOINT_SCRIPT:?}"
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
            --env "VAULT_CONFIG_HCL=$SERVER_CONFIG_HCL" \
            --restart-condition on-failure --label com.iklimco.managed-by=pulumi --detach --quiet "${auth[@]}" \
            --entrypoint /bin/sh "$IMAGE" -c "$ENTRYPOINT_SCRIPT" >/dev/null
        cleanup_steps+=(stop_transient)
    fi
    one_shot -e VAULT_ADDR="https://${MEMBER_NAME}:8200"
    ;;
ready)
    : "${MEMBERS:?}"
    one_shot -e MEMBERS="$MEMBERS"
    ;;
*)
    log "unknown MODE $MODE (init or ready)"; exit 2 ;;
esac
