// Pure checks of single config values against what consumes them (busybox crond, Vault, Docker, the Docker
// provider's host string, URLs). No schema here: components/config.ts wraps these with the messages operators see.

// ---------------------------------------------------------------- cron (busybox crond, vault-backup)

const CRON_FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], base: 1 },
    // busybox crond (the backup's scheduler) takes 0-6 only: "7 for Sunday" is a parse error there.
    { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], base: 0 },
] as const;

export interface CronSchedule {
    minutes: number[];
    hours: number[];
    days: Set<number>;
    months: Set<number>;
    /** 0-6, Sunday 0. */
    weekdays: Set<number>;
    domRestricted: boolean;
    dowRestricted: boolean;
}

/** Parses a five-field crontab schedule (numbers, `*`, lists, ranges, steps, month/day names). */
export function parseCron(schedule: string): { schedule?: CronSchedule; problem?: string } {
    const fields = schedule.trim().split(/\s+/).filter(Boolean);
    if (fields.length !== 5) return { problem: `five fields (minute hour day-of-month month day-of-week), found ${fields.length}` };
    const sets: number[][] = [];
    for (let i = 0; i < 5; i++) {
        const spec = CRON_FIELDS[i];
        const values = new Set<number>();
        for (const part of fields[i].split(",")) {
            const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
            if (!m) return { problem: `a valid ${spec.name} field, found "${fields[i]}"` };
            const step = m[2] === undefined ? 1 : Number(m[2]);
            if (step < 1) return { problem: `a step of at least 1 in the ${spec.name} field, found "${part}"` };
            let lo: number;
            let hi: number;
            if (m[1] === "*") {
                lo = spec.min;
                hi = spec.max;
            } else {
                const range = m[1].split("-");
                if (range.length > 2) return { problem: `a valid ${spec.name} field, found "${fields[i]}"` };
                const nums = range.map((r) => cronNumber(r, i));
                if (nums.some((n) => n === undefined)) return { problem: `the ${spec.name} field from ${spec.min} to ${spec.max}, found "${part}"` };
                lo = nums[0]!;
                hi = nums.length === 2 ? nums[1]! : m[2] === undefined ? lo : spec.max;
                for (const n of [lo, hi]) if (n < spec.min || n > spec.max) return { problem: `the ${spec.name} field from ${spec.min} to ${spec.max}, found ${n} in "${fields[i]}"` };
                if (hi < lo) return { problem: `a ${spec.name} range from low to high, found "${part}"` };
            }
            for (let v = lo; v <= hi; v += step) values.add(v);
        }
        sets.push([...values].sort((a, b) => a - b));
    }
    return {
        schedule: {
            minutes: sets[0],
            hours: sets[1],
            days: new Set(sets[2]),
            months: new Set(sets[3]),
            weekdays: new Set(sets[4]),
            domRestricted: fields[2] !== "*",
            dowRestricted: fields[4] !== "*",
        },
    };
}

function cronNumber(text: string, field: number): number | undefined {
    if (/^\d+$/.test(text)) return Number(text);
    const spec = CRON_FIELDS[field];
    if ("names" in spec) {
        const i = (spec.names as readonly string[]).indexOf(text.toLowerCase());
        if (i >= 0) return i + spec.base;
    }
    return undefined;
}

/**
 * The longest time between two runs of a schedule, in seconds (what the backup's health check allows), or
 * undefined when the schedule never runs (February 30th). Days match as in cron: when both day fields are
 * restricted, either one matching is enough. Walks four years from a fixed date, so the answer never changes.
 */
export function cronLongestGapSeconds(c: CronSchedule): number | undefined {
    const perDay = c.hours.flatMap((h) => c.minutes.map((m) => h * 60 + m));
    const start = Date.UTC(2024, 0, 1);
    const fireDays: number[] = [];
    for (let day = 0; day < 4 * 366; day++) {
        const d = new Date(start + day * 86400000);
        if (!c.months.has(d.getUTCMonth() + 1)) continue;
        const domOk = c.days.has(d.getUTCDate());
        const dowOk = c.weekdays.has(d.getUTCDay());
        const match = c.domRestricted && c.dowRestricted ? domOk || dowOk : domOk && dowOk;
        if (match) fireDays.push(day);
    }
    if (fireDays.length === 0 || perDay.length === 0) return undefined;
    let gap = 0;
    for (let i = 1; i < perDay.length; i++) gap = Math.max(gap, perDay[i] - perDay[i - 1]);
    for (let i = 1; i < fireDays.length; i++) gap = Math.max(gap, (fireDays[i] - fireDays[i - 1]) * 1440 + perDay[0] - perDay[perDay.length - 1]);
    if (fireDays.length === 1) gap = Math.max(gap, 4 * 366 * 1440);
    return gap * 60;
}

// ---------------------------------------------------------------- durations (Vault's parseutil)

const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** Seconds of a Vault duration (`30s`, `20m`, `1h`, `7d`), or undefined when it is not one. */
export function parseDuration(d: string): number | undefined {
    const m = /^(\d{1,9})(s|m|h|d)$/.exec(d);
    return m ? Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS] : undefined;
}

// ---------------------------------------------------------------- hosts, ports, URLs

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isDnsLabel(s: string): boolean {
    return LABEL.test(s);
}

/** A lower-case DNS name: labels of a-z, 0-9 and inner `-`, at most 253 characters. */
export function isHostname(s: string): boolean {
    return s.length >= 1 && s.length <= 253 && s.split(".").every((l) => LABEL.test(l));
}

export function isIpv4(s: string): boolean {
    const parts = s.split(".");
    return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** What kind of non-public IPv4 address this is (RFC 1918, loopback, ...), or undefined for a public one. */
export function nonPublicIpv4(s: string): string | undefined {
    if (!isIpv4(s)) return undefined;
    const [a, b] = s.split(".").map(Number);
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "a private (RFC 1918) address";
    if (a === 127) return "a loopback address";
    if (a === 169 && b === 254) return "a link-local address";
    if (a === 100 && b >= 64 && b <= 127) return "a carrier-grade NAT address";
    if (a === 0) return "an unspecified address";
    return undefined;
}

export function isPort(text: string): boolean {
    return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** A host as the Docker CLI and OpenSSH take it: a DNS name (any case), an IPv4 address or a bracketed IPv6. */
function isHost(s: string): boolean {
    return isIpv4(s) || isHostname(s.toLowerCase()) || /^\[[0-9a-fA-F:.]+\]$/.test(s);
}

/**
 * `docker.host` as the Docker provider takes it: ssh://user@host[:port], unix:///absolute/path or
 * tcp://host:port. Returns what is wrong, or undefined.
 */
export function dockerHostProblem(s: string): string | undefined {
    let m = /^ssh:\/\/([^@/\s]+)@([^/\s]+?)(?::([^:/\s\]]*))?\/?$/.exec(s);
    if (m) {
        if (!isHost(m[2])) return `a host name or address after the @, found "${m[2]}"`;
        if (m[3] !== undefined && !isPort(m[3])) return `an SSH port from 1 to 65535, found "${m[3]}"`;
        return undefined;
    }
    if (s.startsWith("ssh://")) return "ssh://user@host[:port] with the user before an @";
    m = /^unix:\/\/(\/\S+)$/.exec(s);
    if (m) return undefined;
    if (s.startsWith("unix://")) return "unix:// followed by an absolute socket path (three slashes)";
    m = /^tcp:\/\/([^/\s]+?):([^:/\s\]]+)\/?$/.exec(s);
    if (m) {
        if (!isHost(m[1])) return `a host name or address, found "${m[1]}"`;
        if (!isPort(m[2])) return `a port from 1 to 65535, found "${m[2]}"`;
        return undefined;
    }
    if (s.startsWith("tcp://")) return "tcp://host:port with an explicit port";
    return "one of the forms ssh://, unix:// or tcp://";
}

/** An http(s) URL with a real host and, if any, a port from 1 to 65535. `vault.iklim.co:8200` is not one. */
export function urlProblem(s: string, schemes: readonly string[]): string | undefined {
    const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]*)([/?#]\S*)?$/i.exec(s);
    if (!m) return `a URL starting with ${schemes.map((x) => `${x}://`).join(" or ")}`;
    if (!schemes.includes(m[1].toLowerCase())) return `the scheme ${schemes.join(" or ")}, found "${m[1]}"`;
    const hp = /^(?:[^@]*@)?(\[[^\]]+\]|[^:]*)(?::(.*))?$/.exec(m[2]);
    if (!hp || !hp[1] || !isHost(hp[1])) return `a host name after ${m[1]}://, found "${m[2]}"`;
    if (hp[2] !== undefined && !isPort(hp[2])) return `a port from 1 to 65535, found "${hp[2]}"`;
    return undefined;
}

/** An IPv4 CIDR whose address is the network's own (Docker refuses 10.20.1.0/16). */
export function cidrProblem(s: string): string | undefined {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
    if (!m || !isIpv4(m[1])) return "an IPv4 network in CIDR form";
    const bits = Number(m[2]);
    if (bits < 8 || bits > 24) return `a prefix length from /8 to /24 (room for every task and virtual IP), found /${bits}`;
    const ip = m[1].split(".").reduce((a, p) => a * 256 + Number(p), 0);
    const size = 2 ** (32 - bits);
    if (ip % size !== 0) {
        const net = ip - (ip % size);
        const dotted = [24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join(".");
        return `the network address itself (Docker refuses host bits), e.g. ${dotted}/${bits}`;
    }
    return undefined;
}

// ---------------------------------------------------------------- spelling

export function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/** The known name closest to `unknown`, if it is close enough to be a misspelling of it. */
export function nearest(unknown: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestD = Infinity;
    for (const k of known) {
        const dist = k.toLowerCase() === unknown.toLowerCase() ? 0.5 : editDistance(unknown.toLowerCase(), k.toLowerCase());
        if (dist < bestD) {
            best = k;
            bestD = dist;
        }
    }
    return best !== undefined && bestD <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}
