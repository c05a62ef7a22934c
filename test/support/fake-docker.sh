#!/usr/bin/env bash
# A stand-in for the docker CLI in tests of scripts/oneshot.sh: `run` executes the container's command on this
# host with exactly the environment the container would get (-e NAME=VALUE, or -e NAME taken from the caller)
# plus the variables FAKE_DOCKER_PASS names (host tool paths), and stdin passed through; `rm` is a no-op.
# FAKE_DOCKER_ARGV, when set, receives every argument, one per line, so tests can check the command line.
set -euo pipefail
if [ -n "${FAKE_DOCKER_ARGV:-}" ]; then printf '%s\n' "$@" >> "$FAKE_DOCKER_ARGV"; fi
cmd="$1"
shift
case "$cmd" in
  rm) exit 0 ;;
  run) ;;
  *) echo "fake docker: only run and rm" >&2; exit 2 ;;
esac
envs=()
while [ $# -gt 0 ]; do
  case "$1" in
    -i|--rm) shift ;;
    --name|--network|--label) shift 2 ;;
    -e)
      if [[ "$2" == *=* ]]; then envs+=("$2"); else envs+=("$2=${!2-}"); fi
      shift 2 ;;
    -*) echo "fake docker: unexpected option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
image="$1"
shift
for v in ${FAKE_DOCKER_PASS:-}; do envs+=("$v=${!v-}"); done
if [ $# -eq 0 ]; then
  # The image's own command: report what it would have been given (names and non-secret values only).
  exec env -i "${envs[@]}" bash -c 'echo "fake docker: $0 ran its own command with SPRING_PROFILES_ACTIVE=${SPRING_PROFILES_ACTIVE-} ETCD_ENDPOINTS=${ETCD_ENDPOINTS-}"' "$image"
fi
exec env -i PATH="$PATH" "${envs[@]}" "$@"
