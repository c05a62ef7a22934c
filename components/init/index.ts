// Steps 7, 14 (RabbitMQ part), 19, 21 and 22: the one-shot cluster and database initialisations. Each is a
// container run once on the attachable overlay from the manager (scripts/oneshot.sh through managerScript),
// whose scripts are the real files in ./scripts, whose rendered inputs come from render.ts, whose secrets
// arrive on stdin only, and which is ordered after exactly the resources it needs. Every script checks state
// first, bounds its waits (init.waitSeconds) and exits non-zero on failure, so the deploy stops there.
export * from "./apisix-init";
export * from "./database-init";
export * from "./mongo-replica-set";
export { oneShotEnv, oneShotTriggers } from "./oneshot";
export * from "./platform-init";
export * from "./rabbitmq-setup";
export * from "./render";
export { ServiceCredentials } from "./service-credentials";
export type { PostgresCredential, ServiceCredentialsArgs } from "./service-credentials";
