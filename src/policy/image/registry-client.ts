// OCI distribution API client (read only): manifest → linux/amd64 → config blob, digests verified; anonymous, Basic or
// bearer-token auth with the user's registry credentials (registry-credentials.ts), which never reach a message or a log.
//
// Errors: an invalid reference is the caller's (ConfigError from parseImageReference); a 404 names image and tag and
// a refused login names where the credentials came from (ConfigError, exit 3); only an unreachable registry, a 5xx
// or a 429 is UnavailableError (exit 6).

import { sha256Hex } from "../../common/digest.ts";
import { ConfigError, UnavailableError, VerificationError } from "../../common/errors.ts";
import type { ImageConfig } from "./image-config.ts";
import type { ImageReference } from "./image-reference.ts";
import {
  basicAuthorization,
  type Challenge,
  type Fetch,
  fetchBearerToken,
  parseChallenges,
} from "./registry-auth.ts";
import { ANONYMOUS, type CredentialStore } from "./registry-credentials.ts";

export type { Fetch } from "./registry-auth.ts";

export interface RegistryClientOptions {
  readonly fetch?: Fetch;
  /** Hosts reached over plain HTTP besides localhost/127.0.0.1/[::1] (`--insecure-registry`). */
  readonly insecureRegistries?: readonly string[];
  /** The user's registry credentials (default: anonymous). */
  readonly credentials?: CredentialStore;
}

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];
const MAX_MANIFEST = 4 * 1024 * 1024;
const MAX_CONFIG = 8 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${sha256Hex(bytes)}`;
}

function hostOf(registry: string): string {
  return registry.startsWith("[")
    ? registry.slice(0, registry.indexOf("]") + 1)
    : (registry.split(":")[0] ?? "");
}

/** Docker's rule: loopback registries use HTTP, everything else HTTPS unless explicitly marked insecure. */
export function registryScheme(registry: string, insecure: readonly string[] = []): "http" | "https" {
  const host = hostOf(registry);
  if (host === "localhost" || host === "127.0.0.1" || host === "[::1]") return "http";
  return insecure.includes(registry) || insecure.includes(host) ? "http" : "https";
}

/** `registry/repository:tag@digest` as the user wrote it, for messages. */
export function displayReference(ref: ImageReference): string {
  return `${ref.name}${ref.tag === undefined ? "" : `:${ref.tag}`}${ref.digest === undefined ? "" : `@${ref.digest}`}`;
}

async function readLimited(res: Response, max: number, what: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > max)
    throw new UnavailableError(
      "registry_response_too_large",
      `${what} expected at most ${max} bytes, got ${bytes.length}`,
    );
  return bytes;
}

export interface FetchedImage {
  /** Digest of the manifest the reference names (the index for multi-platform images). */
  readonly digest: string;
  readonly config: ImageConfig;
}

export class RegistryClient {
  private readonly fetch: Fetch;
  private readonly credentials: CredentialStore;
  /** `registry/repository` → the Authorization header that worked (Basic or Bearer). */
  private readonly authorization = new Map<string, string>();

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.fetch = opts.fetch ?? ((i, init) => fetch(i, init));
    this.credentials = opts.credentials ?? ANONYMOUS;
  }

  private scheme(ref: ImageReference): "http" | "https" {
    return registryScheme(ref.registry, this.opts.insecureRegistries);
  }

  private base(ref: ImageReference): string {
    return `${this.scheme(ref)}://${ref.registry}/v2/${ref.repository}`;
  }

  private fail(ref: ImageReference, why: string, cause?: unknown): never {
    throw new UnavailableError("image_pull_failed", `image ${displayReference(ref)}: ${why}`, { cause });
  }

  /**
   * GET that follows redirects itself, so the Authorization header goes only to the registry's own origin (blob
   * redirects to a CDN must not carry the user's credentials).
   */
  private async send(ref: ImageReference, url: string, accept: string): Promise<Response> {
    const origin = new URL(url).origin;
    let target = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { Accept: accept };
      const auth = this.authorization.get(ref.registry + "/" + ref.repository);
      if (auth !== undefined && new URL(target).origin === origin) headers.Authorization = auth;
      let res: Response;
      try {
        res = await this.fetch(target, { headers, redirect: "manual" });
      } catch (e) {
        this.fail(ref, `registry unreachable at ${new URL(target).origin}`, e);
      }
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || location === null) return res;
      const next = new URL(location, target);
      if (next.protocol !== "https:" && !(next.protocol === "http:" && new URL(target).protocol === "http:"))
        this.fail(ref, `redirect expected https, got ${next.protocol}`);
      target = next.toString();
    }
    this.fail(ref, `expected at most ${MAX_REDIRECTS} redirects, got more`);
  }

  /** Answers a 401 challenge: Basic with the user's credentials, or a bearer token (anonymous or with them). */
  private async authenticate(ref: ImageReference, header: string): Promise<void> {
    const what = `image ${displayReference(ref)}`;
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm !== undefined);
    const basic = challenges.find((c) => c.scheme === "basic");
    const creds = await this.credentials.get(ref.registry, ref.repository);
    let value: string;
    if (bearer !== undefined) {
      value = await fetchBearerToken({
        fetch: this.fetch,
        challenge: bearer as Challenge,
        scope: `repository:${ref.repository}:pull`,
        credentials: creds,
        allowHttp: this.scheme(ref) === "http",
        what,
      });
    } else if (basic !== undefined) {
      if (creds?.kind !== "basic") throw this.unauthorized(ref, creds?.source);
      value = basicAuthorization(creds.username, creds.password);
    } else {
      throw new ConfigError(
        "registry_auth_unsupported",
        `${what}: registry ${ref.registry} expected a Basic or Bearer challenge, got ${JSON.stringify(header.split(/\s/)[0] ?? "")}`,
      );
    }
    this.authorization.set(ref.registry + "/" + ref.repository, value);
  }

  private unauthorized(ref: ImageReference, source: string | undefined): ConfigError {
    const how =
      source === undefined
        ? `credentials, found none for ${ref.registry} in ${this.credentials.searched.join(", ") || "any auth file"} (docker login / podman login)`
        : `the credentials from ${source} to be accepted, got refused`;
    return new ConfigError(
      "registry_unauthorized",
      `image ${displayReference(ref)}: registry ${ref.registry} expected ${how}`,
      {
        field: ref.registry,
      },
    );
  }

  /** GET with one authentication round trip when the registry asks for it; maps status codes to error classes. */
  private async get(ref: ImageReference, url: string, accept: string, what: string): Promise<Response> {
    const key = ref.registry + "/" + ref.repository;
    // What this request carries (send reads it now): images resolve concurrently, so another request for the same
    // repository may authenticate while this one is on its way without the header.
    const sentWith = this.authorization.get(key);
    let res = await this.send(ref, url, accept);
    if (res.status === 401 && sentWith === undefined) {
      if (!this.authorization.has(key))
        await this.authenticate(ref, res.headers.get("www-authenticate") ?? "");
      res = await this.send(ref, url, accept);
    }
    if (res.ok) return res;
    const name = displayReference(ref);
    if (res.status === 401 || res.status === 403) {
      const creds = await this.credentials.get(ref.registry, ref.repository);
      throw this.unauthorized(ref, creds?.source);
    }
    if (res.status === 404)
      throw new ConfigError(
        "image_not_found",
        `image ${name}: ${what} not found in registry ${ref.registry} (http 404)`,
        {
          field: name,
        },
      );
    if (res.status >= 500 || res.status === 429 || res.status === 408)
      this.fail(ref, `registry ${ref.registry} expected http 200 for ${what}, got ${res.status}`);
    throw new ConfigError(
      "image_request_refused",
      `image ${name}: registry ${ref.registry} expected http 200 for ${what}, got ${res.status}`,
      { field: name },
    );
  }

  private async manifest(
    ref: ImageReference,
    target: string,
  ): Promise<{ digest: string; body: Record<string, unknown> }> {
    const res = await this.get(
      ref,
      `${this.base(ref)}/manifests/${target}`,
      [...INDEX_TYPES, ...MANIFEST_TYPES].join(", "),
      target.startsWith("sha256:") ? `manifest ${target}` : `tag ${target}`,
    );
    const bytes = await readLimited(res, MAX_MANIFEST, `image ${displayReference(ref)}: manifest`);
    const digest = sha256Digest(bytes);
    if (target.startsWith("sha256:") && digest !== target) {
      throw new VerificationError(
        "image_digest_mismatch",
        `image ${displayReference(ref)}: manifest digest expected ${target}, got ${digest}`,
      );
    }
    try {
      return { digest, body: JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown> };
    } catch (e) {
      return this.fail(ref, "manifest is not json", e);
    }
  }

  /** Resolves the reference (tag or digest) and reads the linux/amd64 config. */
  async fetchImage(ref: ImageReference): Promise<FetchedImage> {
    const top = await this.manifest(ref, ref.digest ?? ref.tag ?? "latest");
    let manifest = top.body;
    if (Array.isArray(manifest.manifests)) {
      const entry = (
        manifest.manifests as { digest?: string; platform?: { os?: string; architecture?: string } }[]
      ).find((m) => m.platform?.os === "linux" && m.platform?.architecture === "amd64");
      if (entry?.digest === undefined)
        throw new ConfigError(
          "image_platform_missing",
          `image ${displayReference(ref)}: index expected a linux/amd64 manifest, got none`,
          { field: displayReference(ref) },
        );
      manifest = (await this.manifest(ref, entry.digest)).body;
    }
    const configDigest = (manifest.config as { digest?: unknown } | undefined)?.digest;
    if (typeof configDigest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(configDigest))
      this.fail(ref, "manifest expected a sha256 config digest");
    const res = await this.get(
      ref,
      `${this.base(ref)}/blobs/${configDigest}`,
      "application/vnd.oci.image.config.v1+json, */*",
      `config blob ${configDigest}`,
    );
    const blob = await readLimited(res, MAX_CONFIG, `image ${displayReference(ref)}: config`);
    if (sha256Digest(blob) !== configDigest) {
      throw new VerificationError(
        "image_digest_mismatch",
        `image ${displayReference(ref)}: config digest expected ${configDigest}, got ${sha256Digest(blob)}`,
      );
    }
    return { digest: top.digest, config: toImageConfig(JSON.parse(new TextDecoder().decode(blob))) };
  }
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined;
}

/** Picks the fields the policy needs out of an OCI image config (`config.{Entrypoint,Cmd,Env,User,WorkingDir,Volumes}`). */
export function toImageConfig(raw: unknown): ImageConfig {
  const c = ((raw as { config?: unknown })?.config ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const ep = strings(c.Entrypoint);
  if (ep !== undefined) out.Entrypoint = ep;
  const cmd = strings(c.Cmd);
  if (cmd !== undefined) out.Cmd = cmd;
  const env = strings(c.Env);
  if (env !== undefined) out.Env = env;
  if (typeof c.User === "string" && c.User !== "") out.User = c.User;
  if (typeof c.WorkingDir === "string" && c.WorkingDir !== "") out.WorkingDir = c.WorkingDir;
  if (typeof c.Volumes === "object" && c.Volumes !== null) out.Volumes = Object.keys(c.Volumes).sort();
  return out as ImageConfig;
}
