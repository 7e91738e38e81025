// Coordinator addresses: HOST[:PORT] with the documented default ports, checked before any connection is made.

import { isIP } from "node:net";
import { UsageError } from "../common/errors.ts";

/** The Coordinator's two TLS APIs: the user API (set, verify, recover) and the mesh API (Initializers). */
export const COORDINATOR_API_PORTS = Object.freeze({ user: 1313, mesh: 7777 });

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** `host:port`, an IPv6 host in brackets: what requests and messages use. */
  readonly text: string;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/**
 * `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT` or a bare IPv6 address; `defaultPort` fills in a missing port
 * (undefined: the port is required). `what` names the flag or variable in the UsageError (code invalid_endpoint).
 */
export function parseEndpoint(text: string, defaultPort: number | undefined, what: string): Endpoint {
  const bad = (expected: string, got = JSON.stringify(text)) =>
    new UsageError("invalid_endpoint", `${what}: expected ${expected}, got ${got}`, { field: what });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw bad("HOST[:PORT] without a scheme");
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::([^:]*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
    if (isIP(host) !== 6) throw bad("an IPv6 address in brackets");
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(":");
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? undefined : text.slice(colon + 1);
    if (host === "") throw bad("HOST[:PORT] with a host name or address before the port");
    if (!HOSTNAME.test(host)) throw bad("HOST[:PORT] with a DNS name or IP address as HOST");
  }
  if (port === undefined && defaultPort === undefined) throw bad("HOST:PORT");
  const n = port === undefined ? defaultPort! : /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
  if (!(n >= 1 && n <= 65535))
    throw bad("a port 1-65535", `${JSON.stringify(port)} in ${JSON.stringify(text)}`);
  return Object.freeze({ host, port: n, text: `${host.includes(":") ? `[${host}]` : host}:${n}` });
}
