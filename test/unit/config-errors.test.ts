// Realistic operator mistakes, each run through the offline plan command (`npm run plan -- --stack prod
// --config-file <broken copy of Pulumi.prod.yaml>`), which evaluates the real program (platform.ts) under the mock
// engine: every case must exit 2 with zero resources registered, name every offending key by its full path,
// give the fix where there is one, and never show a regular expression or a plain-text secret.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigProblem } from "../../components/config";
import { planCommand } from "../../tools/offline/plan-command";

const ROOT = path.resolve(__dirname, "..", "..");
const PROD_TEXT = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
/** The 1-based line of the prod stack file that holds `needle`, so the cases follow edits to the file. */
const lineOf = (needle: string): number => {
    const i = PROD_TEXT.indexOf(needle);
    if (i < 0) throw new Error(`Pulumi.prod.yaml has no ${JSON.stringify(needle)}`);
    return PROD_TEXT.slice(0, i).split("\n").length;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Values = Record<string, any>;

interface Case {
    what: string;
    /** Change the prod settings (keys without `iklimco:`); a key set to undefined is removed. */
    edit?: (v: Values) => void;
    /** Or change the file's text (broken YAML). */
    text?: (t: string) => string;
    /** Every key that must be named (full paths; for a broken file `<line>:<col>` after the file name). */
    keys: string[];
    /** Keys that must not be named (a value inherited from elsewhere). */
    notKeys?: string[];
    /** Text the report must contain: the expected form, the example, the fix. */
    says?: (string | RegExp)[];
    /** A fix line that must be given for a key. */
    fixes?: Record<string, string | RegExp>;
    /** Values that must never appear in the report (secrets written in plain text). */
    hidden?: string[];
}

const swapLabels = (v: Values, label: string) => v.nodes.forEach((n: Values) => (n.labels = n.labels.filter((l: string) => l !== label)));
const secretFix = (key: string) => new RegExp(`^pulumi config set --secret iklimco:${key} `);

const CASES: Case[] = [
    // ---------------------------------------------------------------- cross-key rules, with other mistakes beside them
    { what: "duplicate node names and a numeric domain", edit: (v) => ((v.nodes[1].name = v.nodes[0].name), (v.domain = 42)), keys: ["iklimco:nodes[1].name", "iklimco:domain"], says: ["unique node name", "e.g. iklim.co"] },
    { what: "no manager left and a TTL over GoDaddy's maximum", edit: (v) => (v.nodes.forEach((n: Values) => (n.role = "worker")), (v.dns.ttl = 700000)), keys: ["iklimco:nodes", "iklimco:dns.ttl", "iklimco:nodes[0].role"], says: ["role: manager", "604800"] },
    { what: "a Vault node that is a worker and a misspelt docker key", edit: (v) => ((v.nodes[2].role = "worker"), (v.docker.hots = v.docker.host), delete v.docker.host), keys: ["iklimco:nodes[2].role", "iklimco:docker.hots", "iklimco:docker.host"], says: ["did you mean iklimco:docker.host?"], fixes: { "iklimco:docker.hots": "rename iklimco:docker.hots to iklimco:docker.host" } },
    { what: "no edge node and an untagged image", edit: (v) => (swapLabels(v, "edge"), (v.images.vault = "harbor.iklim.co/iklimco/vault")), keys: ["iklimco:nodes", "iklimco:images.vault"], says: ['labelled "edge"', "untagged means :latest"] },
    { what: "registry auth without a user, a bad Postgres port and a bad replica-set name", edit: (v) => (delete v.registry.username, (v.postgres.port = 70000), (v.mongodb = { replicaSet: "rs 0" })), keys: ["iklimco:registry.username", "iklimco:postgres.port", "iklimco:mongodb.replicaSet"], says: ["robot$iklimco+deploy", "valid replica-set name (letters, digits, - and _", "e.g. rs0"] },
    { what: "a duplicate microservice and a subnet with host bits", edit: (v) => (v.microservices.push({ ...v.microservices[0] }), (v.network.subnet = "10.20.1.0/16")), keys: ["iklimco:microservices[4].name", "iklimco:network.subnet"], says: ["e.g. 10.20.0.0/16"] },
    { what: "an edge node's private address under public DNS", edit: (v) => (v.nodes[3].publicIp = "192.168.1.21"), keys: ["iklimco:nodes[3].publicIp"], says: ["private (RFC 1918)"] },
    { what: "two nodes with one public IP", edit: (v) => (v.nodes[1].publicIp = v.nodes[0].publicIp), keys: ["iklimco:nodes[1].publicIp"] },
    { what: "no node for RabbitMQ", edit: (v) => swapLabels(v, "mq"), keys: ["iklimco:nodes"], says: ['labelled "mq"'] },
    { what: "no node for APISIX, and none for Grafana", edit: (v) => (swapLabels(v, "gateway"), swapLabels(v, "monitoring")), keys: ["iklimco:nodes"], says: ['labelled "gateway"', 'labelled "monitoring"'] },
    {
        what: "eight MongoDB members",
        edit: (v) => {
            for (let i = 4; i < 9; i++) v.nodes.push({ name: `iklimco-db-${i}`, role: "worker", publicIp: `203.0.113.${30 + i}`, labels: ["db"] });
        },
        keys: ["iklimco:nodes"],
        says: ["at most 7 nodes labelled \"db\""],
    },
    { what: "two services claiming one PostgreSQL database", edit: (v) => (v.microservices[1].postgres.database = "auth"), keys: ["iklimco:microservices[1].postgres.database"], notKeys: ["iklimco:microservices[0].postgres.database"] },
    { what: "a microservice named like the platform's SWAG", edit: (v) => (v.microservices[0].name = "swag"), keys: ["iklimco:microservices[0].name"] },
    { what: "a microservice named like an etcd member", edit: (v) => (v.microservices[3].name = "etcd-1"), keys: ["iklimco:microservices[3].name"] },
    { what: "a microservice name too long for Swarm's secret names", edit: (v) => (v.microservices[0].name = "a".repeat(38)), keys: ["iklimco:microservices[0].name"], says: ["at most 37 characters"] },
    { what: "a DNS record listed twice", edit: (v) => (v.dns.records = ["api", "apigw", "api"]), keys: ["iklimco:dns.records[2]"] },
    { what: "acme certificates without GoDaddy DNS", edit: (v) => (v.dns.provider = "none"), keys: ["iklimco:certificates.mode"], says: ["self-signed when dns.provider is none"] },
    { what: "a Vault hostname outside the domain", edit: (v) => (v.vault.hostname = "vault.iklim.com"), keys: ["iklimco:vault.hostname"], says: ["e.g. vault.iklim.co"] },
    { what: "Vault published on SWAG's port, and a mongo port of 0", edit: (v) => ((v.vault.port = 443), (v.mongodb.port = 0)), keys: ["iklimco:vault.port", "iklimco:mongodb.port"], says: ["SWAG's ingress port"] },
    { what: "Vault published on the SSH port", edit: (v) => (v.vault.port = 22), keys: ["iklimco:vault.port"], says: ["SSH port of docker.host"] },
    { what: "a Vault hostname two labels below the domain", edit: (v) => (v.vault.hostname = "vault.internal.iklim.co"), keys: ["iklimco:vault.hostname"] },

    // ---------------------------------------------------------------- AppRole bounds, blamed where the value is set
    { what: "a default tokenTtl above the built-in tokenMaxTtl", edit: (v) => ((v.vault.approleDefaults = { tokenTtl: "5h" })), keys: ["iklimco:vault.approleDefaults.tokenTtl"], notKeys: ["iklimco:microservices[0].approle.tokenTtl"] },
    { what: "defaults whose tokenMaxTtl is below their tokenTtl", edit: (v) => (v.vault.approleDefaults.tokenMaxTtl = "30m"), keys: ["iklimco:vault.approleDefaults.tokenTtl", "iklimco:vault.approleDefaults.tokenMaxTtl"], notKeys: ["iklimco:microservices[0].approle.tokenTtl", "iklimco:microservices[0].approle.tokenMaxTtl"] },
    { what: "a microservice tokenTtl above the inherited tokenMaxTtl", edit: (v) => (v.microservices[0].approle = { tokenTtl: "8h" }), keys: ["iklimco:microservices[0].approle.tokenTtl"], notKeys: ["iklimco:vault.approleDefaults.tokenMaxTtl"], says: ["iklimco:vault.approleDefaults.tokenMaxTtl = 4h"] },
    { what: "a microservice tokenMaxTtl below the inherited tokenTtl", edit: (v) => (v.microservices[1].approle = { tokenMaxTtl: "30m" }), keys: ["iklimco:microservices[1].approle.tokenMaxTtl"], notKeys: ["iklimco:vault.approleDefaults.tokenTtl"] },
    { what: "a bad default beside a microservice with its own good bounds", edit: (v) => ((v.vault.approleDefaults.tokenTtl = "6h"), (v.microservices[0].approle = { tokenTtl: "1h", tokenMaxTtl: "2h" })), keys: ["iklimco:vault.approleDefaults.tokenTtl"], notKeys: ["iklimco:microservices[0].approle.tokenTtl", "iklimco:microservices[1].approle.tokenTtl"] },
    { what: "a token TTL Vault would cut to 768h", edit: (v) => ((v.vault.approleDefaults.tokenTtl = "800h"), (v.vault.approleDefaults.tokenMaxTtl = "900h")), keys: ["iklimco:vault.approleDefaults.tokenTtl", "iklimco:vault.approleDefaults.tokenMaxTtl"], says: ["768h"] },
    { what: "a duration written in words", edit: (v) => (v.microservices[0].approle = { tokenTtl: "1 hour" }), keys: ["iklimco:microservices[0].approle.tokenTtl"], says: ["whole number with s, m, h or d", "e.g. 1h"] },
    { what: "a duration without its unit and a negative use count", edit: (v) => ((v.vault.approleDefaults.secretIdTtl = 90), (v.vault.approleDefaults.secretIdNumUses = -1)), keys: ["iklimco:vault.approleDefaults.secretIdTtl", "iklimco:vault.approleDefaults.secretIdNumUses"] },

    // ---------------------------------------------------------------- the backup schedule (busybox crond)
    { what: "minute 60", edit: (v) => (v.vault.backup.schedule = "60 * * * *"), keys: ["iklimco:vault.backup.schedule"], says: ["minute field from 0 to 59"] },
    { what: "hour 24", edit: (v) => (v.vault.backup.schedule = "0 24 * * *"), keys: ["iklimco:vault.backup.schedule"], says: ["hour field from 0 to 23"] },
    { what: "day of month 0", edit: (v) => (v.vault.backup.schedule = "0 3 0 * *"), keys: ["iklimco:vault.backup.schedule"], says: ["day of month field from 1 to 31"] },
    { what: "month 13 in a list", edit: (v) => (v.vault.backup.schedule = "0 3 1 1,13 *"), keys: ["iklimco:vault.backup.schedule"], says: ["month field from 1 to 12"] },
    { what: "weekday 8 in a range", edit: (v) => (v.vault.backup.schedule = "0 3 * * 1-8"), keys: ["iklimco:vault.backup.schedule"], says: ["day of week field from 0 to 6"] },
    { what: "Sunday as 7, which busybox crond cannot parse", edit: (v) => (v.vault.backup.schedule = "0 3 * * 7"), keys: ["iklimco:vault.backup.schedule"], says: ["day of week field from 0 to 6"] },
    { what: "four cron fields", edit: (v) => (v.vault.backup.schedule = "0 * * *"), keys: ["iklimco:vault.backup.schedule"], says: ["five fields"] },
    { what: "a step of zero", edit: (v) => (v.vault.backup.schedule = "*/0 * * * *"), keys: ["iklimco:vault.backup.schedule"] },
    { what: "a date that never comes", edit: (v) => (v.vault.backup.schedule = "0 0 30 2 *"), keys: ["iklimco:vault.backup.schedule"], says: ["runs at least once"] },
    { what: "a special string busybox may not know, and a zero keep", edit: (v) => (v.vault.backup = { schedule: "@hourly", keep: 0 }), keys: ["iklimco:vault.backup.schedule", "iklimco:vault.backup.keep"] },
    { what: "a backwards range", edit: (v) => (v.vault.backup.schedule = "0 5-2 * * *"), keys: ["iklimco:vault.backup.schedule"] },

    // ---------------------------------------------------------------- hosts, ports and URLs
    { what: "an SSH port out of range", edit: (v) => (v.docker.host = "ssh://deploy@203.0.113.11:70000"), keys: ["iklimco:docker.host"], says: ["SSH port from 1 to 65535", "ssh://user@host[:port]"] },
    { what: "an SSH host without a user", edit: (v) => (v.docker.host = "ssh://203.0.113.11"), keys: ["iklimco:docker.host"], says: ["e.g. ssh://deploy@203.0.113.11:22"] },
    { what: "a bare address as the Docker host", edit: (v) => (v.docker.host = "203.0.113.11"), keys: ["iklimco:docker.host"] },
    { what: "a unix socket with two slashes", edit: (v) => (v.docker.host = "unix://var/run/docker.sock"), keys: ["iklimco:docker.host"], says: ["three slashes"] },
    { what: "a tcp host without a port", edit: (v) => (v.docker.host = "tcp://203.0.113.11"), keys: ["iklimco:docker.host"] },
    { what: "a Vault address without a scheme", edit: (v) => (v.vault.address = "vault.iklim.co:8200"), keys: ["iklimco:vault.address"], says: ["e.g. https://vault.iklim.co:8200"] },
    { what: "a Vault address with port 0 and a Postgres port as text", edit: (v) => ((v.vault.address = "https://vault.iklim.co:0"), (v.postgres.port = "5432")), keys: ["iklimco:vault.address", "iklimco:postgres.port"] },
    { what: "an ftp Vault address", edit: (v) => (v.vault.address = "ftp://vault.iklim.co"), keys: ["iklimco:vault.address"] },
    { what: "GoDaddy's API over plain http", edit: (v) => (v.dns.apiBaseUrl = "http://api.godaddy.com"), keys: ["iklimco:dns.apiBaseUrl"] },
    { what: "a TTL one second over GoDaddy's maximum", edit: (v) => (v.dns.ttl = 604801), keys: ["iklimco:dns.ttl"] },
    { what: "a TTL under GoDaddy's minimum", edit: (v) => (v.dns.ttl = 599), keys: ["iklimco:dns.ttl"] },
    { what: "a TTL as text and records as a string", edit: (v) => ((v.dns.ttl = "600"), (v.dns.records = "api,apigw")), keys: ["iklimco:dns.ttl", "iklimco:dns.records"] },
    { what: "a registry given as a URL", edit: (v) => (v.registry.server = "https://harbor.iklim.co"), keys: ["iklimco:registry.server"] },

    // ---------------------------------------------------------------- single values against what consumes them
    { what: "a fractional replica count and a word for another", edit: (v) => (v.replicas = { apisix: 1.5, grafana: "two" }), keys: ["iklimco:replicas.apisix", "iklimco:replicas.grafana"] },
    { what: "port 0", edit: (v) => (v.postgres.port = 0), keys: ["iklimco:postgres.port"], says: ["TCP port from 1 to 65535"] },
    { what: "Vault's own mount as the KV mount", edit: (v) => (v.vault.kvMount = "sys"), keys: ["iklimco:vault.kvMount"] },
    { what: "a subnet too small for the tasks", edit: (v) => (v.network.subnet = "10.20.0.0/30"), keys: ["iklimco:network.subnet"] },
    { what: "a network name with spaces and capitals", edit: (v) => (v.network.name = "Iklimco Net"), keys: ["iklimco:network.name"] },
    { what: "an image with capitals", edit: (v) => (v.images.etcd = "Harbor.iklim.co/iklimco/etcd:3.5.17"), keys: ["iklimco:images.etcd"] },
    { what: "a truncated digest and a missing image", edit: (v) => ((v.images.mongodb = "harbor.iklim.co/iklimco/mongo@sha256:abc"), delete v.images.grafana), keys: ["iklimco:images.mongodb", "iklimco:images.grafana"], says: ["e.g. harbor.iklim.co/iklimco/grafana:11.3.1"] },
    { what: "a relative path and a path with a space", edit: (v) => ((v.paths.swagCertDir = "storagebox/ssl"), (v.paths.storageBox = "/mnt/storage box")), keys: ["iklimco:paths.swagCertDir", "iklimco:paths.storageBox"] },
    { what: "an IP out of range", edit: (v) => (v.nodes[2].publicIp = "203.0.113.300"), keys: ["iklimco:nodes[2].publicIp"] },
    { what: "an unknown label and an unknown role", edit: (v) => ((v.nodes[0].labels = ["etcd", "database"]), (v.nodes[3].role = "leader")), keys: ["iklimco:nodes[0].labels[1]", "iklimco:nodes[3].role"], says: ["one of manager, worker"] },
    { what: "a database name with a dash", edit: (v) => (v.microservices[0].postgres.database = "auth-db"), keys: ["iklimco:microservices[0].postgres.database"] },
    { what: "PostgreSQL's own database and MongoDB's admin", edit: (v) => ((v.microservices[0].postgres.database = "postgres"), (v.microservices[2].mongodb.database = "admin")), keys: ["iklimco:microservices[0].postgres.database", "iklimco:microservices[2].mongodb.database"] },
    { what: "an empty vhost and a KV path leaving the service's prefix", edit: (v) => ((v.microservices[0].rabbitmq.vhost = ""), (v.microservices[1].vault.paths = ["../auth"])), keys: ["iklimco:microservices[0].rabbitmq.vhost", "iklimco:microservices[1].vault.paths[0]"] },
    { what: "a stack name with capitals and underscore", edit: (v) => (v.stackName = "Iklimco_Prod"), keys: ["iklimco:stackName"] },
    { what: "a stack name too long for Swarm's service names", edit: (v) => (v.stackName = "iklimco-production-platform-cluster-europe-west-1"), keys: ["iklimco:stackName", "iklimco:microservices[3].name"] },
    { what: "a domain of one label", edit: (v) => (v.domain = "iklim"), keys: ["iklimco:domain"] },
    { what: "an init wait under 10 seconds and a flag as text", edit: (v) => ((v.init = { waitSeconds: 5 }), (v.registry.auth = "yes")), keys: ["iklimco:init.waitSeconds", "iklimco:registry.auth"], says: ["true or false"] },

    // ---------------------------------------------------------------- missing keys: the expected form with an example
    { what: "no docker section", edit: (v) => delete v.docker, keys: ["iklimco:docker"], says: ["ssh://deploy@203.0.113.11:22"] },
    { what: "no DNS provider", edit: (v) => delete v.dns.provider, keys: ["iklimco:dns.provider"], says: ["one of godaddy, none"] },
    { what: "no paths and no images", edit: (v) => (delete v.paths, delete v.images), keys: ["iklimco:paths", "iklimco:images"] },
    { what: "an empty node list", edit: (v) => (v.nodes = []), keys: ["iklimco:nodes"], says: ["at least one node"] },

    // ---------------------------------------------------------------- unknown keys: the nearest known one
    { what: "a misspelt top-level key", edit: (v) => ((v.domian = v.domain), delete v.domain), keys: ["iklimco:domian", "iklimco:domain"], says: ["did you mean iklimco:domain?"] },
    { what: "a misspelt node key", edit: (v) => ((v.nodes[0].lables = v.nodes[0].labels), delete v.nodes[0].labels), keys: ["iklimco:nodes[0].lables"], says: ["did you mean iklimco:nodes[0].labels?"] },
    { what: "a misspelt key inside vault", edit: (v) => (v.vault.approleDefault = {}), keys: ["iklimco:vault.approleDefault"], says: ["did you mean iklimco:vault.approleDefaults?"] },
    { what: "a secret under a misspelt key, in plain text", edit: (v) => (v.harborPasword = "hunter2-typo"), keys: ["iklimco:harborPasword"], hidden: ["hunter2-typo"], fixes: { "iklimco:harborPasword": /pulumi config set --secret iklimco:harborPassword / } },
    { what: "a password written under the registry map", edit: (v) => (v.registry.password = "hunter2-nested"), keys: ["iklimco:registry.password"], says: ["a secret is a top-level key set with pulumi config set --secret", "harborPassword"], hidden: ["hunter2-nested"] },
    { what: "a case slip in a key", edit: (v) => ((v.stackname = "iklimco"), delete v.stackName), keys: ["iklimco:stackname"], says: ["did you mean iklimco:stackName?"] },
    { what: "a misspelt namespace", text: (t) => t.replace("  iklimco:domain: iklim.co", "  iklmco:domain: iklim.co"), keys: ["iklmco:domain", "iklimco:domain"], says: ["did you mean iklimco:domain?"] },
    { what: "a key written without its namespace", text: (t) => t.replace("  iklimco:domain: iklim.co", "  domain: iklim.co"), keys: ["iklimco-platform:domain", "iklimco:domain"] },

    // ---------------------------------------------------------------- secrets written in plain text
    { what: "a required secret in plain text", edit: (v) => (v.harborPassword = "hunter2-harbor"), keys: ["iklimco:harborPassword"], fixes: { "iklimco:harborPassword": secretFix("harborPassword") }, hidden: ["hunter2-harbor"] },
    { what: "both GoDaddy secrets in plain text", edit: (v) => ((v.godaddyKey = "gd-key-plain"), (v.godaddySecret = "gd-secret-plain")), keys: ["iklimco:godaddyKey", "iklimco:godaddySecret"], fixes: { "iklimco:godaddyKey": secretFix("godaddyKey"), "iklimco:godaddySecret": secretFix("godaddySecret") }, hidden: ["gd-key-plain", "gd-secret-plain"] },
    { what: "the SSH key in plain text beside a bad domain", edit: (v) => ((v.sshPrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----"), (v.domain = "Iklim.co")), keys: ["iklimco:sshPrivateKey", "iklimco:domain"], fixes: { "iklimco:sshPrivateKey": secretFix("sshPrivateKey") }, hidden: ["BEGIN OPENSSH"] },
    { what: "an optional adopted password in plain text", edit: (v) => (v.postgresSuperuserPassword = "adopted-pg-pw"), keys: ["iklimco:postgresSuperuserPassword"], fixes: { "iklimco:postgresSuperuserPassword": secretFix("postgresSuperuserPassword") }, hidden: ["adopted-pg-pw"] },
    { what: "a Vault token in plain text, a number as the unseal key", edit: (v) => ((v.vaultToken = "hvs.plain-token"), (v.vaultUnsealKey = 12345)), keys: ["iklimco:vaultToken", "iklimco:vaultUnsealKey"], hidden: ["hvs.plain-token", "12345"] },

    // ---------------------------------------------------------------- a broken file: its name, line and column
    { what: "an unclosed list", text: (t) => t.replace("labels: [edge, apps]", "labels: [edge, apps"), keys: [`${lineOf("labels: [edge, apps]") + 1}:3`], says: [`opened at line ${lineOf("labels: [edge, apps]")}`] },
    { what: "a tab in the indentation", text: (t) => t.replace("    host: ssh://", "\thost: ssh://"), keys: [`${lineOf("    host: ssh://")}:1`], says: ["indentation with spaces"] },
    { what: "a key given twice", text: (t) => t.replace("  iklimco:stackName: iklimco\n", "  iklimco:stackName: iklimco\n  iklimco:domain: iklim.com\n"), keys: [`${lineOf("  iklimco:stackName: iklimco\n") + 1}:3`], says: ["each key once"] },
    { what: "a nested key given twice", text: (t) => t.replace("      role: manager\n      publicIp: 203.0.113.11", "      role: manager\n      role: worker\n      publicIp: 203.0.113.11"), keys: [`${lineOf("      role: manager\n      publicIp: 203.0.113.11") + 1}:7`] },
    { what: "an unclosed map", text: (t) => t.replace("vault: { paths: [auth], write: false }", "vault: { paths: [auth], write: false"), keys: [`${lineOf("vault: { paths: [auth], write: false }") + 1}:7`], says: [`opened at line ${lineOf("vault: { paths: [auth], write: false }")}`] },
    { what: "config given as a list", text: () => "config:\n  - iklimco:domain: iklim.co\n", keys: ["2:3"] },
];

function writeCase(dir: string, i: number, c: Case): string {
    let text: string;
    if (c.text) {
        text = c.text(PROD_TEXT);
    } else {
        const doc = YAML.parse(PROD_TEXT) as { config: Values };
        const v: Values = {};
        for (const [k, val] of Object.entries(doc.config)) if (k.startsWith("iklimco:")) v[k.slice(8)] = val;
        c.edit!(v);
        const config: Values = Object.fromEntries(Object.entries(doc.config).filter(([k]) => !k.startsWith("iklimco:")));
        for (const [k, val] of Object.entries(v)) if (val !== undefined) config[`iklimco:${k}`] = val;
        text = YAML.stringify({ config });
    }
    const file = path.join(dir, `case-${i}.yaml`);
    fs.writeFileSync(file, text);
    return file;
}

// A message an operator reads: the fix, the form, an example. A regular expression is none of those.
const REGEX_TRACES = [/\/\^/, /\$\//, /\\d/, /\\s/, /\[a-z0-9\]/, /\(\?[=:!]/, /must match pattern/];

function checkProblems(c: Case, file: string, problems: ConfigProblem[], report: string): void {
    const keys = problems.map((p) => p.key);
    const named = (k: string) => (/^\d+:\d+$/.test(k) ? keys.some((x) => x === `${file}:${k}`) : keys.includes(k));
    for (const k of c.keys) expect(named(k), `${k} not named; report:\n${report}`).to.equal(true);
    for (const k of c.notKeys ?? []) expect(keys, `${k} must not be blamed; report:\n${report}`).to.not.include(k);
    for (const s of c.says ?? []) expect(report, `report:\n${report}`).to.match(typeof s === "string" ? new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : s);
    for (const [k, fix] of Object.entries(c.fixes ?? {})) {
        const p = problems.find((x) => x.key === k);
        expect(p?.fix, `no fix for ${k}; report:\n${report}`).to.match(typeof fix === "string" ? new RegExp(`^${fix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : fix);
    }
    for (const h of c.hidden ?? []) expect(report).to.not.include(h);
    // Each key points at its own line in the file (a missing key at its parent's).
    const lines = fs.readFileSync(file, "utf8").split("\n");
    // (A list item has no key of its own on its line: those are left out.)
    for (const p of problems.filter((x) => x.at && !x.key.endsWith("]"))) {
        const [, line] = /:(\d+):\d+$/.exec(p.at!)!;
        const segments = p.key.split(/[.[\]]/).filter((x) => x && !/^\d+$/.test(x));
        expect(segments.some((seg) => lines[Number(line) - 1].includes(seg.replace(/^iklimco:/, ""))), `${p.key} placed at ${p.at}: ${lines[Number(line) - 1]}`).to.equal(true);
    }
    for (const p of problems) {
        expect(p.expected.length, `${p.key} has no expectation`).to.be.greaterThan(5);
        for (const r of REGEX_TRACES) expect(`${p.expected} ${p.found}`, `${p.key} shows a regular expression`).to.not.match(r);
        // Secrets' fixes are exact commands.
        if (p.fix?.startsWith("pulumi config set --secret")) expect(p.fix).to.match(/^pulumi config set --secret iklimco:\w+ \S/);
    }
}

describe("config errors: every mistake at once, before anything is registered, with the fix", function () {
    this.timeout(600000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-config-errors-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("has at least 60 cases, several with two or three mistakes at once", () => {
        expect(CASES.length).to.be.at.least(60);
        expect(CASES.filter((c) => c.keys.length >= 2).length).to.be.at.least(10);
    });

    CASES.forEach((c, i) => {
        it(`${c.what}: exit 2, nothing registered, ${c.keys.join(", ")} named`, async () => {
            const file = writeCase(dir, i, c);
            const run = await planCommand(["--stack", "prod", "--config-file", file]);
            expect(run.code, run.stderr || run.stdout.slice(0, 400)).to.equal(2);
            // The program ran (platform.ts, loadConfig first) and had registered nothing when the error stopped it; a
            // broken file stops before the program runs at all.
            if (c.edit) expect(run.resourcesRegistered).to.equal(0);
            else expect(run.resourcesRegistered ?? 0).to.equal(0);
            expect(run.stdout).to.equal("");
            checkProblems(c, file, run.problems ?? [], run.stderr);
        });
    });

    it("a stack file that does not exist exits 2 and names it", async () => {
        const run = await planCommand(["--stack", "staging"]);
        expect(run.code).to.equal(2);
        expect(run.problems?.[0].key).to.equal("Pulumi.staging.yaml");
        expect(run.stderr).to.match(/Pulumi\.staging\.yaml: expected a stack file .*found no such file/);
    });

    it("the timing copy of the prod stack (test/fixtures/broken-stack.yaml) reports its three mistakes and nothing else (the misspelt domain as unknown and as missing)", async () => {
        const run = await planCommand(["--stack", "prod", "--config-file", path.join(ROOT, "test", "fixtures", "broken-stack.yaml")]);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.resourcesRegistered ?? 0).to.equal(0);
        expect((run.problems ?? []).map((p) => p.key).sort()).to.deep.equal(["iklimco:dns.ttl", "iklimco:domain", "iklimco:domian", "iklimco:vault.backup.schedule"]);
    });

    it("the committed stacks still plan (the checks refuse mistakes, not the real config)", async () => {
        for (const stack of ["prod", "local"]) {
            const run = await planCommand(["--stack", stack, "--json"]);
            expect(run.code, run.stderr).to.equal(0);
        }
    });

    it("npm run plan itself exits 2 with the whole report on stderr (spawned: a YAML error and a config with several wrong keys)", () => {
        // The table above runs the same command in-process; spawning shows the exit code and streams for real.
        const yamlError = CASES.findIndex((c) => c.keys.some((k) => /^\d+:\d+$/.test(k)));
        const severalKeys = CASES.findIndex((c) => c.keys.length >= 2 && !c.keys.some((k) => /^\d+:\d+$/.test(k)));
        expect(yamlError).to.be.at.least(0);
        expect(severalKeys).to.be.at.least(0);
        for (const i of [yamlError, severalKeys]) {
            const c = CASES[i];
            const file = writeCase(dir, i, c);
            const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "tools/plan.ts", "--stack", "prod", "--config-file", file], { cwd: ROOT, encoding: "utf8", timeout: 120000 });
            expect(r.status, `${c.what}: ${r.stderr}`).to.equal(2);
            expect(r.stdout).to.equal("");
            expect(r.stderr).to.match(/^Stack configuration is invalid \(\d+ problems?\); nothing was deployed:/);
            for (const k of c.keys) expect(r.stderr, c.what).to.include(/^\d+:\d+$/.test(k) ? `${file}:${k}` : `${k}: expected`);
        }
    });
});
