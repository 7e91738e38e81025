// Registry authentication: `WWW-Authenticate` challenges (RFC 7235 §4.1) and the token endpoint of the distribution
// token spec (docker/distribution docs/spec/auth/token.md: GET with Basic credentials; oauth.md: POST with a refresh
// token for identity tokens). Returns the `Authorization` header value; never logs or reports a credential.

import { ConfigError, UnavailableError } from "../../common/errors.ts";
import type { RegistryCredentials } from "./registry-credentials.ts";

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface Challenge {
  /** Lower-case auth scheme, e.g. `basic`, `bearer`. */
  readonly scheme: string;
  /** Lower-case parameter names → values. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const MAX_TOKEN_RESPONSE = 1024 * 1024;

/** Parses a `WWW-Authenticate` value into its challenges; unparsable rest is ignored (deny by default later). */
export function parseChallenges(header: string): Challenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let rest = header;
  const skip = (re: RegExp) => {
    rest = rest.replace(re, "");
  };
  skip(/^[\s,]+/);
  while (rest.length > 0) {
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined) break;
    rest = rest.slice(name.length);
    skip(/^[ \t]*/);
    const last = out[out.length - 1];
    if (rest.startsWith("=") && last !== undefined) {
      skip(/^=[ \t]*/);
      const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      // Unquoted values should be tokens; registries in the wild also send `scope=repository:x:pull`.
      const value = quoted !== null ? (quoted[1] ?? "").replace(/\\(.)/g, "$1") : /^[^\s,"]+/.exec(rest)?.[0];
      if (value === undefined) break;
      rest = rest.slice(quoted !== null ? quoted[0].length : value.length);
      last.params[name.toLowerCase()] = value;
    } else {
      out.push({ scheme: name.toLowerCase(), params: {} });
    }
    skip(/^[\s,]+/);
  }
  return out;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

export interface TokenRequest {
  readonly fetch: Fetch;
  readonly challenge: Challenge;
  /** `repository:<name>:pull` */
  readonly scope: string;
  readonly credentials: RegistryCredentials | undefined;
  /** Whether a plain-http realm is acceptable (the registry itself is reached over http: loopback or insecure). */
  readonly allowHttp: boolean;
  /** The image, for messages. */
  readonly what: string;
}

function realmUrl(req: TokenRequest): URL {
  const realm = req.challenge.params.realm;
  let url: URL | undefined;
  try {
    url = realm === undefined ? undefined : new URL(realm);
  } catch {}
  const ok = url !== undefined && (url.protocol === "https:" || (url.protocol === "http:" && req.allowHttp));
  if (url === undefined || !ok || url.username !== "" || url.password !== "") {
    throw new ConfigError(
      "registry_auth_unsupported",
      `${req.what}: token realm expected an https url${req.allowHttp ? " (or http)" : ""}, got ${JSON.stringify((realm ?? "").slice(0, 200))}`,
    );
  }
  return url;
}

/** Fetches a bearer token for the challenge (anonymous, Basic credentials, or an identity token) → `Bearer …`. */
export async function fetchBearerToken(req: TokenRequest): Promise<string> {
  const url = realmUrl(req);
  const service = req.challenge.params.service;
  const creds = req.credentials;
  let init: RequestInit;
  if (creds?.kind === "identity-token") {
    const form = new URLSearchParams({ grant_type: "refresh_token", client_id: "contrast" });
    if (service !== undefined) form.set("service", service);
    form.set("scope", req.scope);
    form.set("refresh_token", creds.token);
    init = { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" } };
  } else {
    if (service !== undefined) url.searchParams.set("service", service);
    url.searchParams.set("scope", req.scope);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (creds?.kind === "basic") headers.Authorization = basicAuthorization(creds.username, creds.password);
    init = { headers };
  }
  let res: Response;
  try {
    res = await req.fetch(url.toString(), { ...init, redirect: "error" });
  } catch (cause) {
    throw new UnavailableError("image_pull_failed", `${req.what}: token endpoint ${url.origin} unreachable`, {
      cause,
    });
  }
  if (res.status === 401 || res.status === 403) {
    throw new ConfigError(
      "registry_unauthorized",
      `${req.what}: token endpoint ${url.origin} expected to accept ${creds === undefined ? "an anonymous request" : `the credentials from ${creds.source}`}, got http ${res.status}`,
    );
  }
  if (!res.ok)
    throw new UnavailableError(
      "image_pull_failed",
      `${req.what}: token endpoint ${url.origin} expected http 200, got ${res.status}`,
    );
  const text = await res.text();
  let body: { token?: unknown; access_token?: unknown } = {};
  try {
    if (text.length <= MAX_TOKEN_RESPONSE) body = JSON.parse(text) as typeof body;
  } catch {}
  const token = body?.token ?? body?.access_token;
  if (typeof token !== "string" || token === "" || /[\s"]/.test(token))
    throw new UnavailableError(
      "image_pull_failed",
      `${req.what}: token endpoint ${url.origin} returned no token`,
    );
  return `Bearer ${token}`;
}
