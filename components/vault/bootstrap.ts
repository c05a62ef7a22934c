// Vault bootstrap (step 14, Vault part), split in two components so there is no dependency cycle: VaultInit
// (init.ts) and VaultReady (ready.ts). This module holds what both use: the scripts and the init answer.
//
// The cycle to avoid: the members must mount the `vault_unseal_key` Swarm secret, the secret's value exists
// only once Vault is initialised, and initialising needs a running Vault. If "running Vault" meant the
// members' own services, the graph would be service -> init -> secret -> service.
//
// The design:
//   1. VaultInit runs BEFORE the members' services (after the step-10 certificate). On a first deploy it
//      starts a transient server on vault-1's node, volume, config and overlay name, initialises it through
//      the overlay with one key share, and stops it (vault-bootstrap.sh MODE=init + vault-init.sh). When
//      vault-1 already runs, it asks vault-1; an initialised Vault is never initialised again.
//      Its stdout (Vault's init answer: key and root token) is a secret output of the command. Before the
//      command prints it, the answer is escrowed on the swarm, encrypted under a random key this component
//      makes first (so the key is in the encrypted state before Vault is ever initialised): a run that fails
//      after Vault's init (a dropped session, an engine that dies before recording the output) is recovered
//      by the next run, which prints the same answer again. The escrow is removed by VaultReady, once the
//      members run with the key. See vault-bootstrap.sh and docs/runbook.md. The command runs once: later changes to its inputs are ignored, because Vault gives the key out only at
//      initialisation and a re-run could only answer "already initialised".
//   2. The unseal key becomes the `vault_unseal_key` VersionedSecret, and the members are created with it
//      mounted from their first start (components/vault/cluster.ts); their entrypoint unseals each replica.
//      Rotating the key (a new value) makes a new secret and Pulumi rolls the members onto it, one at a time.
//   3. VaultReady runs AFTER the members converged and waits until every member is unsealed; the Vault
//      provider, and so every Vault-as-code resource (step 16), comes after it and uses the root token from 1
//      (or `iklimco:vaultToken` once the root token is retired).
// Data flows init -> secret -> services -> ready -> provider; no arrow points back.
import * as path from "path";
import { shippedScript } from "../shell";

/** Runs a job on the manager: the transient server for init (MODE=init) or the readiness check (MODE=ready). */
export const BOOTSTRAP = shippedScript(path.join(__dirname, "vault-bootstrap.sh"));
/** The job that initialises Vault (init.ts) and the one that waits until every member is unsealed (ready.ts). */
export const INIT_JOB = shippedScript(path.join(__dirname, "vault-init.sh"));
export const READY_JOB = shippedScript(path.join(__dirname, "vault-ready.sh"));
/** The members' entrypoint (cluster.ts), which the transient server of the init job runs too. */
export const ENTRYPOINT = shippedScript(path.join(__dirname, "vault-entrypoint.sh"));

export interface InitCredentials {
    unsealKey: string;
    rootToken: string;
    /** True when this deploy initialised Vault; false when it adopted an initialised one. */
    initialisedNow: boolean;
}

/**
 * Reads vault-init.sh's answer. Vault's init answer carries the key and the root token; "already initialised"
 * carries neither, so the stack must then hold them (adoption of a Vault initialised elsewhere).
 */
export function initCredentials(stdout: string, adopt: { unsealKey?: string; token?: string }): InitCredentials {
    const line = stdout.trim().split("\n").filter(Boolean).pop() ?? "";
    let answer: { keys_base64?: string[]; root_token?: string; initialized?: boolean };
    try {
        answer = JSON.parse(line);
    } catch {
        throw new Error("vault bootstrap: the init step printed no JSON answer (see the command's log)");
    }
    if (answer.keys_base64?.length && answer.root_token) {
        return { unsealKey: answer.keys_base64[0], rootToken: answer.root_token, initialisedNow: true };
    }
    if (answer.initialized === true) {
        if (!adopt.unsealKey || !adopt.token) {
            throw new Error(
                "vault bootstrap: Vault is already initialised and this stack holds no record of its unseal key and token. " +
                    "Adopt it: pulumi config set --secret iklimco:vaultUnsealKey '<base64 unseal key>' and " +
                    "pulumi config set --secret iklimco:vaultToken '<token>'",
            );
        }
        return { unsealKey: adopt.unsealKey, rootToken: adopt.token, initialisedNow: false };
    }
    throw new Error("vault bootstrap: the init answer has neither keys nor initialized=true");
}
