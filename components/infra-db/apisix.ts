// APISIX: the API gateway on `gateway`-labelled nodes, stateless (its routes live in etcd), start-first
// updates. Its config.yaml is rendered here: the etcd cluster from the same member list as etcd itself, the
// Admin API on the overlay only, and the admin key as ${{APISIX_ADMIN_KEY}} filled from a Swarm secret.
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { shippedScript } from "../shell";
import { ModuleContext, bashHttpCheck } from "./common";
import { EtcdTopology } from "./etcd";
import { INFRA_USERS, InfraSecrets } from "./secrets";

export const APISIX_GATEWAY_PORT = 9080;
export const APISIX_ADMIN_PORT = 9180;
export const APISIX_STATUS_PORT = 7085;
export const APISIX_ETCD_PREFIX = "/apisix";
export const APISIX_ENTRYPOINT = shippedScript(path.join(__dirname, "apisix-entrypoint.sh"));

export function renderApisixConfig(etcdEndpoints: string[], subnet: string): string {
    const doc = {
        apisix: {
            node_listen: APISIX_GATEWAY_PORT,
            enable_ipv6: false,
            status: { ip: "0.0.0.0", port: APISIX_STATUS_PORT },
        },
        deployment: {
            role: "traditional",
            role_traditional: { config_provider: "etcd" },
            admin: {
                admin_key_required: true,
                admin_key: [{ name: INFRA_USERS.apisixAdmin, key: "${{APISIX_ADMIN_KEY}}", role: "admin" }],
                admin_listen: { ip: "0.0.0.0", port: APISIX_ADMIN_PORT },
                allow_admin: ["127.0.0.0/24", subnet],
            },
            etcd: { host: etcdEndpoints, prefix: APISIX_ETCD_PREFIX, timeout: 30 },
        },
    };
    return YAML.stringify(doc, { lineWidth: 0 });
}

export interface ApisixServices {
    service: docker.Service;
    /** `http://apisix:9180`: the Admin API on the overlay (APISIX init, step 19). */
    adminUrl: string;
    /** `http://apisix:9080`: the gateway on the overlay (SWAG proxies to it). */
    gatewayUrl: string;
}

export function declareApisix(ctx: ModuleContext, etcd: EtcdTopology, secrets: InfraSecrets, dependsOn: pulumi.Resource[]): ApisixServices {
    const cfg = ctx.config;
    const service = ctx.services.build(
        `${ctx.name}-apisix`,
        {
            name: "apisix",
            component: "apisix",
            image: cfg.images.apisix,
            stateful: false,
            mode: { replicas: cfg.replicas.apisix },
            constraints: ["node.labels.gateway == true"],
            command: ["/bin/sh", "-c", APISIX_ENTRYPOINT, "apisix-entrypoint", renderApisixConfig(etcd.clientEndpoints, cfg.network.subnet)],
            env: { APISIX_ADMIN_KEY_FILE: secrets.apisixAdminKey.target },
            // The image runs as the `apisix` user (uid 636).
            secrets: [{ secret: secrets.apisixAdminKey, uid: "636", gid: "636" }],
            // /status/ready is 200 once every worker has loaded its config from etcd.
            // The apisix image has neither curl nor wget (components/images.ts): bash's /dev/tcp and builtins only.
            healthcheck: { test: bashHttpCheck(APISIX_STATUS_PORT, "/status/ready"), startPeriod: "30s" },
            resources: { cpus: 1, memoryMb: 1024 },
        },
        { ...ctx.opts, dependsOn },
    );
    return { service, adminUrl: `http://apisix:${APISIX_ADMIN_PORT}`, gatewayUrl: `http://apisix:${APISIX_GATEWAY_PORT}` };
}
