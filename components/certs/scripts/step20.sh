#!/usr/bin/env bash
# Step 20 on the manager: runs wait-cert.sh (CHECK_SCRIPT, as shipped with its libraries) inside the cert-tools
# image with SWAG_CERT_DIR mounted read-only, so the manager needs only the docker CLI. The StorageBox is
# mounted at the same path on every node, the manager included.
set -euo pipefail
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
LOG_NAME="step 20"
: "${CERT_TOOLS_IMAGE:?}" "${CHECK_SCRIPT:?}" "${SWAG_CERT_DIR:?}" "${DOMAIN:?}" "${CERT_FILE_NAME:?}" "${KEY_FILE_NAME:?}"
TIMEOUT=${TIMEOUT:-600}
export TIMEOUT DOMAIN CERT_FILE_NAME KEY_FILE_NAME
mkdir -p "$SWAG_CERT_DIR"
# certificates.mode self-signed (no public DNS): put a self-signed *.<domain> pair there first, unless one is
# already there (the placeholder script never overwrites).
if [ -n "${SELF_SIGNED_SCRIPT:-}" ]; then
    printf '%s\n' "$SELF_SIGNED_SCRIPT" |
        timeout 180 docker run --rm -i -v "$SWAG_CERT_DIR:/certs" -e SSL_DIR=/certs -e DOMAIN -e CERT_FILE_NAME -e KEY_FILE_NAME -e CERT_NAME="${CERT_NAME:?}" \
            "$CERT_TOOLS_IMAGE" sh -s
fi
# The outer bound covers pulling the image and starting the container on top of the check's own timeout.
printf '%s\n' "$CHECK_SCRIPT" |
    timeout "$((TIMEOUT + 180))" docker run --rm -i -v "$SWAG_CERT_DIR:/certs:ro" -e CERT_DIR=/certs -e DOMAIN -e CERT_FILE_NAME -e KEY_FILE_NAME -e TIMEOUT \
        "$CERT_TOOLS_IMAGE" sh -s || {
    rc=$?
    [ "$rc" -ne 124 ] || log "timed out after $((TIMEOUT + 180))s running the certificate check in $CERT_TOOLS_IMAGE"
    exit "$rc"
}
