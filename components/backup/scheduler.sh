#!/bin/sh
# Entrypoint of the vault-backup service: installs the snapshot and health scripts (handed over in the
# environment by the Pulumi component, so the image needs no project files) and runs busybox crond in the
# foreground on the configured schedule. crond's job output goes to the container log.
set -eu
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=vault-backup
dir=/tmp/vault-backup
mkdir -p "$dir"
printf '%s\n' "$SNAPSHOT_SCRIPT" > "$dir/vault-snapshot.sh"
printf '%s\n' "$HEALTH_SCRIPT" > "$dir/vault-backup-health.sh"
chmod 755 "$dir/vault-snapshot.sh" "$dir/vault-backup-health.sh"
# When this service started: the health check counts a fresh service as healthy until two schedule periods
# have passed with no successful snapshot (vault-backup-health.sh), so it converges at once on an empty StorageBox.
: > "$dir/started"
mkdir -p "$dir/crontabs"
# crond starts jobs with an empty environment: pass what the snapshot needs on the job's line.
printf '%s VAULT_ADDR=%s SNAPSHOT_DIR=%s KEEP=%s CURL_OPTS=%s %s/vault-snapshot.sh > /proc/1/fd/1 2>&1\n' \
  "$SCHEDULE" "$VAULT_ADDR" "$SNAPSHOT_DIR" "$KEEP" "'${CURL_OPTS:-}'" "$dir" > "$dir/crontabs/root"
say "snapshots of $VAULT_ADDR to $SNAPSHOT_DIR on '$SCHEDULE', keeping $KEEP"
exec crond -f -l 8 -c "$dir/crontabs"
