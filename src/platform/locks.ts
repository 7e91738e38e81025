// The lock files shipped in runtime/locks/, embedded into the binary at build time and validated on first use.

import clhSnp from "../../runtime/locks/clh-snp.lock.json";
import metalQemuSnp from "../../runtime/locks/metal-qemu-snp.lock.json";
import metalQemuTdx from "../../runtime/locks/metal-qemu-tdx.lock.json";
import { parseRuntimeLock, type RuntimeLock } from "./lock.ts";
import { type Platform, type PlatformName, parsePlatform } from "./platforms.ts";

const RAW: Record<PlatformName, unknown> = {
  "CLH-SNP": clhSnp,
  "Metal-QEMU-SNP": metalQemuSnp,
  "Metal-QEMU-TDX": metalQemuTdx,
};

const cache = new Map<PlatformName, RuntimeLock>();

/** The embedded lock of `platform`, validated once; a malformed embedded lock is a build defect and throws. */
export function loadRuntimeLock(platform: string | Platform): RuntimeLock {
  const p = parsePlatform(platform);
  let lock = cache.get(p.name);
  if (!lock) {
    lock = parseRuntimeLock(RAW[p.name]);
    cache.set(p.name, lock);
  }
  return lock;
}
