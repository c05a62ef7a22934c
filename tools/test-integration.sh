#!/usr/bin/env bash
# The integration suite (`npm run test:integration`) in three streams at once, each line prefixed with its stream:
# - docker-a and docker-b: the tests that use the Docker engine, split in two by file (DOCKER_A below, every
#   other file of test/integration/docker in docker-b); within a stream they run one after another. They share
#   the one-node swarm without sharing anything on it: each file names its stacks, services, networks, secrets
#   and volumes for itself, publishes on free ports, and the node's role labels are only ever added
#   (test/support/docker.ts ensureSwarm);
# - host: the tests that start their own servers as processes on loopback ports.
# Most of the streams' time is spent waiting for servers, so running them together shortens the suite without
# making any test share anything. Exits non-zero when any stream fails. Extra arguments go to every mocha.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

DOCKER=test/integration/docker
# docker-a's files, chosen so both docker streams take about as long (docs/testing.md has the figures);
# the migration test and the migration plan's live reads stay in one stream.
DOCKER_A=(
  migration-e2e migration-plan adoption infradb-swarm local-stack-swarm secret-rotation ownership
  certs-distributor vault-init-escrow verify
)

run_stream() {
  local name=$1
  shift
  npx mocha "$@" 2>&1 | sed -u "s/^/[${name}] /"
  return "${PIPESTATUS[0]}"
}

a_files=()
b_ignores=()
for f in "${DOCKER_A[@]}"; do
  a_files+=("${DOCKER}/${f}.test.ts")
  b_ignores+=(--ignore "${DOCKER}/${f}.test.ts")
done

run_stream docker-a "$@" "${a_files[@]}" &
a_pid=$!
run_stream docker-b "$@" "${b_ignores[@]}" "${DOCKER}/**/*.test.ts" &
b_pid=$!
run_stream host "$@" "test/integration/host/**/*.test.ts" &
host_pid=$!

status=0
wait "$a_pid" || { status=1; echo "integration: the docker-a stream failed"; }
wait "$b_pid" || { status=1; echo "integration: the docker-b stream failed"; }
wait "$host_pid" || { status=1; echo "integration: the host stream failed"; }
exit "$status"
