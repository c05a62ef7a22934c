// The rendered SWAG site-confs and proxy-confs parse in a real nginx (`nginx -t`), laid out as SWAG lays out
// /config/nginx. SWAG's own include files (ssl.conf, proxy.conf, resolver.conf) are a contract fake: minimal
// stand-ins with the directives SWAG's versions carry, and the certificate is a self-signed one from openssl
// at the path certbot writes (/config/etc/letsencrypt/live/<domain>/).
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SWAG_ROUTES, renderProxyConf, renderSiteDefault } from "../../../components/infra-db/swag";

const NGINX = "/usr/sbin/nginx";

describe("SWAG confs under a real nginx (contract fake of SWAG's include files)", () => {
    let dir = "";
    before(function () {
        if (!fs.existsSync(NGINX) || spawnSync("which", ["openssl"]).status !== 0) this.skip();
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const layout = (files: Record<string, string>) => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tinfra-nginx-"));
        const root = path.join(dir, "config");
        const live = path.join(root, "etc/letsencrypt/live/iklim.co");
        fs.mkdirSync(live, { recursive: true });
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=*.iklim.co", "-keyout", path.join(live, "privkey.pem"), "-out", path.join(live, "fullchain.pem")], { stdio: "ignore" });
        const relocate = (text: string) => text.split("/config/").join(`${root}/`);
        const nginxDir = path.join(root, "nginx");
        fs.mkdirSync(path.join(nginxDir, "site-confs"), { recursive: true });
        fs.mkdirSync(path.join(nginxDir, "proxy-confs"), { recursive: true });
        fs.writeFileSync(path.join(nginxDir, "ssl.conf"), relocate("ssl_certificate /config/etc/letsencrypt/live/iklim.co/fullchain.pem;\nssl_certificate_key /config/etc/letsencrypt/live/iklim.co/privkey.pem;\nssl_protocols TLSv1.2 TLSv1.3;\n"));
        fs.writeFileSync(path.join(nginxDir, "proxy.conf"), "proxy_http_version 1.1;\nproxy_set_header Host $host;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\nproxy_set_header X-Forwarded-Proto $scheme;\n");
        fs.writeFileSync(path.join(nginxDir, "resolver.conf"), "resolver 127.0.0.11 valid=30s;\n");
        for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(nginxDir, rel), relocate(text));
        // SWAG's nginx.conf includes every site-conf inside its http block.
        fs.writeFileSync(
            path.join(dir, "nginx.conf"),
            `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/tmp;\n  include ${nginxDir}/site-confs/*.conf;\n}\n`,
        );
        return spawnSync(NGINX, ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf")], { encoding: "utf8" });
    };

    it("accepts default.conf and one proxy-conf per routed record", () => {
        const files: Record<string, string> = { "site-confs/default.conf": renderSiteDefault() };
        for (const [name, route] of Object.entries(SWAG_ROUTES)) files[`proxy-confs/${name}.subdomain.conf`] = renderProxyConf(name, "iklim.co", route);
        const r = layout(files);
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stderr).to.include("test is successful");
    });

    it("fails on a broken proxy-conf (the check can fail)", () => {
        fs.rmSync(dir, { recursive: true, force: true });
        const broken = renderProxyConf("api", "iklim.co", SWAG_ROUTES.api).replace("proxy_pass", "proxy_passs");
        const r = layout({ "site-confs/default.conf": renderSiteDefault(), "proxy-confs/api.subdomain.conf": broken });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("proxy_passs");
    });
});
