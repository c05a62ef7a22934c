// The AppRole settings of a microservice (or of the backup): the configured TTLs and secret-id limits over the
// defaults, in seconds, bound to the overlay subnet. Pure: no resources.
import { APPROLE_DEFAULTS, MicroserviceSpec, Settings } from "../config";
import { parseDuration } from "../config-values";

export { APPROLE_DEFAULTS };

/** Seconds of a duration the config schema accepted (`30s`, `20m`, `1h`, `7d`). */
export function durationSeconds(d: string): number {
    const secs = parseDuration(d);
    if (secs === undefined) throw new Error(`not a duration: ${d}`);
    return secs;
}

export interface AppRoleSettings {
    tokenTtl: number;
    tokenMaxTtl: number;
    secretIdTtl: number;
    secretIdNumUses: number;
    /** Tokens and secret ids are only usable from the overlay. */
    boundCidrs: string[];
}

export function appRoleSettings(cfg: Pick<Settings, "vault" | "network">, svc: Pick<MicroserviceSpec, "name" | "approle">): AppRoleSettings {
    const merged = { ...APPROLE_DEFAULTS, ...stripUndefined(cfg.vault.approleDefaults), ...stripUndefined(svc.approle ?? {}) };
    const s = {
        tokenTtl: durationSeconds(merged.tokenTtl),
        tokenMaxTtl: durationSeconds(merged.tokenMaxTtl),
        secretIdTtl: durationSeconds(merged.secretIdTtl),
        secretIdNumUses: merged.secretIdNumUses,
        boundCidrs: [cfg.network.subnet],
    };
    // tokenTtl <= tokenMaxTtl is a rule of the config schema (components/config.ts), checked before anything is
    // registered and blamed on the key that holds the value.
    return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
