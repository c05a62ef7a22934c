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
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=node-job
: "${JOB_NAME:?}" "${NODE:?}" "${IMAGE:?}" "${JOB_SCRIPT:?}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"

registry_login

remove_job() { docker service rm "$JOB_NAME" >/dev/null 2>&1 || true; }
remove_job

args=(--name "$JOB_NAME" --mode replicated-job --restart-condition none --constraint "node.hostname == $NODE"
      --label com.iklimco.managed-by=pulumi --detach --quiet ${REGISTRY_PASSWORD:+--with-registry-auth})
while IFS= read -r m; do [ -n "$m" ] && args+=(--mount "type=bind,src=${m%%:*},dst=${m#*:}"); done <<< "${JOB_MOUNTS:-}"
while IFS= read -r e; do [ -n "$e" ] && args+=(--env "$e"); done <<< "${JOB_ENV:-}"

at_exit remove_job
docker service create "${args[@]}" "$IMAGE" sh -c "$JOB_SCRIPT" >/dev/null

# Finished: completed, or failed for good (the job never restarts).
state=""
job_finished() {
    state=$(docker service ps "$JOB_NAME" --no-trunc --format '{{.CurrentState}}|{{.Error}}' 2>/dev/null | head -n 1 || true)
    WAIT_DETAIL="last state: ${state:-none}"
    case "$state" in Complete* | Failed* | Rejected* | Shutdown* | Orphaned*) return 0 ;; esac
    return 1
}
if ! wait_until "$WAIT_SECONDS" 2 "job $JOB_NAME on node $NODE" job_finished; then
    docker service logs --raw "$JOB_NAME" >&2 2>/dev/null || true
    exit 1
fi
docker service logs --raw "$JOB_NAME" >&2 2>/dev/null || true
case "$state" in
    Complete*) log "$JOB_NAME completed on $NODE" ;;
    *) log "$JOB_NAME failed on $NODE: $state"; exit 1 ;;
esac
