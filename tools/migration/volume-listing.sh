#!/bin/sh
# Lists a directory tree for comparing two copies of a volume: one line per entry, sorted, with the sha256 of
# every regular file's content (a symbolic link is listed with the content it points to). Runs in the certTools
# image (busybox: sh, sha256sum, cut, sort), which the swag phase of the migration uses to copy SWAG's volume.
#   volume-listing.sh <dir>
set -eu
root="${1:?usage: volume-listing.sh <dir>}"
walk() {
    for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        rel="${f#"$root"/}"
        if [ -L "$f" ] && [ ! -e "$f" ]; then
            printf 'dangling-link %s\n' "$rel"
        elif [ -d "$f" ] && [ ! -L "$f" ]; then
            printf 'dir %s\n' "$rel"
            walk "$f"
        else
            printf '%s %s\n' "$(sha256sum < "$f" | cut -d ' ' -f 1)" "$rel"
        fi
    done
}
walk "$root" | sort
