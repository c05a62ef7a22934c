// Image references: where each kind of resource names its image, and how a reference splits into repository,
// tag and digest (a colon before the last slash is a registry port).
import { TYPES } from "./resources";

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

