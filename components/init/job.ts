// What every one-shot init job shares: its resource type, the settings every job reads, and its outer bound.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";

/** A job: the command that runs one one-shot container (oneshot.ts). */
export type Job = pulumi.CustomResource;

export interface JobBase {
    config: PlatformConfig;
    network: pulumi.Input<string>;
}

/** The outer bound of a job: its own bounded wait plus time to do the work. */
export const jobTimeout = (cfg: Pick<PlatformConfig, "init">) => cfg.init.waitSeconds + 300;
