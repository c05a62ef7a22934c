// The floor of `npm run bench`: the least any Pulumi program of this size can cost. A node process loads
// @pulumi/pulumi, installs mocks and registers FLOOR_RESOURCES custom resources under one component, each with
// a few inputs and one secret, then prints "evaluated" once every registration has been answered. No
// TypeScript is compiled at run time: the benchmark runs this file's JavaScript (`npm run build`).
import * as pulumi from "@pulumi/pulumi";

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings");

/** As many custom resources as the prod stack declares (the figure the issue measured the floor with). */
export const FLOOR_RESOURCES = 152;

class FloorResource extends pulumi.CustomResource {
    constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts: pulumi.CustomResourceOptions) {
        super("floor:index:Resource", name, props, opts);
    }
}

class FloorComponent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("floor:index:Component", name, {});
    }
    done(): void {
        this.registerOutputs({});
    }
}

export async function runFloor(count = FLOOR_RESOURCES): Promise<number> {
    await pulumi.runtime.setMocks(
        { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
        "floor",
        "floor",
        false,
    );
    let registered = 0;
    const component = new FloorComponent("floor");
    for (let i = 0; i < count; i++) {
        const r = new FloorResource(
            `floor-${i}`,
            { image: `registry.example/floor:${i}`, replicas: 1 + (i % 3), labels: { index: String(i), role: "floor" }, password: pulumi.secret(`secret-${i}`) },
            { parent: component },
        );
        r.urn.apply(() => registered++);
    }
    component.done();
    await settings.waitForRPCs();
    while (registered < count) {
        await new Promise((r) => setImmediate(r));
        await settings.waitForRPCs();
    }
    return registered;
}

if (require.main === module) {
    runFloor().then(
        (n) => {
            process.stdout.write(`evaluated\nresult ${JSON.stringify({ resources: n })}\n`);
            process.exit(0);
        },
        (err) => {
            process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exit(1);
        },
    );
}
