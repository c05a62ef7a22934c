// Step 7: the rendered init files are deterministic, refer to passwords only by name, and refuse config that
// would make them ambiguous.
import { expect } from "chai";
import { MicroserviceSpec } from "../../components/config";
import {
    mongoInput,
    postgresInitInput,
    psqlSecretVariables,
    rabbitmqInput,
    renderMongoJs,
    renderPostgresSql,
    renderRabbitmqDesired,
    scramVerifier,
} from "../../components/init/render";

const svc = (name: string, extra: Partial<MicroserviceSpec>): MicroserviceSpec => ({ name, vault: { paths: [], write: false }, ...extra });

describe("init rendering (step 7)", () => {
    const services = [
        svc("auth-service", { postgres: { database: "auth" }, rabbitmq: { vhost: "iklimco" } }),
        svc("user-service", { postgres: { database: "users" }, mongodb: { database: "user_profiles" }, rabbitmq: { vhost: "iklimco" } }),
        svc("notification-service", { rabbitmq: { vhost: "notifications" } }),
    ];

    it("renders the same text for the same config, with every change guarded by a check", () => {
        const sql = renderPostgresSql(services);
        expect(renderPostgresSql(services)).to.equal(sql);
        expect(sql).to.include(`CREATE ROLE "auth_service" LOGIN;`).and.include(`CREATE DATABASE "users" OWNER "user_service";`);
        expect(sql).to.include(`ALTER ROLE "auth_service" PASSWORD :'iklimco_pw_auth_service';`);
        // Every DDL line sits inside an \if block opened by a \gset check.
        const lines = sql.split("\n");
        lines.forEach((l, i) => {
            if (/^(CREATE|ALTER|REVOKE|GRANT|COMMENT) /.test(l)) expect(lines[i - 2], l).to.equal("\\if :iklimco_needed");
        });
        expect(renderRabbitmqDesired(services).split("\n")).to.deep.equal([
            "vhost\tiklimco",
            "vhost\tnotifications",
            "user\tauth-service",
            "permission\tauth-service\tiklimco\t.*\t.*\t.*",
            "user\tuser-service",
            "permission\tuser-service\tiklimco\t.*\t.*\t.*",
            "user\tnotification-service",
            "permission\tnotification-service\tnotifications\t.*\t.*\t.*",
        ]);
        expect(renderMongoJs(services)).to.include('"user": "user-service"').and.include('"database": "user_profiles"');
    });

    it("refuses a database claimed by two microservices", () => {
        expect(() => renderPostgresSql([...services, svc("other", { postgres: { database: "auth" } })])).to.throw(/claimed by both auth-service and other/);
    });

    it("puts secrets only in the stdin payloads, quoted for psql", () => {
        expect(psqlSecretVariables({ b: "x'y", a: "1" })).to.equal("\\set a '1'\n\\set b 'x''y'");
        expect(postgresInitInput("su", { a: "v" }, "select 1;\n")).to.equal("su\n\\set a 'v'\nselect 1;\n");
        expect(() => postgresInitInput("two\nlines", {}, "")).to.throw(/line break/);
        expect(mongoInput("root", { b: "2", a: "1" })).to.equal('root\n{"a":"1","b":"2"}');
        expect(rabbitmqInput("cookie", { u2: "p2", u1: "p1" })).to.equal("cookie\nu1\tp1\nu2\tp2\n");
        expect(() => rabbitmqInput("cookie", { u: "tab\there" })).to.throw(/tab or line break/);
    });

    it("makes PostgreSQL's SCRAM-SHA-256 verifier, fixed for a fixed salt and different for another password", () => {
        const salt = Buffer.alloc(16, 7);
        const v = scramVerifier("pencil", salt);
        expect(v).to.match(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
        expect(scramVerifier("pencil", salt)).to.equal(v);
        expect(scramVerifier("pencil2", salt)).to.not.equal(v);
        expect(v).to.not.include("pencil");
    });
});
