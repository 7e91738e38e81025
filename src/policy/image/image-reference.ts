// Docker/OCI image references: normalisation of registry, repository, tag and digest (distribution/reference grammar).

import { ConfigError } from "../../common/errors.ts";

export interface ImageReference {
  /** Registry host[:port] as used for the API, `registry-1.docker.io` for Docker Hub. */
  readonly registry: string;
  /** Repository path, `library/nginx` for official Docker Hub images. */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** Familiar full name `<registry>/<repository>` with `docker.io` for Docker Hub. */
  readonly name: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** DNS name or bracketed IPv6 literal, optional port: what a URL authority accepts, so a bad host is bad input. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

function bad(ref: string, why: string): never {
  throw new ConfigError("image_reference_invalid", `image ${ref}: ${why}`);
}

/** Parses `[host[:port]/]path[:tag][@sha256:hex]`. */
export function parseImageReference(ref: string): ImageReference {
  if (ref.length === 0 || ref.length > 4096) bad(ref, "expected 1 to 4096 characters");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) bad(ref, `digest expected sha256:<64 hex>, got ${digest}`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(ref, `tag expected [A-Za-z0-9_.-], got ${tag}`);
  }
  const slash = rest.indexOf("/");
  const first = slash < 0 ? "" : rest.slice(0, slash);
  const isHost = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (isHost && !HOST.test(first)) bad(ref, `registry expected host[:port], got ${first}`);
  let host = isHost ? first : "docker.io";
  let repository = isHost ? rest.slice(slash + 1) : rest;
  if (host === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  if (repository.split("/").some((c) => !PATH_COMPONENT.test(c)))
    bad(ref, `repository expected lower-case path components, got ${repository}`);
  const name = `${host}/${repository}`;
  if (host === "docker.io" || host === "index.docker.io") host = "registry-1.docker.io";
  return {
    registry: host,
    repository,
    tag: digest === undefined && tag === undefined ? "latest" : tag,
    digest,
    name,
  };
}
