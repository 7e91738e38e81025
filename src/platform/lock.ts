// The runtime artifact lock: parse and validate a platform's lock file and serialize it canonically for the handler hash.

import { ParseError } from "../common/errors.ts";
import { parseSri } from "../common/sri.ts";
import { isDebSource, isSafeRelativePath, parseDebSource } from "./artifact-source.ts";
import { type Platform, type PlatformName, parsePlatform } from "./platforms.ts";

export type ArtifactRole = "shim" | "hypervisor" | "firmware" | "kernel" | "initrd" | "image" | "igvm";
const ROLES: readonly ArtifactRole[] = [
  "shim",
  "hypervisor",
  "firmware",
  "kernel",
  "initrd",
  "image",
  "igvm",
];

/** One file installed under `/opt/edgeless/<handler>/`. */
export interface LockedFile {
  readonly role: ArtifactRole;
  /**
   * `http(s)://…`, `file:///…`, an absolute path inside the node-installer image, or `deb:<pkg>=<version>:/<path>`
   * (a file of a pinned Debian package, fetched by `make runtime-artifacts`, carried in the image at
   * `debArtifactImagePath`).
   */
  readonly source: string;
  /** Relative to `/opt/edgeless/<handler>/`. */
  readonly installPath: string;
  readonly executable: boolean;
  /** SRI of the exact bytes; absent while the release pipeline has not pinned the artifact. */
  readonly integrity: string | undefined;
}

export interface RuntimeLock {
  readonly platform: PlatformName;
  /** The default Kata configuration the installer renders (a template in `runtime/kata/`, embedded in the binary). */
  readonly kataConfig: { readonly template: string; readonly integrity: string };
  readonly files: readonly LockedFile[];
}

const MAX_FILES = 64;

function fail(field: string, expected: string, got: unknown): never {
  const shown = typeof got === "string" ? JSON.stringify(got.slice(0, 80)) : typeof got;
  throw new ParseError("invalid_runtime_lock", `${field}: expected ${expected}, got ${shown}`, { field });
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) fail(`${field}.${k}`, "no such key", k);
}

function asObject(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(field, "object", v);
  return v as Record<string, unknown>;
}

export { isSafeRelativePath };

function parseSource(v: unknown, field: string): string {
  if (typeof v !== "string") fail(field, "string", v);
  if (isDebSource(v)) {
    parseDebSource(v, field);
    return v;
  }
  const ok =
    /^https?:\/\/[^\s]+$/.test(v) ||
    (v.startsWith("file:///") && isSafeRelativePath(v.slice(8))) ||
    (v.startsWith("/") && isSafeRelativePath(v.slice(1)));
  if (!ok) fail(field, "http(s):// URL, file:/// URL, deb: source or absolute image path without '..'", v);
  return v;
}

function parseFile(v: unknown, field: string): LockedFile {
  const o = asObject(v, field);
  checkKeys(o, ["role", "source", "installPath", "executable", "integrity"], field);
  if (!ROLES.includes(o.role as ArtifactRole)) fail(`${field}.role`, ROLES.join("|"), o.role);
  const installPath = o.installPath;
  if (typeof installPath !== "string" || !isSafeRelativePath(installPath)) {
    fail(`${field}.installPath`, "relative path without '..'", installPath);
  }
  if (typeof o.executable !== "boolean") fail(`${field}.executable`, "boolean", o.executable);
  if (o.integrity !== undefined) parseSri(o.integrity, `${field}.integrity`);
  return Object.freeze({
    role: o.role as ArtifactRole,
    source: parseSource(o.source, `${field}.source`),
    installPath,
    executable: o.executable,
    integrity: o.integrity as string | undefined,
  });
}

function checkFileSet(files: readonly LockedFile[], platform: Platform): void {
  const paths = new Set<string>([`etc/${platform.kataConfigName}`]);
  const roles = new Set<ArtifactRole>();
  files.forEach((f, i) => {
    if (paths.has(f.installPath)) fail(`files[${i}].installPath`, "unique path", f.installPath);
    if (roles.has(f.role)) fail(`files[${i}].role`, "one file per role", f.role);
    paths.add(f.installPath);
    roles.add(f.role);
  });
  for (const r of ["shim", "hypervisor"] as const) if (!roles.has(r)) fail("files", `a ${r} entry`, "none");
  const boot = platform.hypervisor === "clh" ? "igvm" : "kernel";
  if (!roles.has(boot)) fail("files", `a ${boot} entry for ${platform.name}`, "none");
}

/** Validates a parsed lock document (JSON value); unknown keys, unsafe paths and malformed SRI are ParseErrors. */
export function parseRuntimeLock(doc: unknown): RuntimeLock {
  const o = asObject(doc, "lock");
  checkKeys(o, ["platform", "kataConfig", "files"], "lock");
  if (typeof o.platform !== "string") fail("platform", "platform name", o.platform);
  const platform = parsePlatform(o.platform);
  if (platform.name !== o.platform) fail("platform", platform.name, o.platform);
  const kc = asObject(o.kataConfig, "kataConfig");
  checkKeys(kc, ["template", "integrity"], "kataConfig");
  if (typeof kc.template !== "string" || !isSafeRelativePath(kc.template)) {
    fail("kataConfig.template", "relative path under runtime/", kc.template);
  }
  parseSri(kc.integrity, "kataConfig.integrity");
  if (!Array.isArray(o.files) || o.files.length === 0 || o.files.length > MAX_FILES) {
    fail("files", `1..${MAX_FILES} entries`, o.files);
  }
  const files = o.files.map((f, i) => parseFile(f, `files[${i}]`));
  checkFileSet(files, platform);
  return Object.freeze({
    platform: platform.name,
    kataConfig: Object.freeze({ template: kc.template, integrity: kc.integrity as string }),
    files: Object.freeze(files),
  });
}

/**
 * The bytes the handler hash covers: JSON with a fixed key order, files sorted by install path, a missing
 * integrity as null. Formatting of the lock file itself therefore never changes the handler; any content does.
 */
export function canonicalLockBytes(lock: RuntimeLock): Uint8Array {
  const files = [...lock.files]
    .sort((a, b) => (a.installPath < b.installPath ? -1 : a.installPath > b.installPath ? 1 : 0))
    .map((f) => ({
      role: f.role,
      source: f.source,
      installPath: f.installPath,
      executable: f.executable,
      integrity: f.integrity ?? null,
    }));
  const doc = {
    platform: lock.platform,
    kataConfig: { template: lock.kataConfig.template, integrity: lock.kataConfig.integrity },
    files,
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}
