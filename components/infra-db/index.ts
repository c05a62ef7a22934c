// The infra/DB stack (the `iklimco` stack of docker-stack-infra_db-prod.yml, step 12) as one component:
// etcd, Patroni, MongoDB, RabbitMQ, APISIX, SWAG and Grafana, each declared through the service builder on the
// explicit Docker provider and the overlay, with step 9 (SWAG files) before SWAG, step 15 (convergence of what
// later steps use) and step 18 (etcd healthy before its dependants). Its public fields are what the other
// components (Vault, certs, init, DNS) read: topology strings, services to wait on, and the secrets.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { ServiceBuilder } from "../swarm";
import { APISIX_ETCD_PREFIX, declareApisix } from "./apisix";
import { ModuleContext } from "./common";
import { EtcdTopology, declareEtcd } from "./etcd";
import { GRAFANA_PORT, declareGrafana } from "./grafana";
import { MongoTopology, declareMongo } from "./mongodb";
import { PatroniTopology, declarePatroni } from "./patroni";
import { RABBITMQ_MANAGEMENT_PORT, RABBITMQ_SHARED_ALIAS, RabbitTopology, declareRabbit } from "./rabbitmq";
import { INFRA_USERS, InfraSecrets } from "./secrets";
import { SwagServices, declareSwag } from "./swag";

export { INFRA_USERS, InfraSecrets } from "./secrets";

export interface InfraDbArgs {
    /** The whole validated config: the infra/DB layer declares a service from nearly every part of it. */
    config: PlatformConfig;
    /** The foundation's service builder (`SwarmFoundation.services`): provider, overlay and house defaults. */
    services: ServiceBuilder;
    /** Step 11's secrets. */
    secrets: InfraSecrets;
}

/** Every service of the stack by kind (`ServiceSpec.component`), members in node order. */
export interface InfraDbServices {
    etcd: docker.Service[];
    patroni: docker.Service[];
    mongodb: docker.Service[];
    rabbitmq: docker.Service[];
    apisix: docker.Service[];
    swag: docker.Service[];
    grafana: docker.Service[];
}

export interface EtcdInfo extends EtcdTopology {
    /** The member services; their convergence (health included) is step 18: dependants put them in dependsOn. */
    ready: docker.Service[];
}

export interface PatroniInfo extends PatroniTopology {
    superuser: string;
    replicationUser: string;
    /** Converged (step 15) before DB init (step 22) connects. */
    ready: docker.Service[];
}

export interface MongoInfo extends MongoTopology {
    rootUser: string;
    /** Converged (step 15) before `rs.initiate()` (step 21). */
    ready: docker.Service[];
}

export interface RabbitInfo extends RabbitTopology {
    adminUser: string;
    /** `rabbitmq`: the alias every member answers to on the overlay. */
    sharedHost: string;
    /** `http://rabbitmq:15672`: the management API on the overlay (RabbitMQ setup, step 14). */
    managementUrl: string;
    ready: docker.Service[];
}

export interface ApisixInfo {
    adminUrl: string;
    gatewayUrl: string;
    adminUser: string;
    etcdPrefix: string;
    /** Converged (step 15) before APISIX init (step 19). */
    ready: docker.Service[];
}

export interface GrafanaInfo {
    adminUser: string;
    url: string;
    ready: docker.Service[];
}

export class InfraDb extends pulumi.ComponentResource {
    readonly services: InfraDbServices;
    readonly etcd: EtcdInfo;
    /** `http://etcd-1:2379`, ...: etcd client endpoints on the overlay. */
    readonly etcdClientEndpoints: string[];
    readonly patroni: PatroniInfo;
    /** `patroni-1`, ...: the multi-host list for `target_session_attrs=read-write`. */
    readonly patroniHosts: string[];
    readonly patroniScope: string;
    readonly mongodb: MongoInfo;
    /** `mongodb-1:27017,mongodb-2:27017,...`: DATABASE_MONGODB_HOST. */
    readonly databaseMongodbHost: string;
    readonly mongodbMemberHosts: string[];
    readonly mongodbReplicaSet: string;
    readonly rabbitmq: RabbitInfo;
    readonly apisix: ApisixInfo;
    readonly grafana: GrafanaInfo;
    /** SWAG: its service, its node, the config volume and the certificate paths inside it, step 9's command. */
    readonly swag: SwagServices;
    /** The credentials, as the Swarm secrets the services mount (read `.value`, mount the same secret). */
    readonly secrets: InfraSecrets;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: InfraDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:infra:InfraDb", name, {}, opts);
        const steps = new PipelineNotes();
        const cfg = args.config;
        const s = args.secrets;
        const ctx: ModuleContext = { name, config: cfg, services: args.services, opts: { parent: this }, pipeline: steps };

        const etcd = declareEtcd(ctx);
        const patroni = declarePatroni(ctx, etcd.topology, s, (member) =>
            steps.after(`${name}-${member}`, "Patroni uses etcd as its DCS: a member bootstraps only once the etcd cluster is healthy (step 18)", ...etcd.services),
        );
        const mongodb = declareMongo(ctx, s);
        const rabbitmq = declareRabbit(ctx, s);
        const apisix = declareApisix(
            ctx,
            etcd.topology,
            s,
            steps.after(`${name}-apisix`, "APISIX loads its routes from etcd: it starts once the etcd cluster is healthy (step 18)", ...etcd.services),
        );
        const grafana = declareGrafana(ctx, s);
        const swag = declareSwag(ctx);

        this.services = {
            etcd: etcd.services,
            patroni: patroni.services,
            mongodb: mongodb.services,
            rabbitmq: rabbitmq.services,
            apisix: [apisix.service],
            swag: [swag.service],
            grafana: [grafana],
        };

        // Steps: 12 is every service; 18 is the etcd members' convergence (their health check gates it);
        // 15 is the convergence of what later steps use (convergeConfig waits for healthy tasks).
        for (const svc of Object.values(this.services).flat()) steps.realise(12, svc);
        for (const svc of etcd.services) steps.realise(18, svc);
        for (const svc of [...patroni.services, ...mongodb.services, ...rabbitmq.services, apisix.service, swag.service]) steps.realise(15, svc);
        steps.realise(9, swag.files);

        this.etcd = { ...etcd.topology, ready: etcd.services };
        this.etcdClientEndpoints = etcd.topology.clientEndpoints;
        this.patroni = { ...patroni.topology, superuser: INFRA_USERS.postgresSuperuser, replicationUser: INFRA_USERS.postgresReplication, ready: patroni.services };
        this.patroniHosts = patroni.topology.hosts;
        this.patroniScope = patroni.topology.scope;
        this.mongodb = { ...mongodb.topology, rootUser: INFRA_USERS.mongodbRoot, ready: mongodb.services };
        this.databaseMongodbHost = mongodb.topology.databaseMongodbHost;
        this.mongodbMemberHosts = mongodb.topology.memberHosts;
        this.mongodbReplicaSet = mongodb.topology.replicaSet;
        this.rabbitmq = {
            ...rabbitmq.topology,
            adminUser: INFRA_USERS.rabbitmqAdmin,
            sharedHost: RABBITMQ_SHARED_ALIAS,
            managementUrl: `http://${RABBITMQ_SHARED_ALIAS}:${RABBITMQ_MANAGEMENT_PORT}`,
            ready: rabbitmq.services,
        };
        this.apisix = { adminUrl: apisix.adminUrl, gatewayUrl: apisix.gatewayUrl, adminUser: INFRA_USERS.apisixAdmin, etcdPrefix: APISIX_ETCD_PREFIX, ready: [apisix.service] };
        this.grafana = { adminUser: INFRA_USERS.grafanaAdmin, url: `http://grafana:${GRAFANA_PORT}`, ready: [grafana] };
        this.swag = swag;
        this.secrets = s;
        this.pipeline = steps.record();

        this.registerOutputs({
            etcdClientEndpoints: this.etcdClientEndpoints,
            patroniHosts: this.patroniHosts,
            patroniScope: this.patroniScope,
            databaseMongodbHost: this.databaseMongodbHost,
            mongodbReplicaSet: this.mongodbReplicaSet,
            swagNode: swag.node,
            services: Object.fromEntries(Object.entries(this.services).map(([k, v]) => [k, v.map((x: docker.Service) => x.name)])),
        });
    }
}
