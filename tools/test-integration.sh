#!/usr/bin/env bash
# The integration suite (`npm run test:integration`) in two streams at once, each line prefixed with its stream:
# - docker: the tests that use the Docker engine run one after another, since they share the one-node swarm
#   (node labels, published ports, stack names);
# - host: the tests that start their own servers as processes on loopback ports run beside them.
# Most of both streams' time is spent waiting for servers, so running them together shortens the suite without
# making any test share anything. Exits non-zero when either stream fails. Extra arguments go to both mochas.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

run_stream() {
  local name=$1
  shift
  npx mocha "$@" "test/integration/${name}/**/*.test.ts" 2>&1 | sed -u "s/^/[${name}] /"
  return "${PIPESTATUS[0]}"
}

run_stream docker "$@" &
docker_pid=$!
run_stream host "$@" &
host_pid=$!

status=0
wait "$docker_pid" || { status=1; echo "integration: the docker stream failed"; }
wait "$host_pid" || { status=1; echo "integration: the host stream failed"; }
exit "$status"
