// Images are never `:latest` or untagged: a moving tag deploys whatever was pushed last, on every node a task
// lands on, and makes a rollback roll "back" to the same moving tag.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resources";

/** Where each kind of resource names an image. */
/* eslint-disable @typescript-eslint/no-explicit-any */
export function imagesOf(type: string, props: Record<string, any>): string[] {
    switch (type) {
        case TYPES.service:
            return [props.taskSpec?.containerSpec?.image].filter((x) => x !== undefined);
        case TYPES.container:
            return [props.image].filter((x) => x !== undefined);
        case TYPES.remoteImage:
        case TYPES.registryImage:
            return [props.name].filter((x) => x !== undefined);
        case TYPES.tag:
            return [props.targetImage].filter((x) => x !== undefined);
        default:
            return [];
    }
}

export interface ImageRef {
    repository: string;
    tag?: string;
    digest?: string;
}

export function parseImageRef(ref: string): ImageRef {
    const [beforeDigest, digest] = ref.split("@", 2);
    const slash = beforeDigest.lastIndexOf("/");
    const colon = beforeDigest.lastIndexOf(":");
    // A colon before the last slash is a registry port, not a tag.
    const hasTag = colon > slash;
    return { repository: hasTag ? beforeDigest.slice(0, colon) : beforeDigest, tag: hasTag ? beforeDigest.slice(colon + 1) : undefined, digest };
}

export const imageTagNotLatest: ResourceValidationPolicy = {
    name: "image-tag-not-latest",
    description: "Every image has an explicit version tag or digest: never `:latest` and never untagged (which means latest).",
    enforcementLevel: "mandatory",
    remediationSteps: "Pin the image to a release tag (harbor.iklim.co/iklimco/etcd:3.5.17) or a digest (@sha256:...) in the stack config.",
    validateResource: (args, reportViolation) => {
        const images = imagesOf(args.type, args.props);
        if (!images.length) args.notApplicable("only services, containers and images name an image");
        for (const image of images) {
            if (typeof image !== "string" || !image) {
                reportViolation("the image reference is empty");
                continue;
            }
            const ref = parseImageRef(image);
            if (!ref.tag && !ref.digest) reportViolation(`image ${image} has no tag, which means :latest: pin a version tag or a digest`);
            else if (ref.tag === "latest") reportViolation(`image ${image} uses the moving :latest tag: pin a version tag or a digest`);
        }
    },
};

export const imagePinnedByDigest: ResourceValidationPolicy = {
    name: "image-pinned-by-digest",
    description: "Service images are pinned by digest (@sha256:...), so every node runs exactly the image that was tested.",
    enforcementLevel: "advisory",
    remediationSteps: "Append the tested digest to the image reference: <repository>:<tag>@sha256:<digest>.",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.service && args.type !== TYPES.container) args.notApplicable("only services and containers run an image");
        for (const image of imagesOf(args.type, args.props)) {
            if (typeof image === "string" && !parseImageRef(image).digest) reportViolation(`image ${image} is pinned by tag only; a tag can be re-pushed, a digest cannot`);
        }
    },
};

