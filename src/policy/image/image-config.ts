// The parts of an OCI image config the policy needs, and the resolver interface the generator calls.

export interface ImageConfig {
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly Env?: readonly string[];
  readonly User?: string;
  readonly WorkingDir?: string;
  /** Paths of the image's `VOLUME`s, sorted. */
  readonly Volumes?: readonly string[];
}

export interface ResolvedImage {
  /** Repository without tag or digest, e.g. `ghcr.io/edgelesssys/contrast/initializer`. */
  readonly repository: string;
  /** Manifest digest the policy pins (`sha256:<64 hex>`). */
  readonly digest: string;
  readonly config: ImageConfig;
  /** The YAML named a tag only; the caller should tell the user which digest was pinned. */
  readonly resolvedFromTag: boolean;
}

/** Resolves an image reference as written in the YAML to its digest and config. */
export type ImageResolver = (reference: string) => Promise<ResolvedImage>;
