// docs/naming.md, generated from the naming module (components/naming.ts): each rule and its example come from
// NAMING_RULES, whose examples are worked out by the functions the program calls, so the page cannot drift from
// the names the program gives. `npm run docs:naming` rewrites the file; test/unit/naming.test.ts fails when the
// committed one is stale.
import { EXAMPLE, NAMING_RULES } from "../../components/naming";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderNamingDocs(): string {
    return [
        "# Names the program gives things",
        "",
        "<!-- Generated from components/naming.ts by `npm run docs:naming`; do not edit by hand. -->",
        "",
        "The running platform and this program must agree on names, or adopting the running swarm would recreate",
        "it. Every derived name is worked out in one module, `components/naming.ts`; components call it and shipped",
        "scripts receive the names they use in their environment. Examples are for the stack",
        `\`${EXAMPLE.stackName}\`, the domain \`${EXAMPLE.domain}\` and the microservice \`${EXAMPLE.service}\`.`,
        "",
        "| what | name | example |",
        "|---|---|---|",
        ...NAMING_RULES.map((r) => `| ${cell(r.what)} | ${cell(r.rule)} | \`${cell(r.example)}\` |`),
        "",
        "Scripts that run on the manager (`components/swarm/manager-script.ts`) use the `docker` CLI; one-shot jobs",
        "run as containers on the attachable overlay with `docker run --rm --network <network>`.",
        "",
        "Why the secret suffix is keyed: a plain hash of name and value would let anyone who can run `docker secret ls`",
        "test a guessed password offline. Each secret has its own 32 random bytes (`random.RandomBytes`, a Pulumi",
        "secret kept in the encrypted state), so two evaluations name alike, a new stack creates its keys on its first",
        "`pulumi up`, and a new value still means a new name: Pulumi creates the new secret, rolls the services that",
        "mount it onto it, then deletes the old one.",
        "",
    ].join("\n");
}
