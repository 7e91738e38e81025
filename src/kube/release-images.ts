// The product's own images (Coordinator, Initializer, service mesh): references fixed at build time and their image configs.
//
// The images are `images/Containerfile.*`: FROM scratch, the binary at /bin/contrast, ENTRYPOINT
// ["/bin/contrast", "<role>"], no Env, User or WorkingDir. A release build passes the pushed references pinned by
// digest (`bun build --define CONTRAST_INITIALIZER_IMAGE='"reg/contrast/initializer@sha256:…"'`), so `generate`
// needs no registry for them; a development build names `<DEV_IMAGE_REGISTRY>/<name>:<version>` and resolves that
// tag like any user image (after `make images` and `skopeo copy` to a local registry).

declare const CONTRAST_VERSION: string | undefined;
declare const CONTRAST_INITIALIZER_IMAGE: string | undefined;
declare const CONTRAST_COORDINATOR_IMAGE: string | undefined;
declare const CONTRAST_SERVICE_MESH_IMAGE: string | undefined;

/** Registry prefix of development builds: where `images/README.md` pushes `make images` output. */
export const DEV_IMAGE_REGISTRY = "localhost:5000/contrast";

const version = typeof CONTRAST_VERSION === "string" ? CONTRAST_VERSION : "0.0.0-dev";

export interface ReleaseImage {
  readonly reference: string;
  /** The OCI image config the image carries (the parts a policy needs). */
  readonly config: { readonly Entrypoint: readonly string[] };
}

export const INITIALIZER_IMAGE: ReleaseImage = Object.freeze({
  reference:
    typeof CONTRAST_INITIALIZER_IMAGE === "string"
      ? CONTRAST_INITIALIZER_IMAGE
      : `${DEV_IMAGE_REGISTRY}/initializer:${version}`,
  config: Object.freeze({ Entrypoint: Object.freeze(["/bin/contrast", "initializer"]) }),
});

export const COORDINATOR_IMAGE: ReleaseImage = Object.freeze({
  reference:
    typeof CONTRAST_COORDINATOR_IMAGE === "string"
      ? CONTRAST_COORDINATOR_IMAGE
      : `${DEV_IMAGE_REGISTRY}/coordinator:${version}`,
  config: Object.freeze({ Entrypoint: Object.freeze(["/bin/contrast", "coordinator"]) }),
});

/** The service mesh sidecar: the same binary, plus the iptables tools its inbound rules need. */
export const SERVICE_MESH_IMAGE: ReleaseImage = Object.freeze({
  reference:
    typeof CONTRAST_SERVICE_MESH_IMAGE === "string"
      ? CONTRAST_SERVICE_MESH_IMAGE
      : `${DEV_IMAGE_REGISTRY}/service-mesh:${version}`,
  config: Object.freeze({ Entrypoint: Object.freeze(["/bin/contrast", "service-mesh"]) }),
});

const DIGEST_SUFFIX = /@(sha256:[0-9a-f]{64})$/;

/**
 * Release images whose reference is pinned by digest, keyed by that exact reference, for the image resolver's
 * `known` map. Tag-only references (development builds) are left to the registry.
 */
export function knownReleaseImages(
  images: readonly ReleaseImage[] = [INITIALIZER_IMAGE, COORDINATOR_IMAGE, SERVICE_MESH_IMAGE],
): Map<string, { digest: string; config: ReleaseImage["config"] }> {
  const out = new Map<string, { digest: string; config: ReleaseImage["config"] }>();
  for (const image of images) {
    const digest = DIGEST_SUFFIX.exec(image.reference)?.[1];
    if (digest !== undefined) out.set(image.reference, { digest, config: image.config });
  }
  return out;
}
