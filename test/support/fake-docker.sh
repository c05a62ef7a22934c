#!/usr/bin/env bash
# A stand-in for the docker CLI, for the tests of scripts that call it on a host without Docker. It answers
# only the calls those scripts may make; anything else fails.
#
# `run` / `rm` (scripts/oneshot.sh, the init jobs): `run` executes the container's command on this host with
# exactly the environment the container would get (-e NAME=VALUE, or -e NAME taken from the caller) plus the
# variables FAKE_DOCKER_PASS names (host tool paths), and stdin passed through; `rm` is a no-op.
# FAKE_DOCKER_ARGV, when set, receives every argument, one per line, so tests can check the command line.
#
# `service update` / `service inspect` (the cert-distributor, with FAKE_DOCKER_STATE set): an update restarts
# the member's openssl s_server (described in $FAKE_DOCKER_STATE/<svc>.conf: PORT, CERT, KEY, WWW) onto the
# files in its node's ssl dir, answering /v1/sys/health 503 (sealed) for 2 s and then 200, as Vault's
# retry-unseal loop would; inspect says the update completed. Every update and every unseal is logged with a
# millisecond timestamp in $FAKE_DOCKER_STATE/calls, and so is any unexpected call.
set -euo pipefail
if [ -n "${FAKE_DOCKER_ARGV:-}" ]; then printf '%s\n' "$@" >> "$FAKE_DOCKER_ARGV"; fi

unexpected() {
  if [ -n "${FAKE_DOCKER_STATE:-}" ]; then echo "unexpected $*" >> "$FAKE_DOCKER_STATE/calls"; fi
  echo "fake docker: unexpected call: $*" >&2
  exit 2
}

now() { date +%s%N | cut -c1-13; }

case "${1:-} ${2:-}" in
"service update")
  state=${FAKE_DOCKER_STATE:?}
  for svc; do :; done
  echo "update $svc $(now)" >> "$state/calls"
  # shellcheck source=/dev/null
  . "$state/$svc.conf"
  kill "$(cat "$state/$svc.pid")" 2>/dev/null || true
  sleep 0.5
  printf 'HTTP/1.0 503 Service Unavailable\r\n\r\n{"sealed":true}\n' > "$WWW/v1/sys/health"
  (cd "$WWW" && exec openssl s_server -quiet -accept "$PORT" -HTTP -cert "$CERT" -key "$KEY") >/dev/null 2>&1 </dev/null &
  echo $! > "$state/$svc.pid"
  (sleep 2; printf 'HTTP/1.0 200 OK\r\n\r\n{"sealed":false}\n' > "$WWW/v1/sys/h" && mv "$WWW/v1/sys/h" "$WWW/v1/sys/health"; echo "unsealed $svc $(now)" >> "$state/calls") >/dev/null 2>&1 </dev/null &
  exit 0
  ;;
"service inspect")
  echo completed
  exit 0
  ;;
esac

cmd="${1:-}"
shift || true
case "$cmd" in
  rm) exit 0 ;;
  run) ;;
  *) unexpected "$cmd" "$@" ;;
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
  # shellcheck disable=SC2016 # expanded by the inner bash, in the container's environment
  exec env -i "${envs[@]}" bash -c 'echo "fake docker: $0 ran its own command with SPRING_PROFILES_ACTIVE=${SPRING_PROFILES_ACTIVE-} ETCD_ENDPOINTS=${ETCD_ENDPOINTS-}"' "$image"
fi
exec env -i PATH="$PATH" "${envs[@]}" "$@"
