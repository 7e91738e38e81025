// Can the container demo run here? Every reason it cannot, each with what to do about it; and, once the app image
// exists, a container actually run the way the demo runs them.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CleanupLedger, UndoAction } from "./cleanup.ts";
import { exec, has, run, tail } from "./host.ts";
import type { LayoutImage } from "./oci-layout.ts";

/** Thrown before anything is set up when containers cannot run here: `make demo` falls back to the process demo. */
export class ContainersUnavailable extends Error {}

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

/**
 * Runs busybox `true` from `image` on an overlay root filesystem, as every demo container runs: proves that runc and
 * overlay mounts work here before the network or any pod exists. `dir` is scratch space (the caller removes it).
 */
export async function probeRunc(dir: string, ledger: CleanupLedger, image: LayoutImage): Promise<void> {
  const unpacked = join(dir, "probe-image");
  const bundle = join(dir, "probe");
  await run(["umoci", "unpack", "--image", `${image.layout}:${image.tag}`, unpacked]);
  for (const d of ["upper", "work", "rootfs"]) mkdirSync(join(bundle, d), { recursive: true });
  const rootfs = join(bundle, "rootfs");
  const layers = `lowerdir=${join(unpacked, "rootfs")},upperdir=${join(bundle, "upper")},workdir=${join(bundle, "work")}`;
  const mount = await exec(["mount", "-t", "overlay", "overlay", "-o", layers, rootfs]);
  if (mount.code !== 0)
    throw new ContainersUnavailable(`cannot mount an overlay filesystem: ${mount.stderr.trim()}`);
  const mounted: UndoAction = { kind: "mount", path: rootfs };
  ledger.record(mounted);
  const config = JSON.parse(readFileSync(join(unpacked, "config.json"), "utf8"));
  config.process.terminal = false;
  delete config.process.rlimits;
  config.process.args = ["/bin/busybox", "true"];
  config.root = { path: rootfs, readonly: false };
  writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
  const id = `ctd-probe-${process.pid}`;
  const container: UndoAction = { kind: "container", id };
  ledger.record(container);
  const r = await exec(["runc", "run", "--bundle", bundle, id], { timeoutMs: 30_000 });
  ledger.forget(container);
  await run(["umount", rootfs]);
  ledger.forget(mounted);
  if (r.code !== 0) {
    throw new ContainersUnavailable(`runc cannot run a container here: ${tail(r.stderr || r.stdout, 3)}`);
  }
}
