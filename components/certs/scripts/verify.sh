#!/usr/bin/env bash
# The certificate flow's verification (seeds/001 "Verification"), run on a Swarm manager by the deploy
# workflow after `pulumi up` (step 24) and by an operator at any time:
#   - cert-reloader and cert-distributor run (every task they should have);
#   - every Vault member service runs, and answers /v1/sys/health unsealed (200 active, 429 standby);
#   - the certificate each member serves on its port has the same fingerprint and notAfter as the file in its
#     node's ssl dir, which is the one published in SWAG_CERT_DIR.
# A mismatch fails naming the node, what its member serves and what its ssl dir holds. Read-only.
#
# Environment (the stack output `certVerifyCommand` prints the full command line):
#   RELOADER_SERVICE, DISTRIBUTOR_SERVICE   Swarm service names (iklimco_cert-reloader, iklimco_cert-distributor)
#   VAULT_MEMBERS      "node=service=host:port ..." (iklimco-1=iklimco_vault-1=vault-1:8200 ...)
#   NETWORK            the attachable overlay the members are on (iklimco-net)
#   SWAG_CERT_DIR      the published certificate and the distributors' reports (<dir>/.distributor/nodes/<node>)
#   CERT_FILE_NAME (the published certificate's file name), CERT_TOOLS_IMAGE, TLS_SERVER_NAME; optional EXPECT_NOT_AFTER, REPORT_MAX_AGE, PROBE_TIMEOUT
#   WAIT               seconds to keep re-checking until everything passes (default 0: check once); the
#                      deploy uses it to wait for the distributors' rolling restart after a renewal
#   CHECK_SCRIPT       verify-probe.sh as shipped, its libraries bundled (when this file is not run from its directory)
set -uo pipefail
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
LOG_NAME=cert-verify
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${RELOADER_SERVICE:?}" "${DISTRIBUTOR_SERVICE:?}" "${VAULT_MEMBERS:?}" "${NETWORK:?}" "${SWAG_CERT_DIR:?}" "${CERT_FILE_NAME:?}" "${CERT_TOOLS_IMAGE:?}"

# Running: every task the service wants is running (replicated n/n, global one per eligible node).
running() {
    local line
    line=$(timeout 30 docker service ls --filter "name=$1" --format '{{.Name}} {{.Replicas}}' 2>&1 | awk -v n="$1" '$1 == n {print $2}')
    if [[ "$line" =~ ^([0-9]+)/([0-9]+) ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[2]}" -gt 0 ]; then
        say "$1 is running ($line)"
    else
        say "FAIL: $1 is not running (replicas: ${line:-service not found})"
        failed=1
    fi
}
# From a checkout: the probe's libraries first, in the order it loads them (its guarded loads then skip).
probe="${CHECK_SCRIPT:-$(cat "$here/../../shell/lib.sh" "$here/common.sh" "$here/verify-probe.sh")}"
WAIT=${WAIT:-0}

check() {
    failed=0
    running "$RELOADER_SERVICE"
    running "$DISTRIBUTOR_SERVICE"
    for m in $VAULT_MEMBERS; do
        rest=${m#*=}
        running "${rest%%=*}"
    done

    # The TLS checks run on the overlay, where the members' names resolve; the script goes in on stdin.
    printf '%s\n' "$probe" |
        timeout 300 docker run --rm -i --network "$NETWORK" -v "$SWAG_CERT_DIR:/certs:ro" \
            -e CERT_FILE_NAME -e VAULT_MEMBERS -e TLS_SERVER_NAME -e EXPECT_NOT_AFTER -e REPORT_MAX_AGE -e PROBE_TIMEOUT \
            "$CERT_TOOLS_IMAGE" sh -s || failed=1
    return "$failed"
}

attempt=0
checked() {
    attempt=$((attempt + 1))
    out=$(check 2>&1)
}
if ! wait_until "$WAIT" 5 "" checked; then
    printf '%s\n' "$out"
    say "FAILED${WAIT:+ (checked $attempt times over ${WAIT}s)}"
    exit 1
fi
printf '%s\n' "$out"
say "OK"
