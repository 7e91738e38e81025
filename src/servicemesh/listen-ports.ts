// Which TCP ports the pod listens on, from /proc/net/tcp and /proc/net/tcp6 of the pod's network namespace.
//
// Format (proc(5)): `sl local_address rem_address st …`, addresses as hex words in host byte order (little
// endian here), `st` 0A = LISTEN. Only sockets bound to all interfaces are served through the mesh: one bound to
// loopback is not reachable from outside, and one bound to a single pod address is left denied (the proxy could
// not reach it on loopback).

import { readFileSync } from "node:fs";

const LISTEN = "0A";
const V4_ANY = "00000000";
const V6_ANY = "0".repeat(32);
const V6_MAPPED_ANY = `${"0".repeat(16)}FFFF0000${V4_ANY}`;
const V6_LOOPBACK = `${"0".repeat(24)}01000000`;

export type BindKind = "any-v4" | "any-v6" | "loopback" | "specific";

export interface ListeningSocket {
  readonly port: number;
  readonly bind: BindKind;
}

function classify(hexAddress: string): BindKind {
  const a = hexAddress.toUpperCase();
  if (a === V4_ANY || a === V6_MAPPED_ANY) return "any-v4";
  if (a === V6_ANY) return "any-v6";
  if ((a.length === 8 && a.endsWith("7F")) || a === V6_LOOPBACK) return "loopback";
  return "specific";
}

/** Parses one /proc/net/tcp{,6} text into its listening sockets (malformed lines are skipped). */
export function parseProcNetTcp(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (fields[3] !== LISTEN || local === undefined) continue;
    const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(local);
    if (!m) continue;
    out.push({ port: Number.parseInt(m[2] as string, 16), bind: classify(m[1] as string) });
  }
  return out;
}

/** Where the proxy reaches the app: 127.0.0.1 when an IPv4 wildcard socket exists, else ::1. */
export type AppHost = "127.0.0.1" | "::1";

export interface ListeningPorts {
  /** Ports bound on all interfaces and the loopback address that reaches them. */
  readonly wildcard: ReadonlyMap<number, AppHost>;
  /** Ports bound only to specific non-loopback addresses (reported, never served). */
  readonly specific: readonly number[];
}

export function summarizeListening(sockets: readonly ListeningSocket[]): ListeningPorts {
  const wildcard = new Map<number, AppHost>();
  for (const s of sockets) {
    if (s.bind === "any-v4") wildcard.set(s.port, "127.0.0.1");
    if (s.bind === "any-v6" && !wildcard.has(s.port)) wildcard.set(s.port, "::1");
  }
  const specific = sockets.filter((s) => s.bind === "specific" && !wildcard.has(s.port)).map((s) => s.port);
  return { wildcard, specific: [...new Set(specific)].sort((a, b) => a - b) };
}

/** Reads this process's network namespace (tcp6 may be missing on a kernel without IPv6). */
export function readListeningPorts(procNet = "/proc/net"): ListeningPorts {
  const read = (name: string) => {
    try {
      return readFileSync(`${procNet}/${name}`, "utf8");
    } catch {
      return "";
    }
  };
  return summarizeListening([...parseProcNetTcp(read("tcp")), ...parseProcNetTcp(read("tcp6"))]);
}
