// The inbound netfilter rules of a pod, as `iptables-restore --noflush` documents (one per address family).
//
// The reference (edgelesssys/contrast service-mesh) sends all inbound TCP through TPROXY to two Envoy ports and recovers the
// original port with SO_ORIGINAL_DST. Neither TPROXY's socket option nor SO_ORIGINAL_DST is reachable from Bun, so
// here every app port gets its own proxy listener and a nat REDIRECT to it:
//
//   nat    PREROUTING → CONTRAST_MESH_INBOUND: skip lo; tcp dport <app> → REDIRECT to <proxy port>
//   filter INPUT      → CONTRAST_MESH_INPUT:   skip lo and established/related; accept a NEW connection only when
//          it was redirected from an app port to that port's proxy, or goes to a port left plain (`#true`) or the
//          admin port; reset any other TCP, drop the rest.
//
// Only the first packet of a connection passes the nat table, and locally generated packets (the proxy's upstream
// connections to the app on loopback, egress connections and their replies) never pass PREROUTING, so the
// proxy's own traffic is not redirected. Declaring a chain in a --noflush document flushes it, so applying a new
// document replaces our rules atomically per table and leaves every other chain alone.

export const NAT_CHAIN = "CONTRAST_MESH_INBOUND";
export const FILTER_CHAIN = "CONTRAST_MESH_INPUT";

export type AddressFamily = "ipv4" | "ipv6";

export interface Redirect {
  readonly appPort: number;
  readonly proxyPort: number;
}

export interface InboundPlan {
  /** App ports served through the mesh, each to its own proxy listener. */
  readonly redirects: readonly Redirect[];
  /** Ports accepted as they are: ingress entries with disableTLS=true, and the admin port. */
  readonly openPorts: readonly number[];
}

/** A jump from a built-in chain into ours, inserted first so it runs before the pod's default-deny rule. */
export interface JumpRule {
  readonly table: "nat" | "filter";
  readonly chain: "PREROUTING" | "INPUT";
  readonly args: readonly string[];
}

export const JUMP_RULES: readonly JumpRule[] = Object.freeze([
  { table: "nat", chain: "PREROUTING", args: ["-p", "tcp", "-j", NAT_CHAIN] },
  { table: "filter", chain: "INPUT", args: ["-j", FILTER_CHAIN] },
]);

function sortedUnique(ports: readonly number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** Renders the plan for one family; the same plan always gives the same bytes (golden-tested). */
export function renderInboundRules(plan: InboundPlan, family: AddressFamily): string {
  const redirects = [...plan.redirects].sort((a, b) => a.appPort - b.appPort);
  const lines = [
    `# contrast service mesh: inbound rules (${family})`,
    "*nat",
    `:${NAT_CHAIN} - [0:0]`,
    `-A ${NAT_CHAIN} -i lo -j RETURN`,
    ...redirects.map(
      (r) => `-A ${NAT_CHAIN} -p tcp -m tcp --dport ${r.appPort} -j REDIRECT --to-ports ${r.proxyPort}`,
    ),
    "COMMIT",
    "*filter",
    `:${FILTER_CHAIN} - [0:0]`,
    `-A ${FILTER_CHAIN} -i lo -j RETURN`,
    `-A ${FILTER_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
    ...(family === "ipv6" ? [`-A ${FILTER_CHAIN} -p ipv6-icmp -j RETURN`] : []),
    ...redirects.map(
      (r) =>
        `-A ${FILTER_CHAIN} -p tcp -m conntrack --ctstate DNAT --ctorigdstport ${r.appPort} -m tcp --dport ${r.proxyPort} -j RETURN`,
    ),
    ...sortedUnique(plan.openPorts).map((p) => `-A ${FILTER_CHAIN} -p tcp -m tcp --dport ${p} -j RETURN`),
    `-A ${FILTER_CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
    `-A ${FILTER_CHAIN} -j DROP`,
    "COMMIT",
  ];
  return `${lines.join("\n")}\n`;
}
