// The init components under Pulumi mocks (offline engine), through a fixture program that supplies stand-ins
// for what the infra/DB component provides: each job is ordered after exactly what it needs, triggers change
// exactly when a script or rendered input changes, and secrets stay out of every plain input.
import { expect } from "chai";
import * as path from "path";
import { readScript, renderPostgresSql } from "../../components/init/render";
import { sha256 } from "../../components/swarm";
import { Evaluation, FIXTURES, RecordedResource, SECRET, comesAfter, evaluateStack, input, named } from "../harness";

const program = path.join(FIXTURES, "init-program.ts");
const SECRETS = { "test:pgSuper": "pg-super-Secret-4711", "test:mongoRoot": "mongo-root-Secret-4712" };
const PROD_SERVICES = [
    { name: "auth-service", vault: { paths: ["auth"] }, postgres: { database: "auth" }, rabbitmq: { vhost: "iklimco" } },
    { name: "user-service", vault: { paths: ["user"] }, postgres: { database: "users" }, mongodb: { database: "user_profiles" }, rabbitmq: { vhost: "iklimco" } },
    { name: "station-service", vault: { paths: ["station"] }, mongodb: { database: "stations" }, rabbitmq: { vhost: "iklimco" } },
];

const evaluate = (overrides: Record<string, unknown> = {}, fresh = false) =>
    evaluateStack("prod", { program, secrets: SECRETS, overrides: { "iklimco:microservices": PROD_SERVICES, ...overrides }, fresh });

const JOBS = {
    rs: "iklimco-init-mongo-rs-job",
    postgres: "iklimco-init-databases-postgres",
    mongo: "iklimco-init-databases-mongodb",
    rabbitmq: "iklimco-init-rabbitmq-job",
    apisix: "iklimco-init-apisix-job",
};
const triggers = (ev: Evaluation, job: string): string[] => input(named(ev, job), "triggers");
const env = (r: RecordedResource): string => String(input(r, "stdin"));

describe("init components (mocks)", function () {
    this.timeout(120_000);
    let ev: Evaluation;
    before(async () => {
        ev = await evaluate();
    });

    it("runs each job as a remote command on the manager, realising its pipeline step", () => {
        for (const job of Object.values(JOBS)) expect(named(ev, job).type).to.equal("command:remote:Command");
        expect(named(ev, JOBS.rs).steps).to.deep.equal([21]);
        expect(named(ev, JOBS.postgres).steps).to.include.members([7, 22]);
        expect(named(ev, JOBS.rabbitmq).steps).to.deep.equal([14]);
        expect(named(ev, JOBS.apisix).steps).to.deep.equal([19]);
    });

    it("step 21 comes after every MongoDB service, and after nothing of the other clusters", () => {
        const rs = named(ev, JOBS.rs);
        for (const i of [1, 2, 3]) expect(comesAfter(ev, rs, named(ev, `standin-mongodb-${i}`))).to.equal(true);
        for (const other of ["standin-patroni-1", "standin-rabbitmq", "standin-apisix", "standin-etcd-healthy"]) expect(comesAfter(ev, rs, named(ev, other))).to.equal(false);
    });

    it("step 22 comes after step 21 (MongoDB) and after the Patroni services (PostgreSQL)", () => {
        const mongo = named(ev, JOBS.mongo);
        const pg = named(ev, JOBS.postgres);
        expect(comesAfter(ev, mongo, named(ev, JOBS.rs))).to.equal(true);
        for (const i of [1, 2, 3]) expect(comesAfter(ev, pg, named(ev, `standin-patroni-${i}`))).to.equal(true);
        // Exactly what it needs: the SQL does not wait for MongoDB, RabbitMQ or APISIX.
        for (const other of [JOBS.rs, "standin-mongodb-1", "standin-rabbitmq", "standin-apisix"]) expect(comesAfter(ev, pg, named(ev, other))).to.equal(false);
    });

    it("step 19 comes after etcd's health (step 18) and APISIX; the RabbitMQ setup after RabbitMQ", () => {
        const apisix = named(ev, JOBS.apisix);
        expect(comesAfter(ev, apisix, named(ev, "standin-etcd-healthy"))).to.equal(true);
        expect(comesAfter(ev, apisix, named(ev, "standin-apisix"))).to.equal(true);
        const rmq = named(ev, JOBS.rabbitmq);
        expect(comesAfter(ev, rmq, named(ev, "standin-rabbitmq"))).to.equal(true);
        expect(comesAfter(ev, rmq, named(ev, "standin-patroni-1"))).to.equal(false);
    });

    it("records a reason for every ordering edge it adds", () => {
        const reasons = ev.reasons.filter((r) => r.dependent.startsWith("iklimco-init"));
        expect(reasons.map((r) => r.dependent).sort()).to.deep.equal(Object.values(JOBS).sort());
        for (const r of reasons) expect(r.why).to.match(/\w+ \w+/);
    });

    it("publishes each microservice's passwords as Swarm secrets <svc>_db_password, _mongodb_password, _rabbitmq_password", () => {
        const names = ev.resources.filter((r) => r.type === SECRET).map((r) => String(input(r, "name")).replace(/_[0-9a-f]{8}$/, ""));
        expect(names).to.include.members(["auth-service_db_password", "user-service_db_password", "user-service_mongodb_password", "station-service_mongodb_password", "auth-service_rabbitmq_password"]);
        expect(names).to.not.include("station-service_db_password");
    });

    it("exports each microservice's secrets as { id, name } by logical name, for the microservice deploys", () => {
        const out = ev.outputs.microserviceDbSecrets as Record<string, Record<string, { id: string; name: string }>>;
        expect(Object.keys(out).sort()).to.deep.equal(["auth-service", "station-service", "user-service"]);
        expect(Object.keys(out["user-service"]).sort()).to.deep.equal(["user-service_db_password", "user-service_mongodb_password", "user-service_rabbitmq_password"]);
        expect(out["user-service"]["user-service_db_password"].name).to.match(/^user-service_db_password_[0-9a-f]{8}$/);
        expect(out["user-service"]["user-service_db_password"].id).to.be.a("string").and.not.equal("");
    });

    it("adopts a configured password instead of generating one", async () => {
        const adopted = await evaluateStack("prod", { program, secrets: { ...SECRETS, "test:adoptAuthDb": "adopted-Secret-4713" }, overrides: { "iklimco:microservices": PROD_SERVICES } });
        const adoptedSecret = adopted.resources.filter((r) => r.type === SECRET).find((r) => Buffer.from(input(r, "data"), "base64").toString("utf8") === "adopted-Secret-4713");
        expect(input(adoptedSecret!, "name")).to.match(/^auth-service_db_password_[0-9a-f]{8}$/);
        expect(adopted.resources.map((r) => r.name)).to.not.include("iklimco-init-credentials-auth-service-db-value");
        expect(adopted.resources.map((r) => r.name)).to.include("iklimco-init-credentials-user-service-db-value");
    });

    it("puts the hash of every shipped script and rendered input in the triggers", () => {
        expect(triggers(ev, JOBS.postgres)).to.include.members([sha256(readScript("oneshot.sh")), `entry=${sha256(readScript("postgres-init.sh"))}`]);
        const sql = renderPostgresSql(ev.load("components/config").settingsSchema.parse({ ...minimalSettings(), microservices: PROD_SERVICES }).microservices);
        expect(triggers(ev, JOBS.postgres)).to.include(`rendered:sql=${sha256(sql)}`);
        expect(triggers(ev, JOBS.rs)).to.include.members([`file:RS_PLANNER_JS=${sha256(readScript("rs-planner.js"))}`, `file:MONGO_JS=${sha256(readScript("mongo-rs.js"))}`]);
        expect(triggers(ev, JOBS.rabbitmq)).to.include(`entry=${sha256(readScript("rabbitmq-setup.sh"))}`);
        expect(triggers(ev, JOBS.apisix)).to.include.members(["env:SPRING_PROFILES_ACTIVE=prod", "image=harbor.iklim.co/iklimco/apisix-init:1.4.2"]);
    });

    it("changes triggers exactly where the rendered input changes, and nowhere on a re-evaluation", async () => {
        const again = await evaluate({}, true);
        for (const job of Object.values(JOBS)) expect(triggers(again, job), job).to.deep.equal(triggers(ev, job));

        const moreMongo = await evaluate({ "iklimco:microservices": [...PROD_SERVICES, { name: "log-service", mongodb: { database: "logs" } }] });
        expect(triggers(moreMongo, JOBS.mongo)).to.not.deep.equal(triggers(ev, JOBS.mongo));
        for (const job of [JOBS.rs, JOBS.postgres, JOBS.rabbitmq, JOBS.apisix]) expect(triggers(moreMongo, job), job).to.deep.equal(triggers(ev, job));

        const morePg = await evaluate({ "iklimco:microservices": [...PROD_SERVICES, { name: "billing", postgres: { database: "billing" } }] });
        expect(triggers(morePg, JOBS.postgres)).to.not.deep.equal(triggers(ev, JOBS.postgres));
        for (const job of [JOBS.rs, JOBS.mongo, JOBS.rabbitmq, JOBS.apisix]) expect(triggers(morePg, job), job).to.deep.equal(triggers(ev, job));

        const newImage = await evaluate({ "iklimco:images": { ...prodImages(), apisixInit: "harbor.iklim.co/iklimco/apisix-init:1.4.3" } });
        expect(triggers(newImage, JOBS.apisix)).to.not.deep.equal(triggers(ev, JOBS.apisix));
        for (const job of [JOBS.rs, JOBS.mongo, JOBS.postgres, JOBS.rabbitmq]) expect(triggers(newImage, job), job).to.deep.equal(triggers(ev, job));
    });

    it("keeps every secret out of plain inputs: stdin is the only place, and it is a secret", () => {
        const generated = ev.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
        expect(generated.length).to.be.greaterThan(4);
        for (const job of Object.values(JOBS)) {
            const r = named(ev, job);
            expect(r.secretInputs, job).to.include("stdin");
            const shown = JSON.stringify(r.inputs);
            for (const s of Object.values(SECRETS)) expect(shown, job).to.not.include(s);
            expect(String(input(r, "create"))).to.not.include("Secret-47");
        }
        // The revealed stdin does carry them, on the way to the container's stdin (proves the test can see them).
        expect(env(named(ev, JOBS.postgres))).to.include(SECRETS["test:pgSuper"]);
        expect(env(named(ev, JOBS.mongo))).to.include(SECRETS["test:mongoRoot"]);
    });
});

function prodImages(): Record<string, string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const YAML = require("yaml");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const doc = YAML.parse(require("fs").readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8"));
    return doc.config["iklimco:images"];
}

function minimalSettings(): Record<string, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const YAML = require("yaml");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const doc = YAML.parse(require("fs").readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8"));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config)) if (k.startsWith("iklimco:")) out[k.slice(8)] = v;
    return out;
}
