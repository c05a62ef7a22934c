# RabbitMQ member entrypoint (run as `sh -c <this file> rabbitmq-entrypoint <rabbitmq.conf>`).
# The config rendered by components/infra-db/rabbitmq.ts arrives as $1 without any secret; the admin password
# is read from its Swarm secret file and appended as default_pass to a 0600 config file. The Erlang cookie is
# a Swarm secret mounted at $HOME/.erlang.cookie, where the server and the CLI tools read it.
set -eu
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=rabbitmq-entrypoint
umask 077
conf="${RABBITMQ_CONFIG_FILE:?RABBITMQ_CONFIG_FILE is not set}"
if [ "$#" -lt 1 ] || [ -z "$1" ]; then
  log "the rendered rabbitmq.conf was not passed as the first argument"
  exit 64
fi
for f in "${RABBITMQ_ADMIN_PASSWORD_FILE:?RABBITMQ_ADMIN_PASSWORD_FILE is not set}" "${RABBITMQ_ERLANG_COOKIE_FILE:?RABBITMQ_ERLANG_COOKIE_FILE is not set}"; do
  if [ ! -r "$f" ]; then
    log "secret file $f is missing or unreadable"
    exit 1
  fi
done
tmp="$conf.tmp"
{
  printf '%s\n' "$1"
  printf 'default_pass = %s\n' "$(cat "$RABBITMQ_ADMIN_PASSWORD_FILE")"
} > "$tmp"
mv "$tmp" "$conf"
exec docker-entrypoint.sh rabbitmq-server
