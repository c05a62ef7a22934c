# Step 9: writes SWAG's dns-conf, site-confs and proxy-confs (rendered by components/infra-db/swag.ts) into
# the StorageBox directories that SWAG bind-mounts, and makes the running SWAG pick them up.
# Idempotent: a file is replaced only when its content or mode differs, and SWAG is restarted only when a
# file changed and the service exists. Contents arrive base64-encoded in the environment (the whole stdin of
# the manager script is a Pulumi secret); this script prints paths, never contents.
set -euo pipefail
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
LOG_NAME=swag-files

: "${SWAG_FILE_COUNT:?SWAG_FILE_COUNT is not set}"
: "${SWAG_SERVICE:?SWAG_SERVICE is not set}"
reload_timeout="${SWAG_RELOAD_TIMEOUT:-300}"

changed=0
i=0
while [ "$i" -lt "$SWAG_FILE_COUNT" ]; do
  path_var="SWAG_FILE_${i}_PATH"; mode_var="SWAG_FILE_${i}_MODE"; data_var="SWAG_FILE_${i}_B64"
  target="${!path_var:?$path_var is not set}"
  mode="${!mode_var:?$mode_var is not set}"
  dir="$(dirname "$target")"
  mkdir -p "$dir"
  tmp="$(mktemp "$dir/.swag-file-XXXXXX")"
  chmod 600 "$tmp"
  printf '%s' "${!data_var:?$data_var is not set}" | base64 -d > "$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$target" ] && cmp -s "$tmp" "$target" && [ "$(stat -c %a "$target")" = "$mode" ]; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$target"
    say "wrote $target"
    changed=$((changed + 1))
  fi
  i=$((i + 1))
done

if [ "$changed" -eq 0 ]; then
  say "all $SWAG_FILE_COUNT files up to date"
  exit 0
fi
if ! docker service inspect "$SWAG_SERVICE" >/dev/null 2>&1; then
  say "$changed file(s) changed; $SWAG_SERVICE is not running yet, it reads them when it starts"
  exit 0
fi
say "$changed file(s) changed; restarting $SWAG_SERVICE so nginx and certbot read them"
if ! timeout "$reload_timeout" docker service update --force --detach=false --quiet "$SWAG_SERVICE" >/dev/null; then
  log "$SWAG_SERVICE did not converge within ${reload_timeout}s after the restart"
  exit 1
fi
say "$SWAG_SERVICE restarted"
