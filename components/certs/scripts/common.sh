# shellcheck shell=sh
# Shared functions of the certificate scripts (POSIX sh: busybox, dash, bash), loaded by each of them and bundled
# into the text the services run (components/shell/index.ts). Never run alone.
# Needs: openssl, sha256sum, cut, mv, cp, chmod, date, sleep, timeout.
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"

# The certificate services run for months: their lines carry the time.
utc_time() { date -u +%Y-%m-%dT%H:%M:%SZ; }
LOG_CLOCK=utc_time
fail() { log "ERROR: $*"; exit 1; }

# Logs a message once until the situation changes (no line per poll while nothing happens).
last_note=""
note() { [ "$1" = "$last_note" ] || say "$1"; last_note=$1; }

# The service's liveness file, read by its Swarm health check; every loop and every wait touches it.
heartbeat() { [ -n "${HEARTBEAT_FILE:-}" ] && date +%s > "$HEARTBEAT_FILE" 2>/dev/null; return 0; }

# Content hash of a certificate/key pair: what changed is decided by content, never by mtime.
pair_hash() { cat "$1" "$2" 2>/dev/null | sha256sum | cut -c1-64; }

# SHA-256 fingerprint (AA:BB:...) and notAfter of the first certificate in a PEM file (/dev/stdin for a pipe).
cert_fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null | sed 's/^[^=]*=//'; }
cert_not_after() { openssl x509 -in "$1" -noout -enddate 2>/dev/null | sed 's/^notAfter=//'; }

# Why a cert/key pair must not be used, or nothing when it is fine: both parse, the key is the certificate's,
# and the certificate has not expired.
pair_problem() {
    _cert=$1 _key=$2
    [ -s "$_cert" ] || { echo "certificate $_cert is missing or empty"; return 0; }
    [ -s "$_key" ] || { echo "key $_key is missing or empty"; return 0; }
    _cpub=$(openssl x509 -in "$_cert" -noout -pubkey 2>/dev/null) || { echo "certificate $_cert does not parse"; return 0; }
    _kpub=$(openssl pkey -in "$_key" -pubout 2>/dev/null) || { echo "key $_key does not parse"; return 0; }
    { [ -n "$_cpub" ] && [ "$_cpub" = "$_kpub" ]; } || { echo "key $_key does not match certificate $_cert"; return 0; }
    openssl x509 -in "$_cert" -noout -checkend 0 >/dev/null 2>&1 || { echo "certificate $_cert expired on $(cert_not_after "$_cert")"; return 0; }
    return 0
}

# Copies a pair into a directory under its final names by temp file + rename in that directory (rename is
# atomic within one filesystem): a reader sees the old file or the new one, never a half-written one. The key
# is written under umask 077 and chmod 0600 before it is renamed, so it is never readable by others.
# Usage: publish_pair <src-cert> <src-key> <dir> <cert-name> <key-name> [<key-owner uid:gid>]
publish_pair() {
    _dir=$3 _tc="$3/.$4.tmp.$$" _tk="$3/.$5.tmp.$$"
    mkdir -p "$_dir" || return 1
    (umask 077 && cp "$2" "$_tk") || { rm -f "$_tk"; return 1; }
    chmod 600 "$_tk" || { rm -f "$_tk"; return 1; }
    if [ -n "${6:-}" ]; then chown "$6" "$_tk" || { rm -f "$_tk"; return 1; }; fi
    { cp "$1" "$_tc" && chmod 644 "$_tc"; } || { rm -f "$_tc" "$_tk"; return 1; }
    # The two renames are not one atomic step: a reader between them sees a new certificate with the old key.
    # Readers here (the distributor, Vault at start) check the pair matches before use, or start only after
    # both renames (the distributor restarts Vault after publish_pair returned).
    { mv -f "$_tk" "$_dir/$5" && mv -f "$_tc" "$_dir/$4"; } || { rm -f "$_tc" "$_tk"; return 1; }
}

# Snapshots a pair into private temp files so it is checked and copied from one consistent read, even if the
# source changes meanwhile. Prints the snapshot directory.
snapshot_pair() {
    _snap=$(mktemp -d "${TMPDIR:-/tmp}/certsnap.XXXXXX") || return 1
    chmod 700 "$_snap"
    (umask 077 && cat "$1" > "$_snap/cert" && cat "$2" > "$_snap/key") 2>/dev/null || { rm -rf "$_snap"; return 1; }
    echo "$_snap"
}

# TLS probes of a host:port, bounded by PROBE_TIMEOUT seconds. The SNI name is TLS_SERVER_NAME when set.
served_fingerprint() {
    timeout "${PROBE_TIMEOUT:-10}" openssl s_client -connect "$1" ${TLS_SERVER_NAME:+-servername "$TLS_SERVER_NAME"} </dev/null 2>/dev/null | cert_fingerprint /dev/stdin
}
served_not_after() {
    timeout "${PROBE_TIMEOUT:-10}" openssl s_client -connect "$1" ${TLS_SERVER_NAME:+-servername "$TLS_SERVER_NAME"} </dev/null 2>/dev/null | cert_not_after /dev/stdin
}
# HTTP status of Vault's /v1/sys/health over TLS (200 active, 429 standby, 503 sealed, 501 not initialised).
vault_health_code() {
    printf 'GET /v1/sys/health HTTP/1.0\r\nHost: %s\r\n\r\n' "${TLS_SERVER_NAME:-vault}" |
        timeout "${PROBE_TIMEOUT:-10}" openssl s_client -quiet -connect "$1" ${TLS_SERVER_NAME:+-servername "$TLS_SERVER_NAME"} 2>/dev/null |
        head -n 1 | awk '{print $2}'
}
# Unsealed: 200 for the active node, 429 for an unsealed standby.
vault_unsealed() { case "$(vault_health_code "$1")" in 200 | 429) return 0 ;; *) return 1 ;; esac; }
