// SWAG: the edge proxy, one service `swag` pinned to the first `edge` node, published 80/443, certbot DNS-01
// with the GoDaddy plugin for the wildcard certificate, which lands in its config volume
// (`/config/etc/letsencrypt/live/<domain>/`). Step 9 renders its dns-conf (the GoDaddy credentials, a secret),
// site-confs and proxy-confs here in TypeScript and writes them to the StorageBox directories SWAG
// bind-mounts, restarting SWAG only when something changed and it already runs.
import * as path from "path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig, nodesWithLabel } from "../config";
import { swagConfigVolume, swagLiveDir } from "../naming";
import { shippedScript } from "../shell";
import { managerScript, sha256 } from "../swarm";
import { ModuleContext, httpCheck } from "./common";
import { APISIX_GATEWAY_PORT } from "./apisix";
import { GRAFANA_PORT } from "./grafana";
import { RABBITMQ_MANAGEMENT_PORT } from "./rabbitmq";

export const SWAG_FILES_SCRIPT = shippedScript(path.join(__dirname, "swag-files.sh"));
export const SWAG_CONFIG_DIR = "/config";
export const SWAG_DNS_CONF_TARGET = "/config/dns-conf";
export const SWAG_SITE_CONFS_TARGET = "/config/nginx/site-confs";
export const SWAG_PROXY_CONFS_TARGET = "/config/nginx/proxy-confs";
/** certbot-dns-godaddy's credentials file, as SWAG's DNSPLUGIN=godaddy expects it. */
export const GODADDY_INI = "godaddy.ini";
/** Answered on port 80 by the rendered default site: SWAG's health check. */
export const SWAG_HEALTH_PATH = "/healthz";

/** Where each public name is proxied: the overlay DNS name and port of the service behind it. */
export interface SwagRoute {
    upstream: string;
    port: number;
}

/**
 * The upstream of each `dns.records` name. `api` and `apigw` both reach the APISIX gateway (the Admin API
 * stays on the overlay, reachable only from the subnet APISIX allows); `rabbitmq` reaches the management
 * UI of any member through the members' shared alias `rabbitmq`.
 */
export const SWAG_ROUTES: Readonly<Record<string, SwagRoute>> = {
    api: { upstream: "apisix", port: APISIX_GATEWAY_PORT },
    apigw: { upstream: "apisix", port: APISIX_GATEWAY_PORT },
    rabbitmq: { upstream: "rabbitmq", port: RABBITMQ_MANAGEMENT_PORT },
    grafana: { upstream: "grafana", port: GRAFANA_PORT },
};

export interface SwagFile {
    /** Absolute path on the StorageBox. */
    path: string;
    /** Octal file mode, e.g. "600". */
    mode: string;
    content: pulumi.Output<string>;
    secret: boolean;
}

export function renderGodaddyIni(key: string, secret: string): string {
    return [
        "# GoDaddy API credentials for certbot-dns-godaddy (SWAG DNSPLUGIN=godaddy); rendered by Pulumi, step 9.",
        `dns_godaddy_secret = ${secret}`,
        `dns_godaddy_key = ${key}`,
        "",
    ].join("\n");
}

/** site-confs/default.conf: HTTP to HTTPS, unknown names refused, every proxy-conf included. */
export function renderSiteDefault(): string {
    return [
        "# Rendered by Pulumi (components/infra-db/swag.ts, step 9); edits on the StorageBox are overwritten.",
        "server {",
        "    listen 80 default_server;",
        "    listen [::]:80 default_server;",
        "    server_name _;",
        "    # The service's health check: nginx answers with its configuration loaded.",
        `    location = ${SWAG_HEALTH_PATH} {`,
        "        access_log off;",
        "        return 200 \"ok\\n\";",
        "    }",
        "    location / {",
        "        return 301 https://$host$request_uri;",
        "    }",
        "}",
        "",
        "server {",
        "    listen 443 ssl default_server;",
        "    listen [::]:443 ssl default_server;",
        "    server_name _;",
        "    include /config/nginx/ssl.conf;",
        "    return 444;",
        "}",
        "",
        `include ${SWAG_PROXY_CONFS_TARGET}/*.subdomain.conf;`,
        "",
    ].join("\n");
}

/** proxy-confs/<name>.subdomain.conf: one server block for `<name>.<domain>`, proxied over the overlay. */
export function renderProxyConf(name: string, domain: string, route: SwagRoute): string {
    return [
        "# Rendered by Pulumi (components/infra-db/swag.ts, step 9); edits on the StorageBox are overwritten.",
        "server {",
        "    listen 443 ssl;",
        "    listen [::]:443 ssl;",
        `    server_name ${name}.${domain};`,
        "    include /config/nginx/ssl.conf;",
        "    client_max_body_size 0;",
        "    location / {",
        "        include /config/nginx/proxy.conf;",
        "        include /config/nginx/resolver.conf;",
        `        set $upstream_app ${route.upstream};`,
        `        set $upstream_port ${route.port};`,
        "        set $upstream_proto http;",
        "        proxy_pass $upstream_proto://$upstream_app:$upstream_port;",
        "    }",
        "}",
        "",
    ].join("\n");
}

/** Every file of step 9, in a stable order. Records without a route (not served by this stack) get none. */
export function swagFiles(cfg: Pick<PlatformConfig, "dns" | "domain" | "paths" | "secrets">): SwagFile[] {
    const files: SwagFile[] = [];
    if (cfg.dns.provider === "godaddy") {
        const key = cfg.secrets.godaddyKey;
        const secret = cfg.secrets.godaddySecret;
        if (!key || !secret) throw new Error("swag: dns.provider is godaddy but godaddyKey/godaddySecret are not set");
        files.push({
            path: `${cfg.paths.swagDnsConfigDir}/${GODADDY_INI}`,
            mode: "600",
            content: pulumi.secret(pulumi.all([key, secret]).apply(([k, s]) => renderGodaddyIni(k, s))),
            secret: true,
        });
    }
    files.push({ path: `${cfg.paths.swagSiteConfsDir}/default.conf`, mode: "644", content: pulumi.output(renderSiteDefault()), secret: false });
    for (const name of [...new Set(cfg.dns.records)].sort()) {
        const route = SWAG_ROUTES[name];
        if (!route) continue;
        files.push({ path: `${cfg.paths.swagProxyConfsDir}/${name}.subdomain.conf`, mode: "644", content: pulumi.output(renderProxyConf(name, cfg.domain, route)), secret: false });
    }
    return files;
}

/** The environment the step-9 script reads. */
export function swagFilesEnv(files: SwagFile[], swagService: string): Record<string, pulumi.Input<string>> {
    const env: Record<string, pulumi.Input<string>> = { SWAG_FILE_COUNT: String(files.length), SWAG_SERVICE: swagService };
    files.forEach((f, i) => {
        env[`SWAG_FILE_${i}_PATH`] = f.path;
        env[`SWAG_FILE_${i}_MODE`] = f.mode;
        env[`SWAG_FILE_${i}_B64`] = f.content.apply((c) => Buffer.from(c, "utf8").toString("base64"));
    });
    return env;
}

export interface SwagServices {
    service: docker.Service;
    /** The node SWAG runs on (the first `edge` node): DNS A records point at its public address. */
    node: string;
    nodePublicIp: string;
    /** `<stackName>_swag-config`, mounted at /config. */
    configVolume: string;
    /** `/config/etc/letsencrypt/live/<domain>` inside the SWAG container. */
    certDir: string;
    /** Step 9. */
    files: command.remote.Command | command.local.Command;
}

export function declareSwag(ctx: ModuleContext): SwagServices {
    const cfg = ctx.config;
    const edge = nodesWithLabel(cfg, "edge")[0];
    const swarmName = ctx.services.swarmName({ name: "swag" });
    const files = swagFiles(cfg);
    // Step 9. Re-runs when the script or any rendered file changes; the hash of the secret file stays secret.
    const filesCommand = managerScript(
        `${ctx.name}-swag-files`,
        {
            config: cfg,
            script: SWAG_FILES_SCRIPT,
            env: swagFilesEnv(files, swarmName),
            triggers: files.map((f) => (f.secret ? pulumi.secret(f.content.apply(sha256)) : f.content.apply(sha256))),
        },
        ctx.opts,
    );
    const configVolume = swagConfigVolume(cfg.stackName);
    const certDir = swagLiveDir(SWAG_CONFIG_DIR, cfg.domain);
    const service = ctx.services.build(
        `${ctx.name}-swag`,
        {
            name: "swag",
            component: "swag",
            image: cfg.images.swag,
            stateful: false,
            mode: { replicas: 1 },
            constraints: ["node.labels.edge == true", `node.hostname == ${edge.name}`],
            env: {
                URL: cfg.domain,
                SUBDOMAINS: "wildcard",
                ONLY_SUBDOMAINS: "false",
                VALIDATION: "dns",
                DNSPLUGIN: "godaddy",
                PROPAGATION: "120",
                PUID: "1000",
                PGID: "1000",
                TZ: "Etc/UTC",
            },
            // Read-write: SWAG's init copies its *.sample files into these directories on start.
            mounts: [
                { type: "volume", source: configVolume, target: SWAG_CONFIG_DIR },
                { type: "bind", source: cfg.paths.swagDnsConfigDir, target: SWAG_DNS_CONF_TARGET },
                { type: "bind", source: cfg.paths.swagSiteConfsDir, target: SWAG_SITE_CONFS_TARGET },
                { type: "bind", source: cfg.paths.swagProxyConfsDir, target: SWAG_PROXY_CONFS_TARGET },
            ],
            // Ingress publishing: with host-mode ports a start-first update could never place the new task on
            // the one edge node while the old one holds 80/443.
            ports: [
                { target: 80, published: 80, mode: "ingress" },
                { target: 443, published: 443, mode: "ingress" },
            ],
            // The first start obtains the certificate (DNS propagation wait included) before nginx listens.
            healthcheck: { test: httpCheck(`http://127.0.0.1:80${SWAG_HEALTH_PATH}`), startPeriod: "300s" },
            resources: { cpus: 1, memoryMb: 512 },
        },
        // The bind-mounted directories must exist before a task is placed: step 9 creates them.
        {
            ...ctx.opts,
            dependsOn: ctx.pipeline.after(`${ctx.name}-swag`, "SWAG bind-mounts the dns-conf/site-confs/proxy-confs directories that step 9 creates and fills", filesCommand),
        },
    );
    return {
        service,
        node: edge.name,
        nodePublicIp: edge.publicIp,
        configVolume,
        certDir,
        files: filesCommand,
    };
}
