#!/bin/sh
# Creates the backup's snapshot directory on the StorageBox before the vault-backup service exists: Swarm
# rejects a task whose bind-mount source is missing, and nothing else creates it on a fresh StorageBox.
# Runs as a one-shot job on each Vault node (node-job.sh), where the service may be placed. Idempotent.
#   SNAPSHOT_DIR   the directory, as the job sees it (under the bound top directory)
set -eu
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=vault-backup
: "${SNAPSHOT_DIR:?SNAPSHOT_DIR is required}"
if [ -d "$SNAPSHOT_DIR" ]; then
  say "$SNAPSHOT_DIR is there"
else
  mkdir -p "$SNAPSHOT_DIR"
  chmod 0750 "$SNAPSHOT_DIR"
  say "created $SNAPSHOT_DIR"
fi
