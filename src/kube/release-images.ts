// The product's own images (Coordinator, Initializer, node-installer, service mesh): references fixed at build time and
// their image configs.
//
// The images are `images/Containerfile.*`: FROM scratch, the binary at /bin/contrast, ENTRYPOINT
// ["/bin/contrast", "<role>"], no Env, User or WorkingDir. `make release` (images/release.sh) builds in two stages: the
// binary inside the images embeds no image reference (it cannot know its own image's digest), then the CLI is compiled
// with the pushed references pinned by digest (`--define CONTRAST_INITIALIZER_IMAGE='"reg/initializer:v@sha256:…"'`),
// so `generate` needs no registry for them. A development build names `<DEV_IMAGE_REGISTRY>/<name>:<version>` and
// resolves that tag like any user image.

declare const CONTRAST_VERSION: string | undefined;
declare const CONTRAST_INITIALIZER_IMAGE: string | undefined;
declare const CONTRAST_COORDINATOR_IMAGE: string | undefined;
declare const CONTRAST_NODE_INSTALLER_IMAGE: string | undefined;
declare const CONTRAST_SERVICE_MESH_IMAGE: string | undefined;

/** Registry prefix of development builds: where `images/README.md` pushes `make images` output. */
export const DEV_IMAGE_REGISTRY = "localhost:5000/contrast";

const version = typeof CONTRAST_VERSION === "string" ? CONTRAST_VERSION : "0.0.0-dev";

export interface ReleaseImage {
  readonly name: "coordinator" | "initializer" | "node-installer" | "service-mesh";
  readonly reference: string;
  /** The OCI image config the image carries (the parts a policy needs). */
  readonly config: { readonly Entrypoint: readonly string[] };
}

function releaseImage(name: ReleaseImage["name"], embedded: string | undefined): ReleaseImage {
  return Object.freeze({
    name,
    reference: embedded ?? `${DEV_IMAGE_REGISTRY}/${name}:${version}`,
    config: Object.freeze({ Entrypoint: Object.freeze(["/bin/contrast", name]) }),
  });
}

export const INITIALIZER_IMAGE = releaseImage(
  "initializer",
  typeof CONTRAST_INITIALIZER_IMAGE === "string" ? CONTRAST_INITIALIZER_IMAGE : undefined,
);
export const COORDINATOR_IMAGE = releaseImage(
  "coordinator",
  typeof CONTRAST_COORDINATOR_IMAGE === "string" ? CONTRAST_COORDINATOR_IMAGE : undefined,
);
export const NODE_INSTALLER_IMAGE = releaseImage(
  "node-installer",
  typeof CONTRAST_NODE_INSTALLER_IMAGE === "string" ? CONTRAST_NODE_INSTALLER_IMAGE : undefined,
);

/** The service mesh sidecar: the same binary, plus the iptables tools its inbound rules need. */
export const SERVICE_MESH_IMAGE = releaseImage(
  "service-mesh",
  typeof CONTRAST_SERVICE_MESH_IMAGE === "string" ? CONTRAST_SERVICE_MESH_IMAGE : undefined,
);

export const RELEASE_IMAGES: readonly ReleaseImage[] = Object.freeze([
  COORDINATOR_IMAGE,
  INITIALIZER_IMAGE,
  NODE_INSTALLER_IMAGE,
  SERVICE_MESH_IMAGE,
]);

const DIGEST_SUFFIX = /@(sha256:[0-9a-f]{64})$/;

/** Whether this binary was built by `make release` (every image pinned by digest). */
export function isReleaseBuild(images: readonly ReleaseImage[] = RELEASE_IMAGES): boolean {
  return images.every((i) => DIGEST_SUFFIX.test(i.reference));
}

/**
 * Release images whose reference is pinned by digest, keyed by that exact reference, for the image resolver's
 * `known` map. Tag-only references (development builds) are left to the registry. A `mirrors` reference (e.g.
 * `--initializer-image` naming a copy in the user's registry) with the same digest as a release image is the same
 * content, so it is known too.
 */
export function knownReleaseImages(
  images: readonly ReleaseImage[] = [INITIALIZER_IMAGE, COORDINATOR_IMAGE, SERVICE_MESH_IMAGE],
  mirrors: readonly string[] = [],
): Map<string, { digest: string; config: ReleaseImage["config"] }> {
  const out = new Map<string, { digest: string; config: ReleaseImage["config"] }>();
  for (const image of images) {
    const digest = DIGEST_SUFFIX.exec(image.reference)?.[1];
    if (digest === undefined) continue;
    out.set(image.reference, { digest, config: image.config });
    for (const m of mirrors)
      if (DIGEST_SUFFIX.exec(m)?.[1] === digest) out.set(m, { digest, config: image.config });
  }
  return out;
}
