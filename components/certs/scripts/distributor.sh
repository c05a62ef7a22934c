#!/bin/sh
# cert-distributor: one task on every `vault` node (a global service). It syncs the certificate the reloader
# published on the StorageBox into this node's ssl dir (what the node's Vault member reads at /vault/certs)
# and restarts this node's Vault member when, and only when, it serves another certificate than that file.
#
# Environment:
#   SOURCE_DIR      SWAG_CERT_DIR on the StorageBox (/mnt/storagebox/ssl); only read, except LOCK_DIR and
#                   REPORT_DIR below it (<dir>/.distributor/), which all nodes share
#   TARGET_DIR      this node's ssl dir (paths.nodeSslDir, /opt/iklimco/ssl, mounted here)
#   CERT_FILE_NAME, KEY_FILE_NAME   the pair's file names in both directories (STAR.<domain>.full.crt, STAR.<domain>_key.pem)
#   NODE_NAME       this node's hostname (the service sets it to {{.Node.Hostname}})
#   VAULT_MEMBERS   "node=service=host:port ..." for every Vault member, in member order
#   LOCK_DIR        the restart lock, a directory on the StorageBox shared by all nodes
#   REPORT_DIR      where each node reports the certificate in its ssl dir (read by verify.sh)
#   KEY_OWNER       optional uid:gid for the node's key file (the user Vault runs as)
#   TLS_SERVER_NAME SNI name for the probes (vault.<domain>)
#   INTERVAL, RESTART_TIMEOUT, PEERS_TIMEOUT, LOCK_TIMEOUT, LOCK_STALE   seconds
#   ONCE            1: one pass and exit (non-zero on failure)
#
# How Vault stays available through a renewal:
# - Only the member pinned to this node is ever restarted by this task, and only after this node's ssl dir
#   holds the new pair, so a member never restarts onto a stale certificate.
# - One member at a time across the cluster: a restart happens only while holding LOCK_DIR, a directory on the
#   StorageBox that every node mounts; mkdir is atomic on it, so exactly one distributor holds it. The holder
#   releases it only after its member serves the new certificate AND answers /v1/sys/health with 200 (active)
#   or 429 (unsealed standby); the next distributor can only start its restart after that. A holder that died
#   leaves a lock older than LOCK_STALE, which the next one moves aside (mv is atomic too) and takes.
# - Before restarting, every other member must answer unsealed (bounded by PEERS_TIMEOUT): a member that is
#   already down is never joined by a second one, so a 3-member Raft cluster keeps its quorum.
# - The decision is by state, not by event: a member is restarted when the fingerprint it serves differs
#   from the file in this node's ssl dir. A restart cut short (task killed, timeout) is retried on the next
#   pass; a member that already serves the file is left alone, so the first deploy and every pass with no
#   change restart nothing.
#
# Docker access: the task mounts the node's Docker socket (the node must be a Swarm manager) and runs only
# `docker service inspect` and `docker service update --detach --force` on its own member's service name,
# taken from VAULT_MEMBERS; nothing else in this script calls docker.
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
# shellcheck source=components/certs/scripts/common.sh
command -v pair_hash >/dev/null 2>&1 || . "$(dirname "$0")/common.sh"
LOG_NAME=cert-distributor
: "${SOURCE_DIR:?SOURCE_DIR is required}" "${TARGET_DIR:?TARGET_DIR is required}"
: "${CERT_FILE_NAME:?CERT_FILE_NAME is required}" "${KEY_FILE_NAME:?KEY_FILE_NAME is required}"
: "${NODE_NAME:?NODE_NAME is required}" "${LOCK_DIR:?LOCK_DIR is required}"
INTERVAL=${INTERVAL:-30}
RESTART_TIMEOUT=${RESTART_TIMEOUT:-300}
PEERS_TIMEOUT=${PEERS_TIMEOUT:-120}
LOCK_TIMEOUT=${LOCK_TIMEOUT:-600}
LOCK_STALE=${LOCK_STALE:-900}
# Who holds the restart lock: node, container and process, unique even for two tasks on one node.
HOLDER="$NODE_NAME/$(hostname)/$$"

# 1. Sync: StorageBox pair -> this node's ssl dir, by content, checked, atomically. Returns 0 when the node
#    dir holds a usable pair afterwards (changed or not), 2 when there is nothing usable to sync yet.
sync_pair() {
    src_cert="$SOURCE_DIR/$CERT_FILE_NAME" src_key="$SOURCE_DIR/$KEY_FILE_NAME"
    if [ ! -e "$src_cert" ] || [ ! -e "$src_key" ]; then
        note "waiting for $CERT_FILE_NAME and $KEY_FILE_NAME in $SOURCE_DIR"
        return 2
    fi
    snap=$(snapshot_pair "$src_cert" "$src_key") || { note "cannot read $SOURCE_DIR"; return 2; }
    new=$(pair_hash "$snap/cert" "$snap/key")
    if [ "$new" = "$(pair_hash "$TARGET_DIR/$CERT_FILE_NAME" "$TARGET_DIR/$KEY_FILE_NAME")" ]; then
        rm -rf "$snap"
        return 0
    fi
    # A mismatched pair on the StorageBox is either a publish caught between its two renames (the next pass
    # sees it whole) or damage; either way the node keeps what it has.
    problem=$(pair_problem "$snap/cert" "$snap/key")
    if [ -n "$problem" ]; then
        rm -rf "$snap"
        note "not syncing the StorageBox pair: $(echo "$problem" | sed "s#$snap/cert#$CERT_FILE_NAME#; s#$snap/key#$KEY_FILE_NAME#")"
        return 2
    fi
    publish_pair "$snap/cert" "$snap/key" "$TARGET_DIR" "$CERT_FILE_NAME" "$KEY_FILE_NAME" "${KEY_OWNER:-}" || { rm -rf "$snap"; note "could not write to $TARGET_DIR"; return 1; }
    say "synced $CERT_FILE_NAME to $TARGET_DIR on $NODE_NAME (notAfter=$(cert_not_after "$snap/cert"), sha256 fingerprint=$(cert_fingerprint "$snap/cert"))"
    rm -rf "$snap"
    return 0
}

# 2. Report what this node's ssl dir holds, for verify.sh (which cannot read another node's disk).
report() {
    [ -n "${REPORT_DIR:-}" ] || return 0
    mkdir -p "$REPORT_DIR" 2>/dev/null || return 0
    _r="$REPORT_DIR/.$NODE_NAME.tmp.$$"
    {
        echo "fingerprint=$(cert_fingerprint "$TARGET_DIR/$CERT_FILE_NAME")"
        echo "notAfter=$(cert_not_after "$TARGET_DIR/$CERT_FILE_NAME")"
        echo "updated=$(date +%s)"
    } > "$_r" 2>/dev/null || { rm -f "$_r"; return 0; }
    mv -f "$_r" "$REPORT_DIR/$NODE_NAME" 2>/dev/null || rm -f "$_r"
}

# The restart lock: mkdir is atomic on the StorageBox, so one distributor holds it.
lock_take() {
    mkdir "$LOCK_DIR" 2>/dev/null || return 1
    printf 'node=%s\nholder=%s\nsince=%s\n' "$NODE_NAME" "$HOLDER" "$(date +%s)" > "$LOCK_DIR/owner"
}
# One try: takes the lock, or breaks a lock older than LOCK_STALE (its holder died) and takes it.
lock_try() {
    heartbeat
    lock_take && return 0
    _since=$(sed -n 's/^since=//p' "$LOCK_DIR/owner" 2>/dev/null)
    if [ -n "$_since" ] && [ $(($(date +%s) - _since)) -gt "$LOCK_STALE" ]; then
        say "breaking a stale restart lock ($(tr '\n' ' ' < "$LOCK_DIR/owner" 2>/dev/null))"
        mv "$LOCK_DIR" "$LOCK_DIR.stale.$NODE_NAME.$$" 2>/dev/null && rm -rf "$LOCK_DIR.stale.$NODE_NAME.$$"
        lock_take && return 0
    fi
    WAIT_DETAIL="held by: $(tr '\n' ' ' < "$LOCK_DIR/owner" 2>/dev/null)"
    return 1
}
lock_acquire() { wait_until "$LOCK_TIMEOUT" 2 "the restart lock $LOCK_DIR" lock_try; }
lock_release() { rm -rf "$LOCK_DIR"; }

# Every other member answers unsealed, within PEERS_TIMEOUT (one deadline for all of them).
peers_unsealed() {
    _deadline=$(($(date +%s) + PEERS_TIMEOUT))
    for _m in ${VAULT_MEMBERS:-}; do
        _node=${_m%%=*} _rest=${_m#*=}
        [ "$_node" != "$NODE_NAME" ] || continue
        _addr=${_rest#*=}
        wait_until $((_deadline - $(date +%s))) 2 "" peer_unsealed "$_addr" ||
            { say "not restarting: Vault member ${_rest%%=*} ($_addr) on $_node is not unsealed (health $(vault_health_code "$_addr")) after ${PEERS_TIMEOUT}s"; return 1; }
    done
}
peer_unsealed() { heartbeat; vault_unsealed "$1"; }

# Restart one member and wait until it serves the expected certificate and is unsealed.
restart_member() {
    _svc=$1 _addr=$2 _want=$3
    say "restarting $_svc: it serves $(served_fingerprint "$_addr"), $TARGET_DIR holds $_want"
    docker service update --detach --force --quiet "$_svc" >/dev/null || { say "docker service update --force $_svc failed"; return 1; }
    heartbeat
    sleep 2
    wait_until "$RESTART_TIMEOUT" 2 "$_svc ($_addr) to serve $_want and be unsealed" restart_settled || return 1
    case "$_state" in
        paused | rollback_started | rollback_paused | rollback_completed)
            say "restart of $_svc failed: its update is $_state ($(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.Message}}{{end}}' "$_svc" 2>/dev/null))"
            return 1 ;;
    esac
    say "restarted $_svc: serves notAfter=$(served_not_after "$_addr") and is unsealed (health $(vault_health_code "$_addr"))"
}
# Settled: the restart failed (its update paused or rolled back), or the member serves the new certificate and
# is unsealed. The old task serves the old certificate, so a healthy answer with the new one comes from the new task.
restart_settled() {
    heartbeat
    _state=$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$_svc" 2>/dev/null)
    case "$_state" in paused | rollback_started | rollback_paused | rollback_completed) return 0 ;; esac
    [ "$(served_fingerprint "$_addr")" = "$_want" ] && vault_unsealed "$_addr" && return 0
    WAIT_DETAIL="serves: $(served_fingerprint "$_addr"), health: $(vault_health_code "$_addr"), update: $_state"
    return 1
}

# 3. Restart this node's member(s) if they serve something else than the node's file.
reconcile_members() {
    _rc=0
    want=$(cert_fingerprint "$TARGET_DIR/$CERT_FILE_NAME")
    [ -n "$want" ] || return 0
    for m in ${VAULT_MEMBERS:-}; do
        node=${m%%=*} rest=${m#*=}
        [ "$node" = "$NODE_NAME" ] || continue
        svc=${rest%%=*} addr=${rest#*=}
        served=$(served_fingerprint "$addr")
        if [ -z "$served" ]; then
            note "Vault member $svc ($addr) does not answer TLS; not restarting it (it reads $TARGET_DIR when it starts)"
            continue
        fi
        [ "$served" != "$want" ] || continue
        lock_acquire || { _rc=1; continue; }
        # Checked again under the lock: the member may have restarted meanwhile.
        if [ "$(served_fingerprint "$addr")" != "$want" ]; then
            if peers_unsealed; then
                restart_member "$svc" "$addr" "$want" || _rc=1
            else
                _rc=1
            fi
        fi
        lock_release
    done
    return $_rc
}

pass() {
    heartbeat
    sync_pair
    _s=$?
    report
    [ $_s -eq 1 ] && return 1
    reconcile_members
}

if [ "${ONCE:-0}" = 1 ]; then
    mkdir -p "$(dirname "$LOCK_DIR")" || fail "cannot create $(dirname "$LOCK_DIR") for the restart lock"
    pass
    exit $?
fi
# Stopped mid-restart (a service update runs the new task beside the old one): release the lock only if this
# very task holds it.
trap '[ "$(sed -n "s/^holder=//p" "$LOCK_DIR/owner" 2>/dev/null)" = "$HOLDER" ] && lock_release; exit 143' TERM INT
mkdir -p "$(dirname "$LOCK_DIR")" || fail "cannot create $(dirname "$LOCK_DIR") for the restart lock"
say "syncing $SOURCE_DIR to $TARGET_DIR on $NODE_NAME every ${INTERVAL}s"
while :; do
    pass || true
    sleep "$INTERVAL" &
    wait $!
done
