// Test fixtures: real artifact files with known bytes, a lock pinning them, and temporary host roots.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { computeSri, formatSri, type SriAlgorithm } from "../../src/common/sri.ts";
import type { CommandResult, CommandRunner } from "../../src/nodeinstaller/restart.ts";
import { artifactImagePath } from "../../src/platform/artifact-source.ts";
import { type LockedFile, parseRuntimeLock, type RuntimeLock } from "../../src/platform/lock.ts";
import { loadRuntimeLock } from "../../src/platform/locks.ts";
import { type PlatformName, parsePlatform } from "../../src/platform/platforms.ts";
import { goldenText as golden } from "../support/golden.ts";

export const GOLDEN_DIR = join(import.meta.dir, "golden");

/** Deterministic bytes per artifact: a header naming it, then a counter pattern (1 KiB to a few KiB). */
export function artifactBytes(name: string): Uint8Array<ArrayBuffer> {
  const head = new TextEncoder().encode(`contrast test artifact ${name}\n`);
  const out = new Uint8Array(head.length + 1024 + name.length * 97);
  out.set(head);
  for (let i = head.length; i < out.length; i++) out[i] = (i * 31 + name.length) & 0xff;
  return out;
}

export interface Fixture {
  readonly root: string;
  readonly hostRoot: string;
  readonly imageRoot: string;
  readonly stagingParent: string;
  readonly lock: RuntimeLock;
  cleanup(): void;
}

/** Runs `fn` on a fresh fixture for `platform` and removes the fixture afterwards, also when `fn` throws. */
export function withFixture<T>(platform: PlatformName, fn: (fx: Fixture) => T): T {
  const fx = createFixture(platform);
  try {
    return fn(fx);
  } finally {
    fx.cleanup();
  }
}

/**
 * Writes every artifact of the shipped lock for `platform` into a fake image root at its image path and returns the
 * lock with real SRI for those bytes (sha384 for binaries, sha256 for the rest, so both algorithms are exercised).
 */
export function createFixture(platform: PlatformName = "Metal-QEMU-SNP"): Fixture {
  const root = mkdtempSync(join(tmpdir(), "contrast-ni-test-"));
  const hostRoot = join(root, "host");
  const imageRoot = join(root, "image");
  const stagingParent = join(root, "staging");
  for (const d of [hostRoot, imageRoot, stagingParent]) mkdirSync(d, { recursive: true });
  const shipped = loadRuntimeLock(platform);
  const id = parsePlatform(platform).id;
  const files = shipped.files.map((f): LockedFile => {
    const bytes = artifactBytes(f.installPath);
    const path = join(imageRoot, artifactImagePath(id, f)!);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    const alg: SriAlgorithm = f.executable ? "sha384" : "sha256";
    return { ...f, integrity: formatSri(computeSri(bytes, alg)) };
  });
  const lock = parseRuntimeLock(JSON.parse(JSON.stringify({ ...shipped, files })));
  return {
    root,
    hostRoot,
    imageRoot,
    stagingParent,
    lock,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function writeHostFile(hostRoot: string, path: string, text: string, mode = 0o644): void {
  const p = join(hostRoot, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  chmodSync(p, mode);
}

/** A command runner that records argv and answers from a table (`is-active` per unit, `restart` exit code). */
export function recordingRunner(active: readonly string[] = ["containerd.service"], restartExit = 0) {
  const calls: string[][] = [];
  const run: CommandRunner = async (argv): Promise<CommandResult> => {
    calls.push([...argv]);
    const unit = argv[argv.length - 1]!;
    if (argv.includes("is-active")) return { exitCode: active.includes(unit) ? 0 : 3, stderr: "" };
    return { exitCode: restartExit, stderr: restartExit === 0 ? "" : "Job for unit failed" };
  };
  return { run, calls };
}

/** The golden file `name` of test/nodeinstaller/golden (support/golden.ts: UPDATE_GOLDEN=1 rewrites it). */
export function goldenText(name: string, text: string): string {
  return golden(join(GOLDEN_DIR, name), text);
}

/** A customised kubeadm-style config: systemd cgroups, a registry mirror, a custom sandbox image, comments. */
export const CUSTOM_V2 = `# managed by hand
version = 2
root = "/data/containerd"
oom_score = -999

[grpc]
  address = "/run/containerd/containerd.sock"
  max_recv_message_size = 16777216

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.9"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = true
    [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
      endpoint = ["https://mirror.example.com"]

[timeouts]
  "io.containerd.timeout.shim.cleanup" = "5s"
`;

export const CUSTOM_V3 = `version = 3
root = "/var/lib/containerd"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"

[plugins."io.containerd.cri.v1.runtime".containerd]
  default_runtime_name = "runc"
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
      SystemdCgroup = true
`;

/** Parsed TOML/YAML walked freely in assertions; the values are checked by the assertions themselves. */
// biome-ignore lint/suspicious/noExplicitAny: test-only view of parsed documents
export type Doc = any;
