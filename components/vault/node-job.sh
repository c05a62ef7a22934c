#!/usr/bin/env bash
# Runs a small script on ONE node of the swarm, from the manager: a Swarm replicated-job pinned with
# `node.hostname == $NODE`, with the bind mounts it needs, waited for (bounded), its logs shown, then removed.
# Used for step 10 (the TLS placeholder has to be written on each Vault node's own disk). Idempotent: a
# leftover job of the same name (a crashed earlier run) is removed first; the job's script checks state itself.
#
# Environment: JOB_NAME, NODE, IMAGE, JOB_SCRIPT (the script's text; not secret), JOB_ENV (KEY=value lines,
# not secret), JOB_MOUNTS (`host-path:container-path` lines), WAIT_SECONDS (default 300);
# REGISTRY, REGISTRY_USER, REGISTRY_PASSWORD when the image needs a login (the password arrives on stdin).
set -euo pipefail
: "${JOB_NAME:?}" "${NODE:?}" "${IMAGE:?}" "${JOB_SCRIPT:?}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"

auth=()
if [ -n "${REGISTRY_PASSWORD:-}" ]; then
    DOCKER_CONFIG=$(mktemp -d) && export DOCKER_CONFIG
    trap 'rm -rf "$DOCKER_CONFIG"' EXIT
    printf '%s' "$REGISTRY_PASSWORD" | docker login --username "$REGISTRY_USER" --password-stdin "$REGISTRY" >/dev/null
    auth=(--with-registry-auth)
fi

remove_job() { docker service rm "$JOB_NAME" >/dev/null 2>&1 || true; }
remove_job

args=(--name "$JOB_NAME" --mode replicated-job --restart-condition none --constraint "node.hostname == $NODE"
      --label com.iklimco.managed-by=pulumi --detach --quiet "${auth[@]}")
while IFS= read -r m; do [ -n "$m" ] && args+=(--mount "type=bind,src=${m%%:*},dst=${m#*:}"); done <<< "${JOB_MOUNTS:-}"
while IFS= read -r e; do [ -n "$e" ] && args+=(--env "$e"); done <<< "${JOB_ENV:-}"

trap 'remove_job; [ -n "${DOCKER_CONFIG:-}" ] && rm -rf "$DOCKER_CONFIG"' EXIT
docker service create "${args[@]}" "$IMAGE" sh -c "$JOB_SCRIPT" >/dev/null

deadline=$((SECONDS + WAIT_SECONDS))
state=""
while :; do
    state=$(docker service ps "$JOB_NAME" --no-trunc --format '{{.CurrentState}}|{{.Error}}' 2>/dev/null | head -n 1 || true)
    case "$state" in
        Complete*) break ;;
        Failed* | Rejected* | Shutdown* | Orphaned*) break ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "node-job: timed out after ${WAIT_SECONDS}s waiting for job $JOB_NAME on node $NODE (last state: ${state:-none})" >&2
        docker service logs --raw "$JOB_NAME" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 2
done
docker service logs --raw "$JOB_NAME" >&2 2>/dev/null || true
case "$state" in
    Complete*) echo "node-job: $JOB_NAME completed on $NODE" >&2 ;;
    *) echo "node-job: $JOB_NAME failed on $NODE: $state" >&2; exit 1 ;;
esac
