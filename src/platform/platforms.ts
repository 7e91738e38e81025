// The platform table: which TEE, hypervisor, Kata configuration and VM size each supported runtime platform uses.

import type { Tee } from "../attestation/platforms.ts";
import { ConfigError } from "../common/errors.ts";

export type PlatformName = "CLH-SNP" | "Metal-QEMU-SNP" | "Metal-QEMU-TDX";
export type Hypervisor = "clh" | "qemu";

export interface Platform {
  /** Canonical spelling, as `generate --reference-values`, `runtime --platform` and `node-installer` print it. */
  readonly name: PlatformName;
  /** Lower-case name used in the runtime handler (edgelesssys/contrast internal/platforms). */
  readonly id: string;
  readonly tee: Tee;
  /** The `[hypervisor.<key>]` table of the Kata configuration. */
  readonly hypervisor: Hypervisor;
  /** File name of the Kata configuration under `<handler>/etc/` (edgelesssys/contrast nodeinstaller). */
  readonly kataConfigName: string;
  /** Default guest memory in MiB; the RuntimeClass overhead is this plus 170 MiB (edgelesssys/contrast internal/platforms). */
  readonly defaultMemoryMiB: number;
}

const TABLE: readonly Platform[] = Object.freeze([
  Object.freeze({
    name: "CLH-SNP",
    id: "clh-snp",
    tee: "snp",
    hypervisor: "clh",
    kataConfigName: "configuration-clh-snp.toml",
    defaultMemoryMiB: 512,
  }),
  Object.freeze({
    name: "Metal-QEMU-SNP",
    id: "metal-qemu-snp",
    tee: "snp",
    hypervisor: "qemu",
    kataConfigName: "configuration-qemu-snp.toml",
    defaultMemoryMiB: 512,
  }),
  Object.freeze({
    name: "Metal-QEMU-TDX",
    id: "metal-qemu-tdx",
    tee: "tdx",
    hypervisor: "qemu",
    kataConfigName: "configuration-qemu-tdx.toml",
    defaultMemoryMiB: 512,
  }),
] as const satisfies readonly Platform[]);

/**
 * The pod sandbox ("pause") image every platform's runtime starts each pod with: the kubelet's default, which the
 * agent policy names in the sandbox's CreateContainerRequest and the node-installer DaemonSet runs as its idle
 * container.
 */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/** Guest memory the VM adds on top of the pod's requests, besides the VM's RAM (edgelesssys/contrast internal/platforms: default memory + 170Mi). */
export const VM_OVERHEAD_MIB = 170;

export function listPlatforms(): readonly Platform[] {
  return TABLE;
}

/** Resolves a platform name case-insensitively (`metal-qemu-snp` → Metal-QEMU-SNP); unknown names are a ConfigError. */
export function parsePlatform(input: string | Platform, field = "platform"): Platform {
  if (typeof input !== "string") return input;
  const wanted = input.trim().toLowerCase();
  const found = TABLE.find((p) => p.id === wanted);
  if (!found) {
    throw new ConfigError(
      "unknown_platform",
      `${field}: expected one of ${TABLE.map((p) => p.name).join(", ")}, got ${JSON.stringify(input)}`,
      { field },
    );
  }
  return found;
}
