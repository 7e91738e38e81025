// The service mesh configuration grammar (edgelesssys/contrast service-mesh): annotations, env names and their parsers.
//
// `generate` parses the annotations to refuse a malformed value with its path; the sidecar parses the env values
// the annotations became. One parser for both, so the two can never disagree.
//
//   ingress: <name>#<port>#<disableTLS>              entries separated by `##`
//   egress:  <name>#<127.x.y.z>:<port>#<host>:<port> entries separated by `##`
//
// Ingress entries are exceptions: every TCP port the app binds on all interfaces gets mTLS unless it is listed.
// `disableTLS=true` leaves the port plain (no redirect); `false` serves TLS without requiring a client certificate.

import { isIPv4, isIPv6 } from "node:net";
import { ConfigError } from "../common/errors.ts";

export const ANNOTATION_MESH_INGRESS = "contrast.edgeless.systems/servicemesh-ingress";
export const ANNOTATION_MESH_EGRESS = "contrast.edgeless.systems/servicemesh-egress";
export const ANNOTATION_MESH_ADMIN_PORT = "contrast.edgeless.systems/servicemesh-admin-interface-port";

export const ENV_MESH_INGRESS = "CONTRAST_INGRESS_PROXY_CONFIG";
export const ENV_MESH_EGRESS = "CONTRAST_EGRESS_PROXY_CONFIG";
export const ENV_MESH_ADMIN_PORT = "CONTRAST_ADMIN_PORT";

/** How an ingress port is served. */
export type IngressMode = "mtls" | "tls" | "plain";

export interface IngressEntry {
  readonly name: string;
  readonly port: number;
  /** `tls` for `#false` (no client certificate required), `plain` for `#true` (not redirected). */
  readonly mode: Exclude<IngressMode, "mtls">;
}

export interface EgressEntry {
  readonly name: string;
  /** Dotted quad inside 127.0.0.0/8. */
  readonly listenAddress: string;
  readonly listenPort: number;
  /** DNS name or IP literal (IPv6 without brackets); also the name the peer certificate must carry. */
  readonly remoteHost: string;
  readonly remotePort: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const PORT = /^[1-9][0-9]{0,4}$/;
const OCTET = /^(0|[1-9][0-9]{0,2})$/;
const OCTETS = /^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/;
const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function fail(field: string, expected: string, got: string): never {
  throw new ConfigError(
    "service_mesh_config_invalid",
    `${field}: expected ${expected}, got ${JSON.stringify(got)}`,
    {
      field,
    },
  );
}

/** A decimal port 1–65535 without sign, spaces or leading zeros (so `0080` and `80` cannot both appear). */
export function parseMeshPort(text: string, field: string): number {
  const n = PORT.test(text) ? Number(text) : 0;
  if (n < 1 || n > 65535) fail(field, "a port 1-65535", text);
  return n;
}

function parseName(text: string, field: string): string {
  if (!NAME.test(text)) fail(field, "a name of letters, digits, '.', '_' or '-'", text);
  return text;
}

/** Entries split on `##`; an empty value means no entries, an empty entry is an error. */
function splitEntries(value: string): string[] {
  return value === "" ? [] : value.split("##");
}

function parseIngressEntry(entry: string, field: string): IngressEntry {
  const parts = entry.split("#");
  if (parts.length !== 3) fail(field, "<name>#<port>#<true|false>", entry);
  const [name, port, disable] = parts as [string, string, string];
  if (disable !== "true" && disable !== "false") fail(`${field}.disableTLS`, "true or false", disable);
  return {
    name: parseName(name, `${field}.name`),
    port: parseMeshPort(port, `${field}.port`),
    mode: disable === "true" ? "plain" : "tls",
  };
}

/** Parses an ingress value; names and ports must be unique. */
export function parseIngressConfig(value: string, field: string): readonly IngressEntry[] {
  const entries = splitEntries(value).map((e, i) => parseIngressEntry(e, `${field}[${i}]`));
  entries.forEach((e, i) => {
    const first = entries.findIndex((o) => o.name === e.name || o.port === e.port);
    if (first !== i)
      fail(`${field}[${i}]`, `a name and port not used by entry ${first}`, `${e.name}#${e.port}`);
  });
  return Object.freeze(entries.map((e) => Object.freeze(e)));
}

/** `127.a.b.c` with decimal octets, no leading zeros (no octal or shorthand forms). */
function parseLoopbackAddress(text: string, field: string): string {
  const octets = text.split(".");
  const ok =
    octets.length === 4 && octets.every((o) => OCTET.test(o) && Number(o) <= 255) && octets[0] === "127";
  if (!ok) fail(field, "an IPv4 address in 127.0.0.0/8", text);
  return text;
}

/** `host:port` or `[v6]:port`; the host is a DNS name or an IP literal. */
function parseRemote(text: string, field: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:([^:]+)$/.exec(text) ?? /^([^:[\]]+):([^:]+)$/.exec(text);
  if (!m) fail(field, "<host>:<port> or [<ipv6>]:<port>", text);
  const host = m[1] as string;
  const bracketed = text.startsWith("[");
  if (bracketed ? !isIPv6(host) : !isHostName(host)) fail(`${field}.host`, "a DNS name or IP address", host);
  return { host: host.toLowerCase(), port: parseMeshPort(m[2] as string, `${field}.port`) };
}

/**
 * RFC 1123 host name of at most 253 characters, or a canonical IPv4 literal. A numeric last label must make a
 * canonical IPv4 address, so `010.0.0.1` (octal to some resolvers) or `10.1` never reach a resolver.
 */
function isHostName(host: string): boolean {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  const labels = name.split(".");
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) return isIPv4(host) && OCTETS.test(host);
  return name.length > 0 && name.length <= 253 && labels.every((l) => DNS_LABEL.test(l));
}

function parseEgressEntry(entry: string, field: string): EgressEntry {
  const parts = entry.split("#");
  if (parts.length !== 3) fail(field, "<name>#<127.x.y.z>:<port>#<host>:<port>", entry);
  const [name, listen, remote] = parts as [string, string, string];
  const colon = listen.lastIndexOf(":");
  if (colon < 0) fail(`${field}.listen`, "<127.x.y.z>:<port>", listen);
  const r = parseRemote(remote, `${field}.remote`);
  return {
    name: parseName(name, `${field}.name`),
    listenAddress: parseLoopbackAddress(listen.slice(0, colon), `${field}.listen.address`),
    listenPort: parseMeshPort(listen.slice(colon + 1), `${field}.listen.port`),
    remoteHost: r.host,
    remotePort: r.port,
  };
}

/** Parses an egress value; names and listen addresses must be unique. */
export function parseEgressConfig(value: string, field: string): readonly EgressEntry[] {
  const entries = splitEntries(value).map((e, i) => parseEgressEntry(e, `${field}[${i}]`));
  entries.forEach((e, i) => {
    const first = entries.findIndex(
      (o) => o.name === e.name || (o.listenAddress === e.listenAddress && o.listenPort === e.listenPort),
    );
    const what = `${e.name}#${e.listenAddress}:${e.listenPort}`;
    if (first !== i) fail(`${field}[${i}]`, `a name and listen address not used by entry ${first}`, what);
  });
  return Object.freeze(entries.map((e) => Object.freeze(e)));
}

/** Everything the three annotations (or env values) configure, checked together. */
export interface MeshSettings {
  readonly ingress: readonly IngressEntry[];
  readonly egress: readonly EgressEntry[];
  readonly adminPort: number | undefined;
}

export interface MeshValues {
  readonly ingress?: string | undefined;
  readonly egress?: string | undefined;
  readonly adminPort?: string | undefined;
}

/** Parses the three values; `fields` names where each came from (annotation path or env name). */
export function parseMeshSettings(
  values: MeshValues,
  fields: Record<keyof MeshValues, string>,
): MeshSettings {
  const ingress = parseIngressConfig(values.ingress ?? "", fields.ingress);
  const egress = parseEgressConfig(values.egress ?? "", fields.egress);
  const adminPort =
    values.adminPort === undefined ? undefined : parseMeshPort(values.adminPort, fields.adminPort);
  const clash = ingress.find((e) => e.port === adminPort);
  if (clash !== undefined)
    fail(fields.adminPort, `a port no ingress entry lists (${clash.name})`, String(adminPort));
  return Object.freeze({ ingress, egress, adminPort });
}
