#!/bin/sh
# Step 10, Vault TLS placeholder: Vault cannot start without a certificate, and the real wildcard certificate
# only exists once SWAG has issued it and the cert-reloader/cert-distributor have carried it to the node
# (seeds/001). So when the node's ssl directory has no certificate, a self-signed one is put there, under the
# same file names the real one uses, so Vault starts now and the cert-distributor later replaces it.
# An existing certificate is never overwritten: this script only ever fills an empty directory.
#
# All members share ONE placeholder: the first node to need one generates it in SHARED_DIR (on the StorageBox,
# which every node mounts; kept apart from SWAG's certificate directory, whose only writer is the
# cert-reloader), and the others copy it. Raft's retry_join then trusts the peers' certificate through
# `leader_ca_cert_file`, which it could not with three different self-signed certificates.
#
# Environment:
#   SSL_DIR     the node's ssl directory (required; created if missing)
#   DOMAIN      the public domain: the placeholder also names *.<domain> (required)
#   CERT_FILE_NAME, KEY_FILE_NAME   the pair's file names, as the real certificate's (STAR.<domain>.full.crt, STAR.<domain>_key.pem; required)
#   CERT_NAME   the name the certificate is for, e.g. vault.iklim.co (required)
#   SHARED_DIR  where the shared placeholder lives (optional; without it each node generates its own)
#   DAYS        validity of the placeholder, default 30
#   LOCK_WAIT   seconds to wait for another node generating the shared placeholder, default 60
set -eu
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=tls-placeholder

: "${SSL_DIR:?SSL_DIR is required}" "${DOMAIN:?DOMAIN is required}" "${CERT_NAME:?CERT_NAME is required}"
: "${CERT_FILE_NAME:?CERT_FILE_NAME is required}" "${KEY_FILE_NAME:?KEY_FILE_NAME is required}"
DAYS="${DAYS:-30}"
LOCK_WAIT="${LOCK_WAIT:-60}"
CRT="$CERT_FILE_NAME"
KEY="$KEY_FILE_NAME"

mkdir -p "$SSL_DIR"
if [ -s "$SSL_DIR/$CRT" ] && [ -s "$SSL_DIR/$KEY" ]; then
    log "a certificate is present in $SSL_DIR ($CRT); left untouched"
    exit 0
fi
if [ -e "$SSL_DIR/$CRT" ] || [ -e "$SSL_DIR/$KEY" ]; then
    log "only one of $CRT and $KEY is in $SSL_DIR (a copy in progress, or a broken one); not touching it"
    exit 1
fi

# Writes a new self-signed pair into directory $1 (atomically: temp names, then rename).
generate() {
    umask 077
    openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days "$DAYS" \
        -keyout "$1/.$KEY.tmp" -out "$1/.$CRT.tmp" \
        -subj "/CN=$CERT_NAME/O=iklimco TLS placeholder" \
        -addext "subjectAltName=DNS:$CERT_NAME,DNS:*.$DOMAIN,DNS:localhost,IP:127.0.0.1" \
        -addext "basicConstraints=critical,CA:FALSE" \
        -addext "extendedKeyUsage=serverAuth,clientAuth" 2>/dev/null \
        || { log "openssl could not generate the placeholder"; rm -f "$1/.$KEY.tmp" "$1/.$CRT.tmp"; exit 1; }
    chmod 0644 "$1/.$CRT.tmp"
    chmod 0600 "$1/.$KEY.tmp"
    mv "$1/.$KEY.tmp" "$1/$KEY"
    mv "$1/.$CRT.tmp" "$1/$CRT"
}

# Copies the pair from $1 into the node's directory without ever overwriting (the checks above ran first;
# the temp names keep a half-copied pair from looking like a certificate).
install_from() {
    umask 077
    cp "$1/$KEY" "$SSL_DIR/.$KEY.tmp" && cp "$1/$CRT" "$SSL_DIR/.$CRT.tmp"
    chmod 0600 "$SSL_DIR/.$KEY.tmp"
    chmod 0644 "$SSL_DIR/.$CRT.tmp"
    mv "$SSL_DIR/.$KEY.tmp" "$SSL_DIR/$KEY"
    mv "$SSL_DIR/.$CRT.tmp" "$SSL_DIR/$CRT"
}

if [ -z "${SHARED_DIR:-}" ]; then
    generate "$SSL_DIR"
    log "no certificate in $SSL_DIR: placed a self-signed placeholder for $CERT_NAME, valid $DAYS days"
    exit 0
fi

# The shared pair is usable when both files are there and it is valid for at least another day.
shared_usable() {
    [ -s "$SHARED_DIR/$CRT" ] && [ -s "$SHARED_DIR/$KEY" ] && openssl x509 -noout -checkend 86400 -in "$SHARED_DIR/$CRT" >/dev/null 2>&1
}

mkdir -p "$SHARED_DIR"
if ! shared_usable; then
    # One generator at a time across nodes: mkdir is atomic on the shared mount.
    take_lock() { mkdir "$SHARED_DIR/.lock" 2>/dev/null; }
    wait_until "$LOCK_WAIT" 1 "the lock $SHARED_DIR/.lock (a crashed run? remove it)" take_lock || exit 1
    trap 'rmdir "$SHARED_DIR/.lock" 2>/dev/null || true' EXIT
    if ! shared_usable; then
        generate "$SHARED_DIR"
        log "generated the shared self-signed placeholder for $CERT_NAME in $SHARED_DIR, valid $DAYS days"
    fi
fi
install_from "$SHARED_DIR"
log "no certificate in $SSL_DIR: placed the shared self-signed placeholder for $CERT_NAME"
