#!/bin/sh
# Step 20: waits, bounded, until the wildcard certificate is in SWAG_CERT_DIR and usable: both files there,
# the key is the certificate's, it has not expired, and it names *.<domain>. Exits 0 then, or 1 naming what
# was awaited and the last thing found wrong. Read-only: it never changes anything, so it is safe to re-run.
#
# Environment: CERT_DIR (SWAG_CERT_DIR as seen here), CERT_FILE_NAME and KEY_FILE_NAME (the pair's file names there),
#   DOMAIN (the certificate must name *.<domain>), TIMEOUT (seconds, default 600), POLL (default 5)
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
# shellcheck source=components/certs/scripts/common.sh
command -v pair_hash >/dev/null 2>&1 || . "$(dirname "$0")/common.sh"
LOG_NAME=step-20
: "${CERT_DIR:?CERT_DIR is required}" "${DOMAIN:?DOMAIN is required}"
: "${CERT_FILE_NAME:?CERT_FILE_NAME is required}" "${KEY_FILE_NAME:?KEY_FILE_NAME is required}"
TIMEOUT=${TIMEOUT:-600}
POLL=${POLL:-5}
cert="$CERT_DIR/$CERT_FILE_NAME"
key="$CERT_DIR/$KEY_FILE_NAME"

cert_problem() {
    _p=$(pair_problem "$cert" "$key")
    [ -z "$_p" ] || { echo "$_p"; return 0; }
    _san=$(openssl x509 -in "$cert" -noout -ext subjectAltName 2>/dev/null | tr ',' '\n' | sed 's/^ *//')
    echo "$_san" | grep -qx "DNS:\*\.$(echo "$DOMAIN" | sed 's/\./\\./g')" ||
        { echo "certificate $cert does not name *.$DOMAIN (it names: $(echo "$_san" | grep '^DNS:' | tr '\n' ' '))"; return 0; }
    return 0
}

cert_ready() {
    WAIT_DETAIL=$(cert_problem)
    [ -z "$WAIT_DETAIL" ]
}
wait_until "$TIMEOUT" "$POLL" "a valid certificate for *.$DOMAIN in $CERT_DIR, published by cert-reloader from SWAG" cert_ready || exit 1
say "certificate for *.$DOMAIN is in $CERT_DIR (notAfter=$(cert_not_after "$cert"), sha256 fingerprint=$(cert_fingerprint "$cert"))"
