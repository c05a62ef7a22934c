// Fields of the Swarm services this program declares that other actors change on purpose. A `pulumi up
// --refresh` reads them back; if the program also owned them, the refresh would turn that work into drift
// and the next update would undo it (for the force-update counter: restart the service once more, Vault
// members and SWAG included). The builder puts every `input` path below in the service's `ignoreChanges`, so
// the engine keeps the value it read and never diffs it. docs/runbook.md ("Who owns which field") lists these
// beside the fields and files the program does own.

export interface FieldOwnedElsewhere {
    /** The docker provider's input path on `docker.Service` (node_modules/@pulumi/docker/types/input.d.ts). */
    input: string;
    /** The same field in the Swarm service spec (`docker service inspect --format '{{json .Spec}}'`). */
    swarm: string;
    /** Who changes it, and with what. */
    owners: string[];
}

export const SERVICE_FIELDS_OWNED_ELSEWHERE: readonly FieldOwnedElsewhere[] = [
    {
        input: "taskSpec.forceUpdate",
        swarm: "TaskTemplate.ForceUpdate",
        owners: [
            "cert-distributor (components/certs/scripts/distributor.sh): `docker service update --detach --force` of its node's Vault member after a certificate renewal",
            "SWAG files (components/infra-db/swag-files.sh): `docker service update --force` of SWAG when its nginx/certbot files change",
            "an operator's rolling restart: `docker service update --force <service>`",
        ],
    },
];

/** The `ignoreChanges` paths every service of the program carries. */
export const SERVICE_IGNORE_CHANGES: readonly string[] = SERVICE_FIELDS_OWNED_ELSEWHERE.map((f) => f.input);
