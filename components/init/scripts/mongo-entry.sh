#!/usr/bin/env bash
# Entry of the MongoDB one-shot containers (steps 21 and 22), run with bash inside images.mongodb on the
# overlay. stdin: line 1 is the root password, the rest (optional) is a JSON object of further secrets (the
# microservices' passwords). Both land in 0600 files of a private temp dir that is removed on exit; the
# environment carries only non-secret text: MONGO_JS (the script to run), RS_PLANNER_JS (step 21's planner),
# MONGODB_HOSTS, MONGODB_REPLICA_SET, MONGODB_PORT, INIT_WAIT_SECONDS. MONGOSH names the shell (tests).
set -euo pipefail
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
LOG_NAME="mongo init"
MONGOSH="${MONGOSH:-mongosh}"
: "${MONGO_JS:?MONGO_JS (the script to run) is not set}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
IFS= read -r root_password || true
if [ -z "${root_password:-}" ]; then
  log "no root password on stdin"
  exit 2
fi
(
  umask 077
  printf '%s' "$root_password" > "$work/root-password"
  cat > "$work/secrets.json"
)
unset root_password
printf '%s' "${RS_PLANNER_JS:-}" > "$work/rs-planner.js"
printf '%s' "$MONGO_JS" > "$work/main.js"
export MONGODB_ROOT_PASSWORD_FILE="$work/root-password" MONGODB_SECRETS_FILE="$work/secrets.json" RS_PLANNER_FILE="$work/rs-planner.js"
"$MONGOSH" --nodb --quiet "$work/main.js"
