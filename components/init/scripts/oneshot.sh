#!/usr/bin/env bash
# Runs one one-shot container on the attachable overlay from the swarm manager (managerScript feeds this file
# with its environment on stdin). The container gets non-secret settings as -e NAME=VALUE, runs ONESHOT_ENTRY
# with bash (or the image's own command when ONESHOT_ENTRY is empty), and reads ONESHOT_STDIN (the secrets) on
# its stdin, which a bash builtin writes: no secret is ever on a command line. Bounded by ONESHOT_TIMEOUT; the
# container is removed on exit or timeout. Exits with the container's status, so the deploy stops there.
#
# Environment: ONESHOT_NAME, ONESHOT_IMAGE, ONESHOT_NETWORK, ONESHOT_ENTRY, ONESHOT_ENV (lines NAME=VALUE;
# a value may not contain a newline: pass multi-line text as ONESHOT_ENV_<NAME>), ONESHOT_STDIN, ONESHOT_TIMEOUT
# (seconds, default 600), DOCKER (the docker CLI; tests put a stand-in here).
set -euo pipefail
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
: "${ONESHOT_NAME:?}" "${ONESHOT_IMAGE:?}" "${ONESHOT_NETWORK:?}"
LOG_NAME="oneshot $ONESHOT_NAME"
DOCKER="${DOCKER:-docker}"
timeout_s="${ONESHOT_TIMEOUT:-600}"
container="${ONESHOT_NAME}-$$"
# Keep the secrets in a shell variable only, out of the environment the docker CLI inherits.
payload="${ONESHOT_STDIN:-}"
export -n ONESHOT_STDIN 2>/dev/null || true
unset ONESHOT_STDIN

args=(run -i --rm --name "$container" --network "$ONESHOT_NETWORK" --label com.iklimco.oneshot="$ONESHOT_NAME")
while IFS= read -r kv; do
  [ -n "$kv" ] && args+=(-e "$kv")
done <<< "${ONESHOT_ENV:-}"
# Multi-line values (scripts, rendered files): ONESHOT_ENV_<NAME> becomes NAME inside the container. Passing
# them by name (-e NAME) keeps their text out of the command line.
for var in $(compgen -v ONESHOT_ENV_ || true); do
  name="${var#ONESHOT_ENV_}"
  export "$name"="${!var}"
  args+=(-e "$name")
done
if [ -n "${ONESHOT_ENTRY:-}" ]; then
  export ONESHOT_ENTRY_SCRIPT="$ONESHOT_ENTRY"
  # shellcheck disable=SC2016 # expanded inside the container
  args+=(-e ONESHOT_ENTRY_SCRIPT "$ONESHOT_IMAGE" bash -c 'exec bash -c "$ONESHOT_ENTRY_SCRIPT" oneshot')
else
  args+=("$ONESHOT_IMAGE")
fi

say "running $ONESHOT_IMAGE on $ONESHOT_NETWORK (at most ${timeout_s}s)"
set +e
printf '%s' "$payload" | timeout "$timeout_s" "$DOCKER" "${args[@]}"
# The container's status: one that never reads its stdin (an image's own command) may exit before the payload is
# written, and that write's SIGPIPE is not the job failing.
status=${PIPESTATUS[1]}
set -e
if [ "$status" -eq 124 ]; then
  "$DOCKER" rm -f "$container" >/dev/null 2>&1 || true
  log "timed out after ${timeout_s}s waiting for the container of $ONESHOT_IMAGE to finish"
  exit 124
fi
if [ "$status" -ne 0 ]; then
  log "failed with status $status"
fi
exit "$status"
