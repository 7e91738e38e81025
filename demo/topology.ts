// The demo's network, planned before anything is created: one network namespace per pod, each joined by a veth pair
// to a bridge that lives in a namespace of its own (the "node"), and one veth from the host onto that bridge.
//
//   host ── ctd<tag> ┄┄ host ─┐
//                             br0 (netns ctd-<tag>-node)
//   pod coordinator-0 eth0 ┄┄ ┤   10.231.N.0/24, host .254, pods .2 …
//   pod server        eth0 ┄┄ ┤
//   pod client        eth0 ┄┄ ┘
//
// The host is on the pods' segment, so nothing is routed or forwarded in the host's own namespace: a host firewall
// that drops forwarded traffic (Docker sets FORWARD to DROP, and br_netfilter would apply it to a bridge in the host's
// namespace) is never in the path, and the host changes only by one link and its address.

import { ConfigError, UnavailableError } from "../src/common/errors.ts";

/** Linux limits interface names to 15 bytes (IFNAMSIZ 16 with the NUL). */
export const IFNAMSIZ = 15;
export const BRIDGE = "br0";
export const POD_LINK = "eth0";
const SECOND_OCTET = 231;

export interface PodNetwork {
  readonly pod: string;
  readonly netns: string;
  readonly address: string;
  /** The veth end on the bridge (in the node namespace). */
  readonly nodeLink: string;
}

export interface TopologyPlan {
  readonly tag: string;
  /** e.g. 10.231.7.0/24 */
  readonly subnet: string;
  readonly prefixLength: 24;
  readonly nodeNetns: string;
  /** The host's end of the host–bridge veth (in the host namespace) and its address. */
  readonly hostLink: string;
  readonly hostAddress: string;
  readonly pods: readonly PodNetwork[];
}

interface Prefix {
  readonly base: number;
  readonly length: number;
}

/** `a.b.c.d` or `a.b.c.d/len` → prefix; anything else (`default`, IPv6) → undefined. */
export function parsePrefix(text: string): Prefix | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(text);
  if (m === null) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const length = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || length > 32) return undefined;
  return { base: octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0), length };
}

/** Two prefixes overlap when they agree on the bits of the shorter one. */
function overlaps(a: Prefix, b: Prefix): boolean {
  const len = Math.min(a.length, b.length);
  if (len === 0) return true;
  const mask = (0xffffffff << (32 - len)) >>> 0;
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}

/**
 * Plans the network for `pods` (in order; at most 250). `inUse` are the host's IPv4 addresses and routes
 * (`a.b.c.d[/len]`; others are ignored): the plan takes the first 10.231.N.0/24 that overlaps none of them (a second demo running beside this one has
 * its host address in its own /24). `tag` names everything, so two runs never share a name.
 */
export function planTopology(tag: string, pods: readonly string[], inUse: readonly string[]): TopologyPlan {
  if (!/^[a-z0-9]{1,8}$/.test(tag))
    throw new ConfigError(
      "demo_invalid_topology",
      `tag: expected 1-8 of [a-z0-9], got ${JSON.stringify(tag)}`,
    );
  if (pods.length === 0 || pods.length > 250)
    throw new ConfigError("demo_invalid_topology", `pods: expected 1-250, got ${pods.length}`);
  if (new Set(pods).size !== pods.length)
    throw new ConfigError("demo_invalid_topology", "pods: expected unique names, got a name twice");
  const used = inUse.map(parsePrefix).filter((x) => x !== undefined);
  const third = Array.from({ length: 256 }, (_, i) => i).find((n) => {
    const candidate = { base: ((10 << 24) | (SECOND_OCTET << 16) | (n << 8)) >>> 0, length: 24 };
    return !used.some((u) => overlaps(candidate, u));
  });
  if (third === undefined)
    throw new UnavailableError(
      "demo_subnet_unavailable",
      `network: expected a free 10.${SECOND_OCTET}.N.0/24, got each one overlapping an address or route of the host`,
    );
  const net = `10.${SECOND_OCTET}.${third}`;
  return Object.freeze({
    tag,
    subnet: `${net}.0/24`,
    prefixLength: 24,
    nodeNetns: `ctd-${tag}-node`,
    hostLink: `ctd${tag}`,
    hostAddress: `${net}.254`,
    pods: Object.freeze(
      pods.map((pod, i) =>
        Object.freeze({
          pod,
          netns: `ctd-${tag}-${pod}`,
          address: `${net}.${i + 2}`,
          // Named in the node namespace only, so no clash with the host's links; `v<index>` always fits IFNAMSIZ.
          nodeLink: `v${i}`,
        }),
      ),
    ),
  });
}

/** The `ip` commands that build the plan, in order (each one undone by deleting the namespaces and the host link). */
export function setupCommands(plan: TopologyPlan): string[][] {
  const n = plan.nodeNetns;
  const cmds: string[][] = [
    ["ip", "netns", "add", n],
    ["ip", "-n", n, "link", "add", BRIDGE, "type", "bridge"],
    ["ip", "-n", n, "link", "set", BRIDGE, "up"],
    ["ip", "-n", n, "link", "set", "lo", "up"],
    ["ip", "link", "add", plan.hostLink, "type", "veth", "peer", "name", "host", "netns", n],
    ["ip", "-n", n, "link", "set", "host", "master", BRIDGE, "up"],
    ["ip", "addr", "add", `${plan.hostAddress}/${plan.prefixLength}`, "dev", plan.hostLink],
    ["ip", "link", "set", plan.hostLink, "up"],
  ];
  for (const p of plan.pods) {
    cmds.push(
      ["ip", "netns", "add", p.netns],
      ["ip", "-n", p.netns, "link", "set", "lo", "up"],
      ["ip", "-n", n, "link", "add", p.nodeLink, "type", "veth", "peer", "name", POD_LINK, "netns", p.netns],
      ["ip", "-n", n, "link", "set", p.nodeLink, "master", BRIDGE, "up"],
      ["ip", "-n", p.netns, "addr", "add", `${p.address}/${plan.prefixLength}`, "dev", POD_LINK],
      ["ip", "-n", p.netns, "link", "set", POD_LINK, "up"],
    );
  }
  return cmds;
}

/** A pod's /etc/hosts: itself, then every pod under the names of the Services that select it, in `namespace`. */
export function hostsFile(
  plan: TopologyPlan,
  pod: string,
  services: ReadonlyMap<string, readonly string[]>,
  namespace = "default",
): string {
  const self = plan.pods.find((p) => p.pod === pod);
  if (self === undefined)
    throw new ConfigError("demo_invalid_topology", `hosts: expected a pod of the plan, got ${pod}`);
  const lines = ["127.0.0.1\tlocalhost", `${self.address}\t${pod}`];
  for (const p of plan.pods) {
    const names = (services.get(p.pod) ?? []).flatMap((s) => [s, `${s}.${namespace}.svc.cluster.local`]);
    if (names.length > 0) lines.push(`${p.address}\t${names.join(" ")}`);
  }
  return `${lines.join("\n")}\n`;
}
