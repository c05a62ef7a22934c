// Images are never `:latest` or untagged: a moving tag deploys whatever was pushed last, on every node a task
// lands on, and makes a rollback roll "back" to the same moving tag.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { imagesOf, parseImageRef } from "../lib/images";

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

