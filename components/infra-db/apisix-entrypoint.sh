# APISIX entrypoint (run as `sh -c <this file> apisix-entrypoint <config.yaml>`).
# The config.yaml rendered by components/infra-db/apisix.ts arrives as $1 and refers to the admin key only as
# ${{APISIX_ADMIN_KEY}}, which APISIX substitutes from its environment: the key is read here from its Swarm
# secret file into the gateway's own process environment, never into the service spec.
set -eu
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=apisix-entrypoint
conf="${APISIX_CONFIG_PATH:-/usr/local/apisix/conf/config.yaml}"
if [ "$#" -lt 1 ] || [ -z "$1" ]; then
  log "the rendered config.yaml was not passed as the first argument"
  exit 64
fi
key_file="${APISIX_ADMIN_KEY_FILE:?APISIX_ADMIN_KEY_FILE is not set}"
if [ ! -r "$key_file" ]; then
  log "secret file $key_file is missing or unreadable"
  exit 1
fi
printf '%s\n' "$1" > "$conf.tmp"
mv "$conf.tmp" "$conf"
APISIX_ADMIN_KEY="$(cat "$key_file")"
export APISIX_ADMIN_KEY
unset APISIX_ADMIN_KEY_FILE
exec /docker-entrypoint.sh docker-start
