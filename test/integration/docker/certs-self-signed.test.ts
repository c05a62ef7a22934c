// certificates.mode self-signed (the local stack, no public DNS): step 20 makes a self-signed *.<domain> pair in
// SWAG_CERT_DIR when there is none, and never replaces one. Run for real: step20.sh through the manager-script
// runner, the real Docker engine, and the cert-tools stand-in image with openssl.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { composedScript, readScript } from "../../../components/certs/scripts";
import { certificateFilesEnv } from "../../../components/naming";
import { RUNNER, scriptStdin } from "../../../components/swarm";
import { TLS_PLACEHOLDER_SCRIPT } from "../../../components/vault/tls-placeholder";
import { ensureContractImage } from "../../support/contract-images";
import { ensureDaemon } from "../../support/docker";
import { evaluateStack, input, named } from "../../harness";

describe("certificates.mode self-signed (step 20 without public DNS)", function () {
    this.timeout(240_000);
    const DOMAIN = "iklim.local";
    let dir: string;
    let image: string;
    before(async () => {
        await ensureDaemon();
        // The cert-tools stand-in holds only its image contract (components/images.ts).
        image = ensureContractImage("certTools").tag;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcerts-selfsigned-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const step20 = () =>
        spawnSync("bash", ["-c", RUNNER([])], {
            input: scriptStdin(readScript("step20.sh"), {
                CERT_TOOLS_IMAGE: image,
                CHECK_SCRIPT: composedScript("wait-cert"),
                SWAG_CERT_DIR: dir,
                DOMAIN,
                ...certificateFilesEnv(DOMAIN),
                TIMEOUT: "60",
                SELF_SIGNED_SCRIPT: TLS_PLACEHOLDER_SCRIPT,
                CERT_NAME: `vault.${DOMAIN}`,
            }),
            encoding: "utf8",
        });

    it("creates a pair naming *.<domain> that step 20 accepts, and leaves it untouched on the next run", () => {
        const first = step20();
        expect(first.status, first.stdout + first.stderr).to.equal(0);
        const crt = path.join(dir, certificateFilesEnv(DOMAIN).CERT_FILE_NAME);
        const san = spawnSync("openssl", ["x509", "-in", crt, "-noout", "-ext", "subjectAltName"], { encoding: "utf8" }).stdout;
        expect(san).to.include(`DNS:*.${DOMAIN}`);
        const before = fs.readFileSync(crt);
        const second = step20();
        expect(second.status, second.stdout + second.stderr).to.equal(0);
        expect(fs.readFileSync(crt).equals(before)).to.equal(true);
    });

    it("is what the local stack's step 20 does, and the prod stack's does not", async () => {
        const local = await evaluateStack("local");
        expect(input(named(local, "iklimco-certs-step20"), "stdin")).to.include("SELF_SIGNED_SCRIPT=");
        const prod = await evaluateStack("prod");
        expect(input(named(prod, "iklimco-certs-step20"), "stdin")).to.not.include("SELF_SIGNED_SCRIPT=");
    });
});
