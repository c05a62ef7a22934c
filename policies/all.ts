// Every policy of the pack, in one list: imported by policies/index.ts (which starts the analyzer), by the
// offline plan and by the tests. Nothing here constructs a PolicyPack.
import { Policies } from "@pulumi/policy";
import { approleRoleBounded } from "./rules/approle-role-bounded";
import { dnsRecordEdgeOnly } from "./rules/dns-record-edge-only";
import { dnsRecordTtl } from "./rules/dns-record-ttl";
import { explicitProvider } from "./rules/explicit-provider";
import { imagePinnedByDigest } from "./rules/image-pinned-by-digest";
import { imageTagNotLatest } from "./rules/image-tag-not-latest";
import { noDockerSocketMount } from "./rules/no-docker-socket-mount";
import { noLiteralCredentialsInEnv } from "./rules/no-literal-credentials-in-env";
import { overlayNetworkEncrypted } from "./rules/overlay-network-encrypted";
import { secretFileMode } from "./rules/secret-file-mode";
import { serviceHealthCheck } from "./rules/service-health-check";
import { serviceResourceLimits } from "./rules/service-resource-limits";
import { serviceRestartPolicy } from "./rules/service-restart-policy";
import { serviceUpdateRollback } from "./rules/service-update-rollback";
import { statefulStopFirst } from "./rules/stateful-stop-first";
import { statefulSurvivesNodeLoss } from "./rules/stateful-survives-node-loss";
import { vaultAuditDevice } from "./rules/vault-audit-device";
import { vaultAuthMethods } from "./rules/vault-auth-methods";
import { vaultDedicatedNodes } from "./rules/vault-dedicated-nodes";
import { vaultKvVersioned } from "./rules/vault-kv-versioned";
import { vaultListenerTls } from "./rules/vault-listener-tls";
import { vaultPolicyLeastPrivilege } from "./rules/vault-policy-least-privilege";
import { vaultUnprivileged } from "./rules/vault-unprivileged-user";

export const PACK_NAME = "iklimco-platform";

export const POLICIES: Policies = [
    imageTagNotLatest,
    imagePinnedByDigest,
    noLiteralCredentialsInEnv,
    serviceHealthCheck,
    serviceResourceLimits,
    serviceRestartPolicy,
    serviceUpdateRollback,
    statefulStopFirst,
    statefulSurvivesNodeLoss,
    vaultListenerTls,
    vaultAuditDevice,
    vaultPolicyLeastPrivilege,
    approleRoleBounded,
    dnsRecordTtl,
    dnsRecordEdgeOnly,
    overlayNetworkEncrypted,
    explicitProvider,
    secretFileMode,
    noDockerSocketMount,
    vaultUnprivileged,
    vaultDedicatedNodes,
    vaultKvVersioned,
    vaultAuthMethods,
];
