#!/bin/sh
# Health check of the vault-backup service: healthy while the last successful snapshot is younger than
# MAX_AGE_SECONDS, so a backup that keeps failing shows as an unhealthy task in `docker service ps`.
set -eu
SNAPSHOT_DIR=${SNAPSHOT_DIR:-/snapshots}
MAX_AGE_SECONDS=${MAX_AGE_SECONDS:-7200}
marker="$SNAPSHOT_DIR/.last-success"
# Before the first scheduled run there is nothing to judge: the service's start period covers that.
[ -f "$marker" ] || { echo "no successful snapshot yet"; exit 1; }
age=$(( $(date +%s) - $(date -r "$marker" +%s) ))
if [ "$age" -gt "$MAX_AGE_SECONDS" ]; then
  echo "last successful snapshot ${age}s ago (limit ${MAX_AGE_SECONDS}s)"
  exit 1
fi
echo "last successful snapshot ${age}s ago"
