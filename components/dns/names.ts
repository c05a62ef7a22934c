// Who owns each name under the stack's domain that the program and its workflows use. Every such name is
// either declared by the DNS component (a public record) or said, by config, not to be public here, with how
// it is reached instead. The platform exports this as `dnsNames`, so the offline plan and `pulumi preview`
// both show it.
import { Settings, nodesWithLabel } from "../config";
import { vaultHostname } from "../naming";

export interface DnsNames {
    /** Names the DNS component declares, with the addresses they point at. */
    public: Record<string, string[]>;
    /** Names the program uses that are not public records of this stack, and how each is reached. */
    notPublic: Record<string, string>;
}

/** The label of Vault's public record (`vault`), when the runner reaches Vault by its public name. */
export function vaultRecordLabel(cfg: Pick<Settings, "dns" | "domain" | "vault">): string | undefined {
    if (cfg.dns.provider === "none" || cfg.vault.runnerAccess !== "public") return undefined;
    return vaultHostname(cfg).slice(0, -cfg.domain.length - 1);
}

/** The public IPs of the nodes labelled vault: each Vault member publishes its port on its own node. */
export function vaultAddresses(cfg: Pick<Settings, "nodes">): string[] {
    return [...new Set(nodesWithLabel(cfg, "vault").map((n) => n.publicIp))].sort();
}

export function dnsNames(cfg: Pick<Settings, "dns" | "domain" | "vault" | "nodes">, edge: string[]): DnsNames {
    const names: DnsNames = { public: {}, notPublic: {} };
    const vault = vaultHostname(cfg);
    const overlay = "on the overlay every Vault member answers to it (a network alias)";
    if (cfg.dns.provider === "none") {
        for (const r of cfg.dns.records) names.notPublic[`${r}.${cfg.domain}`] = "dns.provider: none: no public record; SWAG serves it to whoever resolves it locally";
        names.notPublic[vault] = `dns.provider: none: the runner connects to ${cfg.vault.address ?? "vault.address"}; ${overlay}`;
    } else {
        for (const r of cfg.dns.records) names.public[`${r}.${cfg.domain}`] = [...edge].sort();
        if (vaultRecordLabel(cfg)) names.public[vault] = vaultAddresses(cfg);
        else names.notPublic[vault] = `vault.runnerAccess: private: the runner connects to ${cfg.vault.address} and checks the certificate for ${vault}; ${overlay}`;
    }
    for (const e of cfg.dns.external) names.notPublic[`${e}.${cfg.domain}`] = "dns.external: published by another system; this program only uses it";
    return names;
}
