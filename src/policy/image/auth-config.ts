// Registry auth files as docker and podman write them: `auths` (auth / identitytoken / username+password), `credHelpers`, `credsStore`.
//
// Formats: docker's `config.json` (docker/cli `configfile.ConfigFile`) and containers-auth.json(5), which podman and
// skopeo read from `$REGISTRY_AUTH_FILE` / `${XDG_RUNTIME_DIR}/containers/auth.json`. Both key `auths` by registry
// (`host[:port]`, optionally with `https://` and `/v1/`; containers-auth.json also by `host/namespace/repo`).
// Errors name the file and the key, never a value: the values are credentials.

import { ConfigError } from "../../common/errors.ts";

/** What a file says about one registry: inline credentials, or the credential helper to ask. */
export type AuthEntry =
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  | { readonly kind: "identity-token"; readonly token: string }
  | { readonly kind: "helper"; readonly helper: string };

export interface AuthConfig {
  readonly path: string;
  /** Normalised key (`host[:port][/path]`) → inline credentials. */
  readonly auths: ReadonlyMap<string, AuthEntry>;
  /** Normalised host → helper name (`docker-credential-<name>`). */
  readonly credHelpers: ReadonlyMap<string, string>;
  readonly credsStore: string | undefined;
}

/** The Docker Hub spellings docker, podman and the registry API use for one registry. */
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
/** Helper names become an executable name: no path separators, nothing a shell would expand. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `https://index.docker.io/v1/` → `docker.io`; `http://reg:5000/` → `reg:5000`; `quay.io/org/repo` kept. */
export function normaliseRegistryKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, "");
  k = k.replace(/\/+(v1|v2)\/*$/, "").replace(/\/+$/, "");
  const slash = k.indexOf("/");
  const host = (slash < 0 ? k : k.slice(0, slash)).toLowerCase();
  const rest = slash < 0 ? "" : k.slice(slash);
  return (DOCKER_HUB.has(host) ? "docker.io" : host) + rest;
}

/** The server URL a credential helper is asked for: docker's legacy Docker Hub URL, else the host. */
export function helperServerUrl(registry: string): string {
  return normaliseRegistryKey(registry) === "docker.io" ? "https://index.docker.io/v1/" : registry;
}

function bad(path: string, field: string, expected: string): never {
  throw new ConfigError("registry_auth_file_invalid", `${path}: ${field} expected ${expected}`, {
    field: `${path}:${field}`,
  });
}

function decodeAuth(path: string, key: string, auth: string): AuthEntry {
  let text: string;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) throw new Error("not base64");
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(auth, "base64"));
  } catch {
    bad(path, `auths.${key}.auth`, "base64 of username:password");
  }
  const colon = text.indexOf(":");
  if (colon <= 0) bad(path, `auths.${key}.auth`, "base64 of username:password");
  return { kind: "basic", username: text.slice(0, colon), password: text.slice(colon + 1) };
}

function entryOf(path: string, key: string, raw: unknown): AuthEntry | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad(path, `auths.${key}`, "an object");
  const e = raw as Record<string, unknown>;
  if (typeof e.identitytoken === "string" && e.identitytoken !== "")
    return { kind: "identity-token", token: e.identitytoken };
  if (typeof e.auth === "string" && e.auth !== "") return decodeAuth(path, key, e.auth);
  if (typeof e.username === "string" && typeof e.password === "string" && e.username !== "")
    return { kind: "basic", username: e.username, password: e.password };
  return undefined; // `{}` placeholders that `docker login` leaves when a credsStore holds the secret
}

function helperName(path: string, field: string, v: unknown): string {
  if (typeof v !== "string" || !HELPER_NAME.test(v))
    bad(path, field, "a credential helper name [A-Za-z0-9._-]");
  return v;
}

function objectField(path: string, doc: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = doc[field];
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad(path, field, "an object");
  return v as Record<string, unknown>;
}

/** Parses one auth file; the JSON parser's own message is dropped because it may quote the file's secrets. */
export function parseAuthConfig(path: string, text: string): AuthConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    bad(path, "(document)", "json");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) bad(path, "(document)", "a json object");
  const top = doc as Record<string, unknown>;
  const auths = new Map<string, AuthEntry>();
  for (const [key, raw] of Object.entries(objectField(path, top, "auths"))) {
    const entry = entryOf(path, key, raw);
    if (entry !== undefined) auths.set(normaliseRegistryKey(key), entry);
  }
  const credHelpers = new Map<string, string>();
  for (const [key, raw] of Object.entries(objectField(path, top, "credHelpers")))
    credHelpers.set(normaliseRegistryKey(key), helperName(path, `credHelpers.${key}`, raw));
  const store = top.credsStore;
  const credsStore = store === undefined || store === "" ? undefined : helperName(path, "credsStore", store);
  return { path, auths, credHelpers, credsStore };
}

/**
 * The entry one file gives for `registry/repository`: a credHelpers entry for the host, else the most specific
 * `auths` key (`host/ns/repo`, then `host/ns`, then `host`), else the credsStore (which docker asks for every host).
 */
export function lookupAuth(config: AuthConfig, registry: string, repository: string): AuthEntry | undefined {
  const host = normaliseRegistryKey(registry);
  const helper = config.credHelpers.get(host);
  if (helper !== undefined) return { kind: "helper", helper };
  const parts = repository.split("/");
  for (let n = parts.length; n >= 0; n--) {
    const key = n === 0 ? host : `${host}/${parts.slice(0, n).join("/")}`;
    const entry = config.auths.get(key);
    if (entry !== undefined) return entry;
  }
  return config.credsStore === undefined ? undefined : { kind: "helper", helper: config.credsStore };
}
