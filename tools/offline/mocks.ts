// What real providers compute and the mock monitor cannot: without these, applies on them never resolve.
// What a resource answers depends on its type only; the values are derived from its name, so two evaluations
// produce identical inputs.
import { Config } from "@pulumi/pulumi/config";
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * How a stand-in for the engine answers a registration (the SDK's mock monitor through the offline engine, and
 * grpc-engine.ts): an id from the name, and the inputs back as the state with what the provider would compute.
 */
export function mockRegistration(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, unknown> } {
    return { id: `${name}-id`, state: { ...inputs, ...computedOutputs(type, name, inputs) } };
}

export function computedOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { result: `mock-${name}-${"x".repeat(Math.max(0, (inputs.length ?? 16) - name.length - 6))}`, bcryptHash: `$2a$10$mock${name}` };
        case "random:index/randomId:RandomId":
            return { hex: Buffer.from(name).toString("hex").padEnd((inputs.byteLength ?? 8) * 2, "0"), b64Std: Buffer.from(name).toString("base64"), b64Url: Buffer.from(name).toString("base64url"), dec: "0" };
        case "random:index/randomBytes:RandomBytes":
            return { base64: Buffer.from(name.padEnd(inputs.length ?? 32, "x")).toString("base64"), hex: Buffer.from(name.padEnd(inputs.length ?? 32, "x")).toString("hex") };
        case "random:index/randomUuid:RandomUuid":
            return { result: "00000000-0000-4000-8000-000000000000" };
        case "command:remote:Command":
        case "command:local:Command":
            // The one command whose stdout the program reads is Vault's init step (components/vault/bootstrap.ts):
            // every command answers as Vault's init does, with a key and a token of its own.
            return { stdout: JSON.stringify({ keys: [`mock-hex-key-${name}`], keys_base64: [Buffer.from(`mock-key-${name}`).toString("base64")], root_token: `hvs.mock-root-${name}` }), stderr: "" };
        case "vault:appRole/authBackendRole:AuthBackendRole":
            return { roleId: `mock-role-id-${name}` };
        case "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId":
            return { secretId: `mock-secret-id-${name}`, accessor: `mock-accessor-${name}` };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: `sha256:${Buffer.from(name).toString("hex").padEnd(64, "0").slice(0, 64)}`, repoDigest: String(inputs.name ?? "") };
        case "docker:index/registryImage:RegistryImage":
            return { sha256Digest: `sha256:${Buffer.from(name).toString("hex").padEnd(64, "0").slice(0, 64)}` };
        case "pulumi:pulumi:StackReference":
            // A program that reads another stack (the microservice program reads the platform's outputs) gets
            // them offline from the config key `offline:stackOutputs` (JSON), so it can be planned without state.
            return { outputs: JSON.parse(new Config("offline").get("stackOutputs") ?? "{}"), secretOutputNames: [] };
        case "pulumi-nodejs:dynamic/iklimco:RootTokenRetirement":
            return { roleId: `mock-pulumi-role-id-${name}`, secretId: `mock-pulumi-secret-id-${name}` };
        default:
            return {};
    }
}
