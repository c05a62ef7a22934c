// Budgets for the deploy graph. The benchmark (`npm run bench`) prints each next to the measured value, and a
// unit test (test/unit/bench-budget.test.ts) fails when the prod stack exceeds it.

/**
 * The most distinct pipeline steps the prod deploy's critical path may pass through (the shell pipeline ran
 * all 24 in a row). The path is provider, network, Vault init and its unseal-key secret, the Vault members one
 * at a time, the cert-distributor, the certificate check, the root-token retirement, the Vault provider, then
 * the backup's AppRole and service: steps 3, 8, 12, 14, 16 and 24. Every edge on it is a use, except the
 * members' one-at-a-time start (Raft quorum). Raise the figure only after `npm run bench` shows that each new
 * edge on the path is needed (the later step uses something the earlier one makes), and say why here.
 */
export const CRITICAL_PATH_STEP_BUDGET = 6;

/**
 * Steps the shell pipeline ran in a row only because shell is sequential: the later one uses nothing the
 * earlier one makes, so the graph must let them run in parallel (checked by the benchmark and
 * test/unit/bench-budget.test.ts once both steps have resources).
 */
export const INDEPENDENT_STEPS: readonly { step: number; notAfter: number; why: string }[] = [
    { step: 23, notAfter: 22, why: "DNS records need SWAG serving, not the database init" },
    { step: 23, notAfter: 21, why: "DNS records need SWAG serving, not the MongoDB replica set" },
    { step: 23, notAfter: 16, why: "DNS records need SWAG serving, not Vault's AppRoles" },
    { step: 19, notAfter: 14, why: "APISIX init needs etcd and APISIX, not the Vault bootstrap" },
    { step: 19, notAfter: 16, why: "APISIX init needs etcd and APISIX, not Vault's AppRoles" },
    { step: 19, notAfter: 22, why: "APISIX init needs etcd and APISIX, not the database init" },
    { step: 21, notAfter: 19, why: "the MongoDB replica set needs MongoDB, not APISIX init" },
    { step: 22, notAfter: 23, why: "database init scripts need the databases, not public DNS" },
    { step: 22, notAfter: 19, why: "database init scripts need the databases, not APISIX init" },
];
