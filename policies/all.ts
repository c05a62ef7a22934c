// Every policy of the pack, in one list: imported by policies/index.ts (which starts the analyzer), by the
// offline plan and by the tests. Nothing here constructs a PolicyPack.
import { Policies } from "@pulumi/policy";
import { approleRoleBounded } from "./rules/approle";
import { dnsRecordEdgeOnly, dnsRecordTtl } from "./rules/dns";
import { noLiteralCredentialsInEnv } from "./rules/env-credentials";
import { imagePinnedByDigest, imageTagNotLatest } from "./rules/image-tag";
import { overlayNetworkEncrypted } from "./rules/network";
import { explicitProvider } from "./rules/provider";
import { serviceHealthCheck } from "./rules/service-health";
import { serviceResourceLimits } from "./rules/service-limits";
import { serviceRestartPolicy } from "./rules/service-restart";
import { serviceUpdateRollback } from "./rules/service-update";
import { statefulSurvivesNodeLoss } from "./rules/stateful-quorum";
import { statefulStopFirst } from "./rules/stateful-update";
import { noDockerSocketMount, secretFileMode } from "./rules/swarm-hardening";
import { vaultAuditDevice } from "./rules/vault-audit";
import { vaultAuthMethods, vaultDedicatedNodes, vaultKvVersioned, vaultUnprivileged } from "./rules/vault-hardening";
import { vaultPolicyLeastPrivilege } from "./rules/vault-policy";
import { vaultListenerTls } from "./rules/vault-tls";

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
