// Turns the runtime spec `umoci unpack` generated for an image into the one a container of a pod runs with, as
// containerd would: no terminal, no rlimits, the pod's network namespace, the pod's volumes as bind mounts, the
// capabilities the pod spec adds, the memory limit it sets.

import { ConfigError } from "../src/common/errors.ts";

/** An OCI runtime spec (config.json), typed only as far as it is changed here. */
export interface RuntimeSpec {
  process?: {
    terminal?: boolean;
    args?: string[];
    env?: string[];
    cwd?: string;
    rlimits?: unknown[];
    capabilities?: Record<string, string[]>;
    [k: string]: unknown;
  };
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: { destination: string; type?: string; source?: string; options?: string[] }[];
  linux?: {
    namespaces?: { type: string; path?: string }[];
    resources?: Record<string, unknown>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface BindMount {
  readonly source: string;
  readonly destination: string;
  readonly readOnly: boolean;
}

export interface ContainerRun {
  /** Path of the container's root filesystem (absolute, or relative to the bundle). */
  readonly rootfs: string;
  readonly hostname: string;
  /** The pod's network namespace, e.g. /var/run/netns/<name>: every container of the pod joins it. */
  readonly netnsPath: string;
  readonly process: {
    readonly args: readonly string[];
    readonly env: readonly string[];
    readonly cwd: string;
  };
  /** Capability names as a pod spec writes them (`NET_ADMIN`). */
  readonly capabilitiesAdd: readonly string[];
  readonly mounts: readonly BindMount[];
  readonly memoryLimitBytes?: number;
}

const CAP_SETS = ["bounding", "effective", "inheritable", "permitted", "ambient"] as const;
const CAP_NAME = /^CAP_[A-Z][A-Z_]*$/;

/** `NET_ADMIN` → `CAP_NET_ADMIN`; anything that is not a capability name is refused. */
export function capabilityName(name: string): string {
  const upper = name.toUpperCase();
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (!CAP_NAME.test(full))
    throw new ConfigError(
      "demo_invalid_capability",
      `securityContext.capabilities.add: expected a name like NET_ADMIN, got ${JSON.stringify(name)}`,
    );
  return full;
}

/** A new runtime spec for `run`; `base` (from `umoci unpack`) is not changed. */
export function patchBundleConfig(base: RuntimeSpec, run: ContainerRun): RuntimeSpec {
  const spec = structuredClone(base);
  const proc = { ...(spec.process ?? {}) };
  // Containers run detached with their output in files; rlimits are dropped because this VM refuses to raise them
  // (the kubelet's containerd would not set them either: pods get the runtime's defaults).
  proc.terminal = false;
  delete proc.rlimits;
  proc.args = [...run.process.args];
  proc.env = [...run.process.env];
  proc.cwd = run.process.cwd;
  const caps = proc.capabilities ?? {};
  const added = run.capabilitiesAdd.map(capabilityName);
  proc.capabilities = Object.fromEntries(
    CAP_SETS.map((set) => [set, [...new Set([...(caps[set] ?? []), ...added])]]),
  );
  spec.process = proc;
  spec.root = { path: run.rootfs, readonly: false };
  spec.hostname = run.hostname;
  const namespaces = (spec.linux?.namespaces ?? []).filter((n) => n.type !== "network");
  spec.linux = {
    ...(spec.linux ?? {}),
    namespaces: [...namespaces, { type: "network", path: run.netnsPath }],
  };
  if (run.memoryLimitBytes !== undefined) {
    spec.linux.resources = {
      ...(spec.linux.resources ?? {}),
      memory: { limit: run.memoryLimitBytes },
    };
  }
  const taken = new Set(run.mounts.map((m) => m.destination));
  spec.mounts = [
    ...(spec.mounts ?? []).filter((m) => !taken.has(m.destination)),
    ...run.mounts.map((m) => ({
      destination: m.destination,
      type: "bind",
      source: m.source,
      options: ["rbind", "nosuid", "nodev", m.readOnly ? "ro" : "rw"],
    })),
  ];
  return spec;
}
