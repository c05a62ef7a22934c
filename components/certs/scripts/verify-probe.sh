#!/bin/sh
# The TLS half of verify.sh, run inside the cert-tools image on the overlay (it reaches every Vault member by
# its overlay name) with SWAG_CERT_DIR mounted read-only at /certs.
# For each member it compares what the member serves on its port with the certificate in its node's ssl dir
# (as that node's cert-distributor reports it in /certs/.distributor/nodes/<node>) and with the published certificate,
# and checks the member is unsealed. Prints one line per member and exits 1 if anything is wrong.
#
# Environment: CERT_FILE_NAME (the published certificate's file name), VAULT_MEMBERS ("node=service=host:port ..."), REPORT_MAX_AGE (seconds, default 900),
#   TLS_SERVER_NAME, PROBE_TIMEOUT, EXPECT_NOT_AFTER (optional: the notAfter every member must serve),
#   CERTS_DIR (where SWAG_CERT_DIR is mounted, /certs)
# shellcheck source=components/shell/lib.sh
command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../../shell/lib.sh"
# shellcheck source=components/certs/scripts/common.sh
command -v pair_hash >/dev/null 2>&1 || . "$(dirname "$0")/common.sh"
LOG_NAME=cert-verify
: "${CERT_FILE_NAME:?}" "${VAULT_MEMBERS:?}"
REPORT_MAX_AGE=${REPORT_MAX_AGE:-900}
CERTS_DIR=${CERTS_DIR:-/certs}
published="$CERTS_DIR/$CERT_FILE_NAME"
pub_fp=$(cert_fingerprint "$published")
pub_na=$(cert_not_after "$published")
failed=0
bad() { say "FAIL: $*"; failed=1; }
[ -n "$pub_fp" ] || bad "no published certificate at SWAG_CERT_DIR/$CERT_FILE_NAME"
[ -z "$pub_fp" ] || say "published: $CERT_FILE_NAME notAfter=$pub_na fingerprint=$pub_fp"
for m in $VAULT_MEMBERS; do
    node=${m%%=*} rest=${m#*=}
    svc=${rest%%=*} addr=${rest#*=}
    fp=$(served_fingerprint "$addr")
    na=$(served_not_after "$addr")
    health=$(vault_health_code "$addr")
    rep="$CERTS_DIR/.distributor/nodes/$node"
    if [ -r "$rep" ]; then
        file_fp=$(sed -n 's/^fingerprint=//p' "$rep")
        file_na=$(sed -n 's/^notAfter=//p' "$rep")
        age=$(($(date +%s) - $(sed -n 's/^updated=//p' "$rep")))
    else
        file_fp="" file_na="" age=""
    fi
    if [ -z "$fp" ]; then
        bad "node $node: Vault member $svc ($addr) does not answer TLS"
        continue
    fi
    case "$health" in
        200 | 429) ;;
        *) bad "node $node: Vault member $svc ($addr) is not unsealed (/v1/sys/health answered ${health:-nothing}; 200 or 429 expected)" ;;
    esac
    if [ -z "$file_fp" ]; then
        bad "node $node: cert-distributor has not reported the certificate in its ssl dir (no $rep); is it running there?"
    elif [ "$age" -gt "$REPORT_MAX_AGE" ]; then
        bad "node $node: cert-distributor's report is ${age}s old (more than ${REPORT_MAX_AGE}s); is it running there?"
    elif [ "$fp" != "$file_fp" ]; then
        bad "node $node: Vault member $svc ($addr) serves notAfter=$na fingerprint=$fp, but the ssl dir on $node holds notAfter=$file_na fingerprint=$file_fp"
    elif [ -n "$pub_fp" ] && [ "$file_fp" != "$pub_fp" ]; then
        bad "node $node: the ssl dir on $node holds notAfter=$file_na fingerprint=$file_fp, but the published certificate is notAfter=$pub_na fingerprint=$pub_fp (not synced yet?)"
    fi
    if [ -n "${EXPECT_NOT_AFTER:-}" ] && [ "$na" != "$EXPECT_NOT_AFTER" ]; then
        bad "node $node: Vault member $svc serves notAfter=$na, expected $EXPECT_NOT_AFTER"
    fi
    say "node $node: $svc ($addr) health=$health serves notAfter=$na fingerprint=$fp; ssl dir holds notAfter=$file_na"
done
exit $failed
