#!/usr/bin/env bash
# Step 14, RabbitMQ part: vhosts, users and permissions from config, run with bash inside a one-shot container
# of images.rabbitmq on the overlay (or on a test host with RABBITMQCTL pointing at a rabbitmqctl). Talks to the
# node with the CLI over Erlang distribution, authenticated by the Erlang cookie. Checks state first: a second
# run with the same config changes nothing and says so.
#
# stdin: line 1 is the Erlang cookie; every further line is "<user><TAB><password>". The cookie lands in a
# 0600 .erlang.cookie of a private HOME, passwords reach rabbitmqctl on its stdin only; all removed on exit.
#
# Environment (not secret): RABBITMQ_NODE (rabbit@<host>), RABBITMQ_DESIRED (rendered by render.ts: lines
# "vhost<TAB>name", "user<TAB>name", "permission<TAB>user<TAB>vhost<TAB>configure<TAB>write<TAB>read"),
# RABBITMQ_DELETE_REMOVED_USERS (true|false: a managed user no longer in config is reported, and deleted only
# when true), INIT_WAIT_SECONDS (300), RABBITMQCTL (rabbitmqctl), RABBITMQ_LONGNAMES (true|false).
set -euo pipefail
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
LOG_NAME="rabbitmq setup"
: "${RABBITMQ_NODE:?RABBITMQ_NODE (rabbit@<host>) is not set}"
: "${RABBITMQ_DESIRED?RABBITMQ_DESIRED (the rendered desired state) is not set}"
RABBITMQCTL="${RABBITMQCTL:-rabbitmqctl}"
INIT_WAIT_SECONDS="${INIT_WAIT_SECONDS:-300}"
DELETE_REMOVED="${RABBITMQ_DELETE_REMOVED_USERS:-false}"
MANAGED_TAG="iklimco-managed"
TAB=$'\t'

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
IFS= read -r cookie || true
if [ -z "${cookie:-}" ]; then
  log "no Erlang cookie on stdin"
  exit 2
fi
(
  umask 077
  printf '%s' "$cookie" > "$work/.erlang.cookie"
  cat > "$work/passwords"
)
unset cookie
export HOME="$work"
ctl_args=(-q -n "$RABBITMQ_NODE")
[ "${RABBITMQ_LONGNAMES:-false}" = true ] && ctl_args+=(--longnames)
# rabbitmqctl reads stdin: keep it away from the loops' here-strings; only ctl_in (passwords) gets a pipe.
ctl() { "$RABBITMQCTL" "${ctl_args[@]}" "$@" < /dev/null; }
ctl_in() { "$RABBITMQCTL" "${ctl_args[@]}" "$@"; }

password_of() {
  local user="$1" u p
  while IFS="$TAB" read -r u p; do
    if [ "$u" = "$user" ]; then printf '%s' "$p"; return 0; fi
  done < "$work/passwords"
  return 1
}

node_up() { ctl ping >/dev/null 2>&1; }
wait_until "$INIT_WAIT_SECONDS" 2 "RabbitMQ node $RABBITMQ_NODE" node_up || exit 3

changes=0
declare -A want_user=()
vhosts="$(ctl list_vhosts name --no-table-headers)"
users="$(ctl list_users --no-table-headers)"

while IFS="$TAB" read -r kind a b c d e; do
  case "$kind" in
    vhost)
      if ! grep -Fxq -- "$a" <<< "$vhosts"; then
        ctl add_vhost "$a" >/dev/null
        say "created vhost $a"
        changes=$((changes + 1))
      fi
      ;;
    user)
      want_user["$a"]=1
      if ! pw="$(password_of "$a")"; then
        log "no password was handed over for user $a"
        exit 2
      fi
      line="$(grep -F -- "$a$TAB" <<< "$users" | awk -F "$TAB" -v u="$a" '$1 == u' || true)"
      if [ -z "$line" ]; then
        printf '%s\n' "$pw" | ctl_in add_user "$a" >/dev/null
        say "created user $a"
        changes=$((changes + 1))
      elif ! printf '%s\n' "$pw" | ctl_in authenticate_user "$a" >/dev/null 2>&1; then
        printf '%s\n' "$pw" | ctl_in change_password "$a" >/dev/null
        say "reset the password of user $a (the handed-over one did not authenticate)"
        changes=$((changes + 1))
      fi
      unset pw
      if [ "${line#*"$TAB"}" != "[$MANAGED_TAG]" ]; then
        ctl set_user_tags "$a" "$MANAGED_TAG" >/dev/null
        if [ -n "$line" ]; then
          say "tagged user $a $MANAGED_TAG"
          changes=$((changes + 1))
        fi
      fi
      ;;
    permission)
      current="$(ctl list_user_permissions "$a" --no-table-headers | awk -F "$TAB" -v v="$b" '$1 == v' || true)"
      if [ "$current" != "$b$TAB$c$TAB$d$TAB$e" ]; then
        ctl set_permissions -p "$b" "$a" "$c" "$d" "$e" >/dev/null
        say "set permissions of $a on vhost $b"
        changes=$((changes + 1))
      fi
      ;;
    "") ;;
    *)
      log "unknown line kind '$kind' in RABBITMQ_DESIRED"
      exit 2
      ;;
  esac
done <<< "$RABBITMQ_DESIRED"

# Managed users (tagged by an earlier run) that config no longer lists: reported; deleted only when asked.
while IFS="$TAB" read -r u tags; do
  [ -n "$u" ] || continue
  [ "$tags" = "[$MANAGED_TAG]" ] || continue
  [ -n "${want_user[$u]:-}" ] && continue
  if [ "$DELETE_REMOVED" = true ]; then
    ctl delete_user "$u" >/dev/null
    say "deleted user $u (no longer in config; init.rabbitmqDeleteRemovedUsers is true)"
    changes=$((changes + 1))
  else
    say "user $u is no longer in config; left in place (set init.rabbitmqDeleteRemovedUsers to delete it)"
  fi
done <<< "$users"

say "done, $changes changes"
