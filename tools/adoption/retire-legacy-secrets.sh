#!/usr/bin/env bash
# Removes Swarm secrets nothing needs any more, once no service mounts them. Two kinds:
#
# - Legacy secrets (adoption). Swarm secrets cannot be read back, so they cannot be imported: the program
#   creates its own content-hashed copy (`<name>_<hash8>`, labelled com.iklimco.managed-by=pulumi) from the
#   value set in stack config, and `pulumi up` rolls each service onto it at the same target path. The old,
#   unlabelled secrets are then referenced by nothing.
# - Rotated shared secrets (--rotated FILE). A secret another stack mounts (a microservice's AppRole and
#   password secrets) is kept by the platform when it rotates (retainOnDelete), because Swarm refuses to
#   delete a secret a service still mounts and the platform cannot move the other stack's service. FILE lists
#   the current names (the platform's `sharedSecretNames` output, one a line); an older version of one of them
#   (same com.iklimco.secret label, another name) goes once no service mounts it. With --rotated only those
#   are considered (the deploy workflows run it after every deploy); without it, only legacy secrets, and no
#   secret the program manages is ever touched.
#
#   retire-legacy-secrets.sh [--apply] [--match REGEX] [--rotated FILE | --outputs FILE]
#
# --outputs FILE reads the platform's `pulumi stack output --json` instead (with node): `sharedSecretNames`
# as the --rotated list and, unless DOCKER_HOST is set, `dockerHost` as the engine to talk to. The deploy
# workflows run it that way after every deploy.
#
# Without --apply it only reports. It never removes a secret any service still references (Docker would
# refuse anyway), nor a current one. Safe to run again: a second run finds nothing to do.
set -euo pipefail

apply=false
match='.*'
rotated=""
outputs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --apply) apply=true ;;
    --match) match="${2:?--match needs a regular expression}"; shift ;;
    --rotated) rotated="${2:?--rotated needs a file of current secret names}"; shift ;;
    --outputs) outputs="${2:?--outputs needs the platform stack outputs file (pulumi stack output --json)}"; shift ;;
    *) echo "usage: $0 [--apply] [--match REGEX] [--rotated FILE | --outputs FILE]" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$outputs" ]; then
  rotated=$(mktemp)
  trap 'rm -f "$rotated"' EXIT
  node -e 'const o = require(require("path").resolve(process.argv[1]));
    if (!Array.isArray(o.sharedSecretNames)) { console.error(process.argv[1] + ": no sharedSecretNames output (deploy the platform first)"); process.exit(2); }
    for (const n of o.sharedSecretNames) console.log(n);' "$outputs" > "$rotated"
  if [ -z "${DOCKER_HOST:-}" ]; then
    DOCKER_HOST=$(node -e 'console.log(require(require("path").resolve(process.argv[1])).dockerHost ?? "")' "$outputs")
    if [ -n "$DOCKER_HOST" ]; then export DOCKER_HOST; else unset DOCKER_HOST; fi
  fi
fi
if [ -n "$rotated" ] && [ ! -r "$rotated" ]; then
  echo "--rotated $rotated: no such file (write it with: pulumi stack output sharedSecretNames --json)" >&2
  exit 2
fi

# Every secret name some service mounts, with the service (`<secret> <service>` lines). A service removed
# between the listing and the inspect mounts nothing any more: its error is not a failure.
in_use=$(docker service ls -q | while read -r id; do
  docker service inspect --format '{{$s := .Spec.Name}}{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{println .SecretName $s}}{{end}}' "$id" 2>/dev/null || true
done | sort -u)
mounted_by() { awk -v n="$1" '$1 == n {print $2}' <<<"$in_use" | paste -sd, -; }

# Every secret: name, com.iklimco.managed-by, com.iklimco.secret (its logical name), tab-separated. One that
# vanished meanwhile (removed by someone else) has empty labels and is skipped below.
all=$(docker secret ls --format '{{.Name}}' | while read -r n; do
  docker secret inspect --format "$n{{\"\t\"}}{{index .Spec.Labels \"com.iklimco.managed-by\"}}{{\"\t\"}}{{index .Spec.Labels \"com.iklimco.secret\"}}" "$n" 2>/dev/null || true
done)

# The current shared secrets, and their logical names.
current=""; current_logical=""
if [ -n "$rotated" ]; then
  current=$(grep -v '^[[:space:]]*$' "$rotated" | sort -u || true)
  current_logical=$(awk -F '\t' 'NR == FNR {cur[$1] = 1; next} ($1 in cur) && $3 != "" {print $3}' <(printf '%s\n' "$current") <(printf '%s\n' "$all") | sort -u)
fi

declare -A removed=([legacy]=0 [rotated]=0) kept=([legacy]=0 [rotated]=0)
while IFS=$'\t' read -r name managed logical; do
  [ -n "$name" ] || continue
  [[ "$name" =~ $match ]] || continue
  if [ "$managed" = "pulumi" ]; then
    # Only an older version of a current shared secret: same logical name, not itself current.
    if [ -z "$current_logical" ] || [ -z "$logical" ]; then continue; fi
    grep -qxF "$name" <<<"$current" && continue
    grep -qxF "$logical" <<<"$current_logical" || continue
    kind="rotated"
  else
    [ -z "$rotated" ] || continue
    kind="legacy"
  fi
  users=$(mounted_by "$name")
  if [ -n "$users" ]; then
    echo "keep    $name: still mounted by $users ($kind; once that stack is redeployed off it, run this again)"
    kept[$kind]=$((kept[$kind] + 1))
  elif $apply; then
    docker secret rm "$name" >/dev/null
    echo "removed $name"
    removed[$kind]=$((removed[$kind] + 1))
  else
    echo "would remove $name ($kind, unreferenced); rerun with --apply"
  fi
done <<<"$all"

echo "legacy secrets: ${removed[legacy]} removed, ${kept[legacy]} still in use"
[ -z "$rotated" ] || echo "rotated secrets: ${removed[rotated]} removed, ${kept[rotated]} still in use"
