#!/bin/sh
# Health check of the vault-backup service: healthy while the last successful snapshot, or the service's start
# when none succeeded yet, is younger than MAX_AGE_SECONDS (two schedule periods and a margin). So a new service
# is healthy at once (it converges within Pulumi's timeout on an empty StorageBox, long before its first
# scheduled snapshot), and a backup that keeps failing shows as an unhealthy task in `docker service ps`.
set -eu
SNAPSHOT_DIR=${SNAPSHOT_DIR:-/snapshots}
MAX_AGE_SECONDS=${MAX_AGE_SECONDS:-7200}
STARTED=${STARTED_MARKER:-/tmp/vault-backup/started}
marker="$SNAPSHOT_DIR/.last-success"
now=$(date +%s)
if [ -f "$marker" ]; then
  age=$(( now - $(date -r "$marker" +%s) ))
  what="last successful snapshot ${age}s ago"
elif [ -f "$STARTED" ]; then
  age=$(( now - $(date -r "$STARTED" +%s) ))
  what="no successful snapshot yet; started ${age}s ago"
else
  echo "no successful snapshot and no start marker ($STARTED): the scheduler is not running"
  exit 1
fi
if [ "$age" -gt "$MAX_AGE_SECONDS" ]; then
  echo "$what (limit ${MAX_AGE_SECONDS}s)"
  exit 1
fi
echo "$what"
