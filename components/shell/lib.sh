# shellcheck shell=sh
# The functions every shipped script shares: log lines, a bounded wait, the registry login, work at exit and
# option lists from the environment. POSIX sh, for busybox ash (the Vault and cert-tools images), dash and bash
# (the manager). Definitions only: loading it changes nothing but the names below.
#
# A script loads it right after its header:
#   # shellcheck source=components/shell/lib.sh
#   command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
# Run from its file, the script sources it. Shipped (components/shell/index.ts), the library is bundled into the
# script's text and the guard skips the line, so the text also runs where no file is at hand (`sh -c`, stdin).

# log MESSAGE...: one line "<LOG_NAME>: MESSAGE" on stderr. Stderr, because some scripts' stdout is their
# answer (vault-init.sh prints Vault's init answer there). Never fails: a closed stderr (a dropped SSH session)
# must not stop a script halfway. With LOG_CLOCK set to a function, its output starts the line: the
# certificate services, which run for months, stamp their lines with the time that way, and the library itself
# needs no clock in an image whose scripts do not ask for one.
log() { _log_line "$@" >&2 || true; }

# say MESSAGE...: the same line on stdout, for a script whose stdout is its report.
say() { _log_line "$@" || true; }

_log_line() {
    if [ -n "${LOG_CLOCK:-}" ]; then
        printf '%s %s: %s\n' "$("$LOG_CLOCK")" "${LOG_NAME:-${0##*/}}" "$*"
    else
        printf '%s: %s\n' "${LOG_NAME:-${0##*/}}" "$*"
    fi
}

# wait_until SECONDS INTERVAL DESCRIPTION COMMAND [ARG...]
# Runs COMMAND until it succeeds, every INTERVAL seconds, for at most SECONDS by the clock (whole seconds): it
# tries at least once, and the pause before the last try is cut short so that try falls on the deadline; the
# wait so ends within SECONDS and one run of COMMAND. Returns 0 once COMMAND succeeded. Otherwise it logs
# "timed out after SECONDS s waiting for DESCRIPTION", then "(WAIT_DETAIL)" when COMMAND left in WAIT_DETAIL
# what it saw last, and returns 1; with an empty DESCRIPTION it logs nothing (the caller reports in its own
# words). COMMAND runs in this shell, so it may set variables; it must not call wait_until itself.
wait_until() {
    _wu_seconds=$1 _wu_every=$2 _wu_what=$3
    shift 3
    _wu_end=$(($(date +%s) + _wu_seconds))
    WAIT_DETAIL=""
    while :; do
        "$@" && return 0
        _wu_left=$((_wu_end - $(date +%s)))
        if [ "$_wu_left" -le 0 ]; then
            [ -z "$_wu_what" ] || log "timed out after ${_wu_seconds}s waiting for ${_wu_what}${WAIT_DETAIL:+ ($WAIT_DETAIL)}"
            return 1
        fi
        [ "$_wu_left" -lt "$_wu_every" ] || _wu_left=$_wu_every
        sleep "$_wu_left"
    done
}

# at_exit FUNCTION: runs FUNCTION when the script exits, the last registered first; one that fails does not
# keep the others from running, and the script's exit status stays its own. A script that uses it (or
# registry_login) sets no EXIT trap of its own, which would replace this one.
_at_exit_functions=""
at_exit() {
    _at_exit_functions="$1 $_at_exit_functions"
    trap _run_at_exit EXIT
}
_run_at_exit() {
    for _ae_function in $_at_exit_functions; do "$_ae_function" || true; done
}

# registry_login: with REGISTRY_PASSWORD set, logs the docker CLI in to REGISTRY as REGISTRY_USER (the password
# reaches docker on its stdin only) in a private DOCKER_CONFIG that is removed at exit; without one it does
# nothing. A `docker service create` after it adds ${REGISTRY_PASSWORD:+--with-registry-auth}, which hands the
# login on to the nodes that pull the service's image. Returns non-zero when the login fails.
registry_login() {
    [ -n "${REGISTRY_PASSWORD:-}" ] || return 0
    DOCKER_CONFIG=$(mktemp -d) || return 1
    export DOCKER_CONFIG
    at_exit _registry_logout
    printf '%s' "$REGISTRY_PASSWORD" |
        docker login --username "${REGISTRY_USER:?REGISTRY_USER is required with REGISTRY_PASSWORD}" --password-stdin "${REGISTRY:?REGISTRY is required with REGISTRY_PASSWORD}" >/dev/null
}
_registry_logout() { rm -rf "$DOCKER_CONFIG"; }

# with_opts OPTIONS COMMAND [ARG...]: runs COMMAND with its ARGs, the argument {} replaced by the words of
# OPTIONS, an option list from the environment such as CURL_OPTS="--cacert /ca.pem". The one place such a
# list is split into words (and none when it is empty).
with_opts() {
    _wo_options=$1
    shift
    _wo_count=$#
    while [ "$_wo_count" -gt 0 ]; do
        _wo_arg=$1
        shift
        _wo_count=$((_wo_count - 1))
        if [ "$_wo_arg" = "{}" ]; then
            for _wo_word in $_wo_options; do set -- "$@" "$_wo_word"; done
        else
            set -- "$@" "$_wo_arg"
        fi
    done
    "$@"
}
