#!/usr/bin/env bash
# Last step of bringing Swarm secrets under management. Swarm secrets cannot be read back, so they cannot be
# imported: the program creates its own content-hashed copy (`<name>_<hash8>`, labelled
# com.iklimco.managed-by=pulumi) from the value set in stack config, and `pulumi up` rolls each service onto
# it at the same target path. The old secrets are then referenced by nothing; this removes them.
#
#   retire-legacy-secrets.sh [--apply] [--match REGEX]
#
# Without --apply it only reports. It never touches a secret the program manages or one any service still
# references (Docker would refuse anyway). Safe to run again: a second run finds nothing to do.
set -euo pipefail

apply=false
match='.*'
while [ $# -gt 0 ]; do
  case "$1" in
    --apply) apply=true ;;
    --match) match="${2:?--match needs a regular expression}"; shift ;;
    *) echo "usage: $0 [--apply] [--match REGEX]" >&2; exit 2 ;;
  esac
  shift
done

# Every secret name some service mounts (by name, as `docker service inspect` reports it).
in_use=$(docker service ls -q | xargs -r docker service inspect \
  --format '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{println .SecretName}}{{end}}' | sort -u)

removed=0; kept=0
while IFS=$'\t' read -r name managed; do
  [ -n "$name" ] || continue
  [[ "$name" =~ $match ]] || continue
  if [ "$managed" = "pulumi" ]; then continue; fi
  if grep -qxF "$name" <<<"$in_use"; then
    echo "keep    $name: still mounted by a service (run pulumi up first)"
    kept=$((kept + 1))
  elif $apply; then
    docker secret rm "$name" >/dev/null
    echo "removed $name"
    removed=$((removed + 1))
  else
    echo "would remove $name (unreferenced, not managed by pulumi); rerun with --apply"
  fi
done < <(docker secret ls --format '{{.Name}}' | while read -r n; do
  printf '%s\t%s\n' "$n" "$(docker secret inspect --format '{{index .Spec.Labels "com.iklimco.managed-by"}}' "$n")"
done)

echo "legacy secrets: $removed removed, $kept still in use"
