#!/bin/sh
# cert-reloader: runs beside SWAG with SWAG's config volume (read-only) and publishes the wildcard
# certificate SWAG renews to the StorageBox, where cert-distributor and step 20 pick it up.
#
# Environment:
#   SOURCE_DIR     SWAG's live directory: /config/etc/letsencrypt/live/<domain>
#   SWAG_CERT_FILE_NAME, SWAG_KEY_FILE_NAME   the pair's file names there (fullchain.pem, privkey.pem)
#   TARGET_DIR     SWAG_CERT_DIR on the StorageBox (/mnt/storagebox/ssl)
#   CERT_FILE_NAME, KEY_FILE_NAME   the published pair's file names (STAR.<domain>.full.crt, STAR.<domain>_key.pem)
#   INTERVAL       seconds between checks (default 60)
#   ONCE           1: one pass, exit 0 when published or nothing to do, 3 when refused, 2 when waiting
#   HEARTBEAT_FILE liveness file for the health check
#
# A change is detected by content: the SHA-256 of the source pair is compared with that of the published
# pair, so on start the current certificate is published when the target is missing or different, a touched
# but unchanged file does nothing, and nothing is ever published twice. A pair is read once into a private
# snapshot, checked (both parse, the key is the certificate's, not expired) and only then published by temp
# file + rename with the key 0600. A refused pair is logged once and the published one stays.
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
# shellcheck source=components/certs/scripts/common.sh
command -v pair_hash >/dev/null 2>&1 || . "$(dirname "$0")/common.sh"
LOG_NAME=cert-reloader
: "${SOURCE_DIR:?SOURCE_DIR is required}" "${TARGET_DIR:?TARGET_DIR is required}"
: "${SWAG_CERT_FILE_NAME:?SWAG_CERT_FILE_NAME is required}" "${SWAG_KEY_FILE_NAME:?SWAG_KEY_FILE_NAME is required}"
: "${CERT_FILE_NAME:?CERT_FILE_NAME is required}" "${KEY_FILE_NAME:?KEY_FILE_NAME is required}"
INTERVAL=${INTERVAL:-60}
SRC_CERT="$SOURCE_DIR/$SWAG_CERT_FILE_NAME"
SRC_KEY="$SOURCE_DIR/$SWAG_KEY_FILE_NAME"

reload_once() {
    heartbeat
    if [ ! -e "$SRC_CERT" ] || [ ! -e "$SRC_KEY" ]; then
        note "waiting for SWAG's certificate in $SOURCE_DIR"
        return 2
    fi
    snap=$(snapshot_pair "$SRC_CERT" "$SRC_KEY") || { note "cannot read $SOURCE_DIR"; return 2; }
    new=$(pair_hash "$snap/cert" "$snap/key")
    old=$(pair_hash "$TARGET_DIR/$CERT_FILE_NAME" "$TARGET_DIR/$KEY_FILE_NAME")
    if [ -e "$TARGET_DIR/$CERT_FILE_NAME" ] && [ -e "$TARGET_DIR/$KEY_FILE_NAME" ] && [ "$new" = "$old" ]; then
        rm -rf "$snap"
        last_note=""
        return 0
    fi
    problem=$(pair_problem "$snap/cert" "$snap/key")
    if [ -n "$problem" ]; then
        rm -rf "$snap"
        note "refused SWAG's certificate (sha256 ${new%"${new#????????????}"}): $(echo "$problem" | sed "s#$snap/cert#$SWAG_CERT_FILE_NAME#; s#$snap/key#$SWAG_KEY_FILE_NAME#"); keeping the published one"
        return 3
    fi
    if ! publish_pair "$snap/cert" "$snap/key" "$TARGET_DIR" "$CERT_FILE_NAME" "$KEY_FILE_NAME"; then
        rm -rf "$snap"
        note "could not write to $TARGET_DIR"
        return 1
    fi
    say "published $CERT_FILE_NAME and $KEY_FILE_NAME to $TARGET_DIR (notAfter=$(cert_not_after "$snap/cert"), sha256 fingerprint=$(cert_fingerprint "$snap/cert"))"
    last_note=""
    rm -rf "$snap"
    return 0
}

if [ "${ONCE:-0}" = 1 ]; then
    reload_once
    exit $?
fi
say "watching $SOURCE_DIR every ${INTERVAL}s, publishing to $TARGET_DIR"
while :; do
    reload_once || true
    sleep "$INTERVAL"
done
