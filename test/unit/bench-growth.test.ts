import { expect } from "chai";
import { GrowthRow, growsLinearly, growthOverrides } from "../../tools/offline/growth";

describe("bench growth table", () => {
    const row = (microservices: number, nodes: number, seconds: number): GrowthRow => ({ microservices, nodes, resources: 0, seconds });

    it("accepts time that grows with the size and rejects time that grows faster than 1.5 times it", () => {
        const rows = [row(4, 3, 1.3), row(40, 3, 1.8), row(400, 3, 19.2), row(4, 9, 1.0), row(4, 30, 0.8)];
        expect(growsLinearly(rows, "microservices")).to.equal(true);
        expect(growsLinearly(rows, "nodes")).to.equal(true);
        expect(growsLinearly([row(4, 3, 1.3), row(40, 3, 1.8), row(400, 3, 30)], "microservices")).to.equal(false);
        expect(growsLinearly([row(4, 3, 1), row(4, 9, 1), row(4, 30, 6)], "nodes")).to.equal(false);
    });

    it("generates the asked numbers of microservices and nodes, each microservice with its own databases and Vault paths", () => {
        const o = growthOverrides("prod", 40, 9) as { "iklimco:microservices": { name: string; postgres?: { database: string }; vault?: { paths: string[] } }[]; "iklimco:nodes": { name: string }[] };
        const ms = o["iklimco:microservices"];
        expect(ms).to.have.length(40);
        expect(new Set(ms.map((m) => m.name)).size).to.equal(40);
        const dbs = ms.flatMap((m) => (m.postgres ? [m.postgres.database] : []));
        expect(new Set(dbs).size).to.equal(dbs.length);
        expect(o["iklimco:nodes"]).to.have.length(9);
    });
});
