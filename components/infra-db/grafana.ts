// Grafana behind SWAG on `monitoring`-labelled nodes: stateless here (dashboards and data sources are
// provisioned), start-first updates; the admin password through Grafana's own `__FILE` convention.
import * as docker from "@pulumi/docker";
import { ModuleContext } from "./common";
import { INFRA_USERS, InfraSecrets } from "./secrets";

export const GRAFANA_PORT = 3000;

export function declareGrafana(ctx: ModuleContext, secrets: InfraSecrets): docker.Service {
    const cfg = ctx.config;
    return ctx.services.build(
        `${ctx.name}-grafana`,
        {
            name: "grafana",
            component: "grafana",
            image: cfg.images.grafana,
            stateful: false,
            mode: { replicas: cfg.replicas.grafana },
            constraints: ["node.labels.monitoring == true"],
            env: {
                GF_SECURITY_ADMIN_USER: INFRA_USERS.grafanaAdmin,
                GF_SECURITY_ADMIN_PASSWORD__FILE: secrets.grafanaAdminPassword.target,
                GF_SERVER_DOMAIN: `grafana.${cfg.domain}`,
                GF_SERVER_ROOT_URL: `https://grafana.${cfg.domain}/`,
                GF_USERS_ALLOW_SIGN_UP: "false",
                GF_ANALYTICS_REPORTING_ENABLED: "false",
            },
            // The image's `grafana` user is uid 472.
            secrets: [{ secret: secrets.grafanaAdminPassword, uid: "472", gid: "0" }],
            healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${GRAFANA_PORT}/api/health`], startPeriod: "30s" },
            resources: { cpus: 0.5, memoryMb: 512 },
        },
        ctx.opts,
    );
}
