// Can the container demo run here? Every reason it cannot, each with what to do about it.

import { exec, has } from "./host.ts";

/** Host tools the container demo runs, and the Debian package each comes from. */
export const TOOLS: readonly (readonly [string, string])[] = [
  ["runc", "runc"],
  ["umoci", "umoci"],
  ["skopeo", "skopeo"],
  ["ip", "iproute2"],
  ["iptables", "iptables"],
  ["xtables-nft-multi", "iptables"],
  ["mount", "mount"],
  ["ldd", "libc-bin"],
];

export interface PreflightResult {
  readonly reasons: readonly string[];
  /** The busybox binary the app image is built from. */
  readonly busybox?: string;
}

/** Checks the platform, root, tools, and that a network namespace can be created (and removes it again). */
export async function preflight(): Promise<PreflightResult> {
  if (process.platform !== "linux") return { reasons: [`runc needs Linux, this is ${process.platform}`] };
  const reasons: string[] = [];
  if (process.getuid?.() !== 0)
    reasons.push("not root: runc, mounts and network namespaces need root (sudo make demo)");
  const missing = TOOLS.filter(([tool]) => !has(tool));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(([, p]) => p))].join(" ");
    reasons.push(`${missing.map(([t]) => t).join(", ")} not found (apt-get install ${pkgs})`);
  }
  const busybox = Bun.which("busybox") ?? undefined;
  if (busybox === undefined)
    reasons.push("busybox not found, the app image is made of it (apt-get install busybox-static)");
  if (reasons.length === 0) {
    const name = `ctd-probe-${process.pid}`;
    const add = await exec(["ip", "netns", "add", name]);
    if (add.code !== 0) reasons.push(`cannot create a network namespace: ${add.stderr.trim()}`);
    else await exec(["ip", "netns", "delete", name]);
  }
  return { reasons, ...(busybox !== undefined ? { busybox } : {}) };
}
