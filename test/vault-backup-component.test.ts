import { expect } from "chai";
import { BACKUP_POLICY_HCL, schedulePeriodSeconds } from "../components/backup";
import { SERVICE, comesAfter, evaluateStack, input, named, ofType } from "./harness";

describe("Vault backup component (offline engine)", () => {
    it("derives the health limit from the schedule's period, and refuses a schedule it cannot read", () => {
        expect(schedulePeriodSeconds("0 * * * *")).to.equal(3600);
        expect(schedulePeriodSeconds("* * * * *")).to.equal(60);
        expect(schedulePeriodSeconds("*/30 * * * *")).to.equal(1800);
        expect(schedulePeriodSeconds("15 */6 * * *")).to.equal(6 * 3600);
        expect(schedulePeriodSeconds("30 2 * * *")).to.equal(86400);
        expect(() => schedulePeriodSeconds("0 * *")).to.throw(/five cron fields/);
        expect(() => schedulePeriodSeconds("5,35 * * * *")).to.throw(/cannot tell the period/);
    });

    it("declares the backup service with its AppRole secrets as files, the StorageBox mount and a snapshot-only policy", async () => {
        const ev = await evaluateStack("prod");
        const svc = ofType(ev, SERVICE).find((s) => input(s, "name") === "iklimco_vault-backup")!;
        expect(svc).to.not.equal(undefined);
        const files = input(svc, "taskSpec.containerSpec.secrets").map((s: { fileName: string }) => s.fileName).sort();
        expect(files).to.deep.equal(["/run/secrets/backup_vault_role_id", "/run/secrets/backup_vault_secret_id"]);
        expect(input(svc, "taskSpec.containerSpec.mounts")).to.deep.include({ type: "bind", source: "/mnt/storagebox/vault-snapshots", target: "/snapshots", readOnly: false });
        const env = input(svc, "taskSpec.containerSpec.env");
        expect(env.KEEP).to.equal("48");
        expect(env.SCHEDULE).to.equal("0 * * * *");
        expect(env.VAULT_ADDR).to.equal("https://vault.iklim.co:8200");
        expect(env.CURL_OPTS).to.equal("--connect-to vault.iklim.co:8200:vault-1:8200");
        for (const v of Object.values<string>(env)) expect(v).to.not.match(/mock-(role|secret)-id/);
        const policy = named(ev, "iklimco-vault-backup-policy");
        expect(input(policy, "policy")).to.equal(BACKUP_POLICY_HCL);
        const role = named(ev, "iklimco-vault-backup-role");
        expect(input(role, "tokenBoundCidrs")).to.deep.equal(["10.20.0.0/16"]);
        expect(input(role, "secretIdBoundCidrs")).to.deep.equal(["10.20.0.0/16"]);
        const secret = ofType(ev, "docker:index/secret:Secret").find((s) => String(input(s, "name")).startsWith("backup_vault_secret_id_"))!;
        expect(secret.secretInputs).to.deep.equal(["data"]);
    });

    it("creates the snapshot directory on every Vault node before the service, and lets a new service be healthy at once", async () => {
        const ev = await evaluateStack("prod");
        const svc = ofType(ev, SERVICE).find((s) => input(s, "name") === "iklimco_vault-backup")!;
        const jobs = ev.resources.filter((r) => /-vault-backup-dir-vault-\d$/.test(r.name));
        expect(jobs.map((j) => j.name).sort()).to.deep.equal(["iklimco-vault-backup-dir-vault-1", "iklimco-vault-backup-dir-vault-2", "iklimco-vault-backup-dir-vault-3"]);
        for (const j of jobs) {
            expect(comesAfter(ev, svc, j), `${j.name} before the service`).to.equal(true);
            const stdin = String(input(j, "stdin"));
            expect(stdin).to.include("export JOB_MOUNTS='/mnt:/host/mnt'").and.to.include("export JOB_ENV='SNAPSHOT_DIR=/host/mnt/storagebox/vault-snapshots'");
        }
        // The first health check runs one interval after the start and must pass: 30 s, well inside the 10 min convergence.
        expect(input(svc, "taskSpec.containerSpec.healthcheck.interval")).to.equal("30s");
        expect(input(svc, "convergeConfig.timeout")).to.equal("10m");
    });
});
