// Advisory: a tag can be re-pushed, a digest cannot; pinning by digest makes every node run the tested bytes.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { imagesOf, parseImageRef } from "../lib/images";
import { TYPES } from "../lib/resources";

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

