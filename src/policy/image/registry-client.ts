// OCI distribution API client (read only): manifest → linux/amd64 → config blob, anonymous or bearer-token auth, digests verified.

import { createHash } from "node:crypto";
import { UnavailableError, VerificationError } from "../../common/errors.ts";
import type { ImageConfig } from "./image-config.ts";
import type { ImageReference } from "./image-reference.ts";

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface RegistryClientOptions {
  readonly fetch?: Fetch;
  /** Hosts reached over plain HTTP besides localhost/127.0.0.1/[::1] (`--insecure-registry`). */
  readonly insecureRegistries?: readonly string[];
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

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
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

function parseChallenge(header: string): Record<string, string> | undefined {
  const m = /^Bearer\s+(.*)$/i.exec(header.trim());
  if (m === null) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[1] ?? "").matchAll(/([a-zA-Z_]+)="([^"]*)"/g))
    params[(p[1] ?? "").toLowerCase()] = p[2] ?? "";
  return params;
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
  private readonly tokens = new Map<string, string>();

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.fetch = opts.fetch ?? ((i, init) => fetch(i, init));
  }

  private base(ref: ImageReference): string {
    return `${registryScheme(ref.registry, this.opts.insecureRegistries)}://${ref.registry}/v2/${ref.repository}`;
  }

  private fail(ref: ImageReference, why: string, cause?: unknown): never {
    throw new UnavailableError("image_pull_failed", `image ${ref.name}: ${why}`, { cause });
  }

  /** GET with one bearer-token round trip when the registry asks for it (RFC 6750 challenge). */
  private async get(ref: ImageReference, url: string, accept: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    const cached = this.tokens.get(ref.registry + ref.repository);
    if (cached !== undefined) headers.Authorization = `Bearer ${cached}`;
    let res: Response;
    try {
      res = await this.fetch(url, { headers, redirect: "follow" });
      if (res.status === 401) {
        const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
        if (challenge?.realm === undefined)
          this.fail(ref, "registry requires authentication other than an anonymous bearer token");
        const token = await this.fetchToken(ref, challenge);
        this.tokens.set(ref.registry + ref.repository, token);
        res = await this.fetch(url, {
          headers: { ...headers, Authorization: `Bearer ${token}` },
          redirect: "follow",
        });
      }
    } catch (e) {
      if (e instanceof UnavailableError) throw e;
      this.fail(ref, `registry unreachable at ${url}`, e);
    }
    if (!res.ok) this.fail(ref, `GET ${url} expected 200, got ${res.status}`);
    return res;
  }

  private async fetchToken(ref: ImageReference, ch: Record<string, string>): Promise<string> {
    const u = new URL(ch.realm ?? "");
    if (ch.service !== undefined) u.searchParams.set("service", ch.service);
    u.searchParams.set("scope", ch.scope ?? `repository:${ref.repository}:pull`);
    const res = await this.fetch(u.toString(), { headers: { Accept: "application/json" } });
    if (!res.ok) this.fail(ref, `token endpoint ${u.origin} expected 200, got ${res.status}`);
    const body = (await res.json()) as { token?: unknown; access_token?: unknown };
    const token = body.token ?? body.access_token;
    if (typeof token !== "string" || token === "") this.fail(ref, "token endpoint returned no token");
    return token;
  }

  private async manifest(
    ref: ImageReference,
    target: string,
  ): Promise<{ digest: string; body: Record<string, unknown> }> {
    const res = await this.get(
      ref,
      `${this.base(ref)}/manifests/${target}`,
      [...INDEX_TYPES, ...MANIFEST_TYPES].join(", "),
    );
    const bytes = await readLimited(res, MAX_MANIFEST, `image ${ref.name}: manifest`);
    const digest = sha256Digest(bytes);
    if (target.startsWith("sha256:") && digest !== target) {
      throw new VerificationError(
        "image_digest_mismatch",
        `image ${ref.name}: manifest digest expected ${target}, got ${digest}`,
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
      if (entry?.digest === undefined) this.fail(ref, "index expected a linux/amd64 manifest, got none");
      manifest = (await this.manifest(ref, entry.digest)).body;
    }
    const configDigest = (manifest.config as { digest?: unknown } | undefined)?.digest;
    if (typeof configDigest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(configDigest))
      this.fail(ref, "manifest expected a sha256 config digest");
    const res = await this.get(
      ref,
      `${this.base(ref)}/blobs/${configDigest}`,
      "application/vnd.oci.image.config.v1+json, */*",
    );
    const blob = await readLimited(res, MAX_CONFIG, `image ${ref.name}: config`);
    if (sha256Digest(blob) !== configDigest) {
      throw new VerificationError(
        "image_digest_mismatch",
        `image ${ref.name}: config digest expected ${configDigest}, got ${sha256Digest(blob)}`,
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
