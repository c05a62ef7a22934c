// What the evaluated program runs inside each image: health checks, service commands (or the image's own
// command), scripts passed in service environments, and the job scripts the manager scripts start in images.
import { IMAGE_CONTRACTS, ImageKey, contractAllows, imageKeyOf } from "../../components/images";
import { Evaluation, RecordedResource, SERVICE, input, ofType } from "../harness";
import { scriptCommands } from "./shell-commands";

/** One thing the program runs inside an image: the argv (or the interpreter and its script). */
export interface Invocation {
    where: string;
    image: ImageKey;
    argv: string[];
}

const SHELLS = new Set(["sh", "/bin/sh", "bash", "/bin/bash"]);

/** The command names an invocation needs: argv[0], and for `sh -c/-s <script>` every command the script runs. */
export function namesOf(inv: Invocation): string[] {
    const names = [inv.argv[0]];
    if (SHELLS.has(inv.argv[0])) {
        const c = inv.argv.indexOf("-c");
        if (c >= 0 && inv.argv[c + 1] !== undefined) names.push(...scriptCommands(inv.argv[c + 1]));
    }
    return names;
}

export function violations(invocations: Invocation[]): string[] {
    const out: string[] = [];
    for (const inv of invocations) {
        for (const name of namesOf(inv)) {
            if (!contractAllows(inv.image, name)) out.push(`${inv.where}: runs "${name}", which the ${inv.image} image's contract does not list`);
        }
    }
    return out;
}

/** `export K='v'` lines of a manager script's stdin. */
function scriptEnv(r: RecordedResource): Record<string, string> {
    const env: Record<string, string> = {};
    const stdin = String(input(r, "stdin") ?? "");
    const re = /^export ([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/gm;
    for (let m = re.exec(stdin); m; m = re.exec(stdin)) env[m[1]] = m[2].replace(/'\\''/g, "'");
    return env;
}

/**
 * How each manager script runs its job script inside an image: (image variable, script variable, interpreter).
 * node-job.sh: `docker service create IMAGE sh -c JOB_SCRIPT`; vault-bootstrap.sh: `--entrypoint /bin/sh IMAGE
 * -s` (the transient server: `-c ENTRYPOINT_SCRIPT`); step20.sh/verify.sh: `CERT_TOOLS_IMAGE sh -s`;
 * oneshot.sh: `ONESHOT_IMAGE bash -c ONESHOT_ENTRY` (or the image's own command when there is no entry).
 */
const JOB_RUNNERS: { image: string; script: string; shell: string }[] = [
    { image: "IMAGE", script: "JOB_SCRIPT", shell: "sh" },
    { image: "IMAGE", script: "ENTRYPOINT_SCRIPT", shell: "/bin/sh" },
    { image: "CERT_TOOLS_IMAGE", script: "CHECK_SCRIPT", shell: "sh" },
    { image: "CERT_TOOLS_IMAGE", script: "SELF_SIGNED_SCRIPT", shell: "sh" },
    { image: "ONESHOT_IMAGE", script: "ONESHOT_ENTRY", shell: "bash" },
];

export function invocationsOf(ev: Evaluation, images: Record<ImageKey, string>): Invocation[] {
    const out: Invocation[] = [];
    const keyOf = (image: string, where: string): ImageKey => {
        const k = imageKeyOf(images, image);
        if (!k) throw new Error(`${where}: image ${image} is not one of images.*`);
        return k;
    };
    for (const s of ofType(ev, SERVICE)) {
        const c = input(s, "taskSpec.containerSpec");
        const image = keyOf(c.image, s.name);
        const hc: string[] = c.healthcheck?.tests ?? [];
        if (hc[0] === "CMD") out.push({ where: `${s.name} health check`, image, argv: hc.slice(1) });
        else if (hc[0] === "CMD-SHELL") out.push({ where: `${s.name} health check`, image, argv: ["/bin/sh", "-c", hc[1]] });
        else throw new Error(`${s.name}: health check ${JSON.stringify(hc)} is neither CMD nor CMD-SHELL`);
        const argv: string[] = [...(c.commands ?? []), ...(c.args ?? [])];
        if ((c.commands ?? []).length) out.push({ where: `${s.name} command`, image, argv });
        else {
            // No command: the image's own entrypoint runs, with the args (or the image's CMD) as its arguments,
            // which docker-library entrypoints exec (mongod).
            const own = IMAGE_CONTRACTS[image];
            if (own.entrypoint.length) out.push({ where: `${s.name} image entrypoint`, image, argv: own.entrypoint });
            const rest = c.args?.length ? c.args : own.cmd;
            if (rest.length) out.push({ where: `${s.name} image command`, image, argv: rest });
        }
        for (const [k, v] of Object.entries<string>(c.env ?? {})) {
            if (k.endsWith("_SCRIPT")) out.push({ where: `${s.name} env ${k}`, image, argv: ["/bin/sh", "-c", v] });
        }
    }
    for (const r of ev.resources.filter((x) => x.type === "command:remote:Command" || x.type === "command:local:Command")) {
        const env = scriptEnv(r);
        for (const j of JOB_RUNNERS) {
            if (!env[j.image] || env[j.script] === undefined) continue;
            const image = keyOf(env[j.image], r.name);
            if (env[j.script] === "" && j.script === "ONESHOT_ENTRY") continue; // the image's own command
            out.push({ where: `${r.name} ${j.script}`, image, argv: [j.shell, "-c", env[j.script]] });
        }
    }
    return out;
}

