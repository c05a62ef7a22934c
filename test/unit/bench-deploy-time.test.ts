import { expect } from "chai";
import { ReadyDurations, TimedResource, deployTime, durationSeconds, readyKind } from "../../tools/offline/swarm-time";

const res = (name: string, type: string, deps: string[], steps: number[], inputs: Record<string, unknown> = {}): TimedResource => ({
    urn: `urn:${name}`,
    type,
    name,
    custom: true,
    dependencies: deps.map((d) => `urn:${d}`),
    explicitDependsOn: [],
    steps,
    inputs,
});
const SERVICE = "docker:index/service:Service";
const health = { interval: "15s", timeout: "5s", retries: 5, startPeriod: "60s" };
const converged = { replicated: { replicas: 1 } };

describe("bench deploy time (--swarm): ready kinds and the critical path in seconds", () => {
    it("reads Docker durations", () => {
        expect(durationSeconds("15s")).to.equal(15);
        expect(durationSeconds("5m")).to.equal(300);
        expect(durationSeconds("1h30m")).to.equal(5400);
        expect(() => durationSeconds("5 minutes")).to.throw(/not a Docker duration/);
    });

    it("a replicated service the provider waits for is timed by its health-check timing; a global one and plain objects are API calls; manager scripts are jobs", () => {
        const svc = readyKind(res("a", SERVICE, [], [], { mode: converged, convergeConfig: { timeout: "5m" }, taskSpec: { containerSpec: { healthcheck: health } } }));
        expect(svc).to.deep.include({ kind: "service", replicas: 1, health });
        expect(readyKind(res("b", SERVICE, [], [], { mode: { global: true }, taskSpec: {} })).kind).to.equal("api");
        expect(readyKind(res("c", SERVICE, [], [], { mode: converged })).kind, "no convergeConfig: nothing waits").to.equal("api");
        expect(readyKind(res("iklimco-vault-init", "command:remote:Command", [], [])).kind).to.equal("job");
        expect(readyKind(res("iklimco-certs-verify", "command:remote:Command", [], [])).kind).to.equal("certificate-wait");
        expect(readyKind(res("net", "docker:index/network:Network", [], [])).kind).to.equal("api");
    });

    it("takes the longest chain by seconds, not by length, and sums the same figures for the shell's steps in a row", () => {
        const svcInputs = { mode: converged, convergeConfig: {}, taskSpec: { containerSpec: { healthcheck: health } } };
        const key = JSON.stringify({ replicas: 1, health });
        const d: ReadyDurations = { services: { [key]: 20 }, job: 3, api: 0.5 };
        const rs = [
            res("net", "docker:index/network:Network", [], [12]),
            // Three API calls in a row: longer by count, shorter by time.
            res("s1", "docker:index/secret:Secret", ["net"], [11]),
            res("s2", "docker:index/secret:Secret", ["s1"], [11]),
            res("s3", "docker:index/secret:Secret", ["s2"], [11]),
            res("vault", SERVICE, ["net"], [14], svcInputs),
            res("init", "command:remote:Command", ["vault"], [14]),
        ];
        const t = deployTime(rs, d);
        expect(t.path.map((p) => p.urn)).to.deep.equal(["urn:net", "urn:vault", "urn:init"]);
        expect(t.criticalPathSeconds).to.equal(0.5 + 20 + 3);
        expect(t.shellSeconds).to.equal(0.5 * 4 + 20 + 3);
    });
});
