// What the process may do to netfilter: CAP_NET_ADMIN, and whether the kernel has IPv6 at all.

import { existsSync, readFileSync } from "node:fs";

/** Bit 12 of the effective capability set (capability(7)). */
const CAP_NET_ADMIN = 12n;

/** True when the effective capability set holds CAP_NET_ADMIN; an unreadable status reads as false. */
export function hasNetAdmin(status = "/proc/self/status"): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(status, "utf8"));
    return m !== null && ((BigInt(`0x${m[1]}`) >> CAP_NET_ADMIN) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** IPv6 rules are needed whenever the kernel has IPv6 at all: an app bound to `::` is reachable over it. */
export function ipv6Enabled(): boolean {
  return existsSync("/proc/net/if_inet6");
}
