import { expect } from "chai";
import { GraphReason, GraphResource, criticalPath, customPredecessors, differingResources, minMedian, mostStepsChain, orderingEdges, stepWaits, topologicalOrder } from "../../tools/offline/graph";

/** A synthetic resource: custom unless said otherwise, named by its URN. */
function r(urn: string, o: Partial<GraphResource> = {}): GraphResource {
    return { urn, type: "test:index:Thing", name: urn, custom: true, dependencies: [], explicitDependsOn: [], steps: [], ...o };
}

describe("bench graph computations (synthetic graphs)", () => {
    describe("critical path", () => {
        it("is empty for an empty graph and one resource for a lone resource", () => {
            expect(criticalPath([])).to.deep.equal({ length: 0, path: [], steps: [] });
            expect(criticalPath([r("a", { steps: [12] })])).to.deep.equal({ length: 1, path: ["a"], steps: [12] });
        });

        it("counts the provider as a dependency", () => {
            const g = [r("prov", { steps: [3, 8] }), r("net", { provider: "prov", steps: [12] }), r("svc", { provider: "prov", dependencies: ["net"], steps: [12] })];
            const cp = criticalPath(g);
            expect(cp.length).to.equal(3);
            expect(cp.path).to.deep.equal(["prov", "net", "svc"]);
            expect(cp.steps).to.deep.equal([3, 8, 12]);
        });

        it("takes the longest chain, not the one with most steps, and counts distinct steps on it", () => {
            // a -> b -> c -> d (4 long, steps 12 and 14) and x -> y (2 long, steps 20, 21, 22, 23)
            const g = [
                r("a", { steps: [12] }),
                r("b", { dependencies: ["a"], steps: [12] }),
                r("c", { dependencies: ["b"], steps: [14] }),
                r("d", { dependencies: ["c"], steps: [14] }),
                r("x", { steps: [20, 21] }),
                r("y", { dependencies: ["x"], steps: [22, 23] }),
            ];
            const cp = criticalPath(g);
            expect(cp.length).to.equal(4);
            expect(cp.path).to.deep.equal(["a", "b", "c", "d"]);
            expect(cp.steps).to.deep.equal([12, 14]);
            const widest = mostStepsChain(g);
            expect(widest.path).to.deep.equal(["x", "y"]);
            expect(widest.steps).to.deep.equal([20, 21, 22, 23]);
        });

        it("among equally long chains, reports the one through the most steps whatever the names", () => {
            for (const [p, q] of [
                ["p", "q"],
                ["z", "a"],
            ]) {
                const g = [
                    r("root", { steps: [3] }),
                    r(`${p}1`, { dependencies: ["root"], steps: [12] }),
                    r(`${p}2`, { dependencies: [`${p}1`], steps: [12] }),
                    r(`${q}1`, { dependencies: ["root"], steps: [14] }),
                    r(`${q}2`, { dependencies: [`${q}1`], steps: [16] }),
                ];
                const cp = criticalPath(g);
                expect(cp.length).to.equal(3);
                expect(cp.steps).to.deep.equal([3, 14, 16]);
                expect(cp.path).to.deep.equal(["root", `${q}1`, `${q}2`]);
            }
        });

        it("does not start a critical path in the middle of a longer chain", () => {
            // m has no steps; its predecessor chain gives it depth 3. The path must start at depth 1.
            const g = [r("s1"), r("s2", { dependencies: ["s1"] }), r("m", { dependencies: ["s2"], steps: [19] })];
            const cp = criticalPath(g);
            expect(cp.path).to.deep.equal(["s1", "s2", "m"]);
            expect(cp.steps).to.deep.equal([19]);
        });

        it("waits for a component's custom children when something depends on the component", () => {
            const g = [
                r("comp", { custom: false }),
                r("child1", { parent: "comp", steps: [10] }),
                r("grand", { custom: false, parent: "comp" }),
                r("child2", { parent: "grand", dependencies: ["child1"], steps: [10] }),
                r("after", { dependencies: ["comp"], steps: [19] }),
            ];
            expect(customPredecessors(g).get("after")).to.deep.equal(["child1", "child2"]);
            expect(customPredecessors(g).has("comp")).to.equal(false);
            const cp = criticalPath(g);
            expect(cp.path).to.deep.equal(["child1", "child2", "after"]);
            expect(cp.steps).to.deep.equal([10, 19]);
        });

        it("ignores dependencies on resources it was not given, and rejects a cycle naming it", () => {
            expect(criticalPath([r("a", { dependencies: ["elsewhere"] })]).length).to.equal(1);
            const cyclic = [r("a", { dependencies: ["c"] }), r("b", { dependencies: ["a"] }), r("c", { dependencies: ["b"] })];
            expect(() => topologicalOrder(customPredecessors(cyclic))).to.throw(/dependency cycle: a -> c -> b -> a/);
            expect(() => criticalPath(cyclic)).to.throw(/dependency cycle/);
        });

        it("rejects a step number outside the table", () => {
            expect(() => criticalPath([r("a", { steps: [0] })])).to.throw(/step 0 is out of range/);
        });
    });

    describe("ordering edges", () => {
        const g = [
            r("db", { steps: [12] }),
            r("vault", { steps: [14] }),
            r("init", { custom: false }),
            r("init-job", { parent: "init", explicitDependsOn: ["db"], dependencies: ["db"] }),
            r("dns", { explicitDependsOn: ["vault"], dependencies: ["vault"] }),
            r("apisix-init", { explicitDependsOn: ["db"], dependencies: ["db"] }),
        ];
        const reasons: GraphReason[] = [
            { dependent: "init", why: "the SQL runs against the Patroni primary", on: ["db"] },
            { dependent: "dns", why: "records point at an edge that serves", on: ["db"] },
        ];

        it("lists every explicit dependsOn edge with the reasons that cover it", () => {
            const edges = orderingEdges(g, reasons);
            expect(edges.map((e) => `${e.from}->${e.to}`)).to.deep.equal(["apisix-init->db", "dns->vault", "init-job->db"]);
            // A reason given for a component covers its children's edges.
            expect(edges.find((e) => e.from === "init-job")!.reasons.map((x) => x.why)).to.deep.equal(["the SQL runs against the Patroni primary"]);
        });

        it("flags edges no reason covers: wrong target, or a reason recorded for another resource", () => {
            const unexplained = orderingEdges(g, reasons).filter((e) => e.reasons.length === 0);
            expect(unexplained.map((e) => `${e.from}->${e.to}`)).to.deep.equal(["apisix-init->db", "dns->vault"]);
        });

        it("counts a reason whose resource is a component as covering that component's children", () => {
            const withComp = [...g, r("vault-stack", { custom: false }), r("vault-svc", { parent: "vault-stack" }), r("approle", { explicitDependsOn: ["vault-svc"], dependencies: ["vault-svc"] })];
            const edges = orderingEdges(withComp, [{ dependent: "approle", why: "Vault must be unsealed", on: ["vault-stack"] }]);
            expect(edges.find((e) => e.from === "approle")!.reasons).to.have.length(1);
        });
    });

    describe("step waits", () => {
        it("lists the steps each step's resources wait for, transitively, not counting a resource's own steps", () => {
            const g = [
                r("prov", { steps: [3, 8] }),
                r("etcd", { provider: "prov", steps: [12, 18] }),
                r("comp", { custom: false }),
                r("apisix", { provider: "prov", parent: "comp", dependencies: ["etcd"], steps: [12] }),
                r("apisix-init", { dependencies: ["comp"], steps: [19] }),
                r("dns", { provider: "prov", steps: [23] }),
            ];
            const waits = stepWaits(g);
            expect([...waits.get(19)!].sort((a, b) => a - b)).to.deep.equal([3, 8, 12, 18]);
            expect([...waits.get(23)!].sort((a, b) => a - b)).to.deep.equal([3, 8]);
            expect([...waits.get(3)!]).to.deep.equal([]);
            // etcd realises 12 and 18; step 12 (apisix) waits on etcd, so 12 waits on 18, but not through itself.
            expect([...waits.get(18)!].sort((a, b) => a - b)).to.deep.equal([3, 8]);
            // Step 12 waits on etcd (12 and 18): it waits on 18, never on itself.
            expect([...waits.get(12)!].sort((a, b) => a - b)).to.deep.equal([3, 8, 18]);
        });
    });

    describe("determinism and statistics", () => {
        it("counts resources whose inputs differ or that only one evaluation declared", () => {
            const a = [
                { urn: "x", inputs: "h1" },
                { urn: "y", inputs: "h2" },
                { urn: "z", inputs: "h3" },
            ];
            expect(differingResources(a, a)).to.deep.equal([]);
            expect(differingResources(a, [{ urn: "x", inputs: "h1" }, { urn: "y", inputs: "changed" }, { urn: "w", inputs: "h4" }])).to.deep.equal(["w", "y", "z"]);
        });

        it("computes min and median of odd and even samples", () => {
            expect(minMedian([3, 1, 2])).to.deep.equal({ min: 1, median: 2 });
            expect(minMedian([4, 1, 3, 2])).to.deep.equal({ min: 1, median: 2.5 });
            expect(() => minMedian([])).to.throw(/no samples/);
        });
    });
});
