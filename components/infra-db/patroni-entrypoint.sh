# Patroni member entrypoint (run as `sh -c <this file> patroni-entrypoint <patroni.yml>`).
# The YAML rendered by components/infra-db/patroni.ts arrives as $1 and carries no secret; the passwords are
# read from the Swarm secret files named by *_FILE and exported only into Patroni's own process environment,
# which is how Patroni takes them (PATRONI_SUPERUSER_PASSWORD, PATRONI_REPLICATION_PASSWORD).
set -eu
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=patroni-entrypoint
umask 077
conf="${PATRONI_CONFIG_PATH:-/tmp/patroni.yml}"
if [ "$#" -lt 1 ] || [ -z "$1" ]; then
  log "the rendered patroni.yml was not passed as the first argument"
  exit 64
fi
read_secret() {
  if [ ! -r "$1" ]; then
    log "secret file $1 is missing or unreadable"
    exit 1
  fi
  cat "$1"
}
printf '%s\n' "$1" > "$conf"
PATRONI_SUPERUSER_PASSWORD="$(read_secret "${PATRONI_SUPERUSER_PASSWORD_FILE:?PATRONI_SUPERUSER_PASSWORD_FILE is not set}")"
PATRONI_REPLICATION_PASSWORD="$(read_secret "${PATRONI_REPLICATION_PASSWORD_FILE:?PATRONI_REPLICATION_PASSWORD_FILE is not set}")"
export PATRONI_SUPERUSER_PASSWORD PATRONI_REPLICATION_PASSWORD
unset PATRONI_SUPERUSER_PASSWORD_FILE PATRONI_REPLICATION_PASSWORD_FILE
exec patroni "$conf"
