// The node-installer entry: verify every artifact, install the runtime tree, register it with containerd, restart.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { ConfigError } from "../common/errors.ts";
import { computeSri } from "../common/sri.ts";
import { runtimeHandlerForLock } from "../platform/handler.ts";
import type { RuntimeLock } from "../platform/lock.ts";
import { loadRuntimeLock } from "../platform/locks.ts";
import { type Platform, parsePlatform } from "../platform/platforms.ts";
import { type ArtifactSourceOptions, requireIntegrity, stageArtifacts } from "./artifacts.ts";
import { type PatchResult, patchContainerdConfig, type RuntimeRegistration } from "./containerd-config.ts";
import { patchContainerdTemplate } from "./containerd-template.ts";
import { installTree, type TreeFile } from "./install-tree.ts";
import { renderKataConfig } from "./kata-config.ts";
import { type CommandRunner, restartContainerd } from "./restart.ts";
import { type ContainerdTarget, readTargetConfig, resolveContainerdTarget } from "./target.ts";

/** Where runtimes live on the host (edgelesssys/contrast nodeinstaller). */
export const INSTALL_ROOT = "/opt/edgeless";
const SHIM_ROLE = "shim";

export interface NodeInstallerConfig {
  readonly platform: string | Platform;
  /** The host's `/` as mounted into the installer (`/host` in the DaemonSet). */
  readonly hostRoot: string;
  /** Root for image-path sources (`/` inside the node-installer image). */
  readonly imageRoot: string;
  readonly targetConfigPath?: string | undefined;
  readonly restart: boolean;
  readonly allowFetch: boolean;
  readonly kernelParams?: string | undefined;
  /** Defaults to the lock embedded for the platform. */
  readonly lock?: RuntimeLock;
  /** Parent of the staging directory; must not be on the host mount (default: the OS temp dir). */
  readonly stagingParent?: string;
}

export interface NodeInstallerDeps {
  readonly run: CommandRunner;
  readonly now: () => Date;
  readonly fetch?: typeof fetch;
}

export interface NodeInstallerResult {
  readonly handler: string;
  readonly installDir: string;
  readonly artifactsChanged: boolean;
  readonly containerdConfigPath: string;
  readonly containerdChanged: boolean;
  readonly backupPath: string | undefined;
  readonly restartedUnit: string | undefined;
}

function readOptional(path: string, field: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError("containerd_config_unreadable", `${field}: cannot read ${path}`, {
      field,
      cause: e,
    });
  }
}

function checkHostRoot(hostRoot: string): void {
  let ok = false;
  try {
    ok = statSync(hostRoot).isDirectory();
  } catch {}
  if (!ok) {
    throw new ConfigError(
      "host_root_missing",
      `--host-root: expected a directory, got nothing at ${hostRoot}`,
      {
        field: "--host-root",
      },
    );
  }
}

/** Computes the containerd change in memory, so a config that cannot be read or parsed stops us before any write. */
function planContainerd(hostRoot: string, target: ContainerdTarget, reg: RuntimeRegistration): PatchResult {
  const field = target.configPath;
  const text = readOptional(join(hostRoot, target.configPath), field);
  if (target.renderedPath === undefined) return patchContainerdConfig(text, reg, field);
  const rendered = readOptional(join(hostRoot, target.renderedPath), target.renderedPath);
  return patchContainerdTemplate(text, rendered, reg, field);
}

function treeFiles(
  staged: Awaited<ReturnType<typeof stageArtifacts>>,
  kataPath: string,
  kata: string,
): TreeFile[] {
  const content = new TextEncoder().encode(kata);
  return [
    ...staged.map((s) => ({
      path: s.file.installPath,
      executable: s.file.executable,
      integrity: s.integrity,
      stagedPath: s.stagedPath,
    })),
    { path: kataPath, executable: false, integrity: computeSri(content), content },
  ];
}

function writeContainerdConfig(path: string, text: string, now: Date): string | undefined {
  let backup: string | undefined;
  if (existsSync(path)) {
    backup = `${path}.${Math.floor(now.getTime() / 1000)}.bak`;
    writeFileAtomic(backup, readFileSync(path), { mode: statSync(path).mode & 0o777 });
  }
  writeFileAtomic(path, text, { mkdirs: true, mode: 0o644 });
  return backup;
}

function restoreContainerdConfig(path: string, backup: string | undefined): void {
  if (backup === undefined) rmSync(path, { force: true });
  else writeFileAtomic(path, readFileSync(backup), { mode: statSync(backup).mode & 0o777 });
}

/**
 * Installs the platform's runtime on the host below `hostRoot`. Every check (host root, containerd config, lock
 * integrity, each artifact's SRI) happens before the first write; a second run with the same inputs writes nothing
 * and restarts nothing.
 */
export async function runNodeInstaller(
  cfg: NodeInstallerConfig,
  deps: NodeInstallerDeps,
): Promise<NodeInstallerResult> {
  const platform = parsePlatform(cfg.platform);
  checkHostRoot(cfg.hostRoot);
  const lock = cfg.lock ?? loadRuntimeLock(platform);
  if (lock.platform !== platform.name) {
    throw new ConfigError(
      "lock_platform_mismatch",
      `lock.platform: expected ${platform.name}, got ${lock.platform}`,
    );
  }
  requireIntegrity(lock);
  const handler = runtimeHandlerForLock(lock);
  const installDir = `${INSTALL_ROOT}/${handler}`;
  const kataPath = `etc/${platform.kataConfigName}`;
  const shim = lock.files.find((f) => f.role === SHIM_ROLE)!;
  const reg = {
    handler,
    runtimePath: `${installDir}/${shim.installPath}`,
    kataConfigPath: `${installDir}/${kataPath}`,
  };
  const target = resolveContainerdTarget(
    cfg.hostRoot,
    cfg.targetConfigPath === undefined ? undefined : readTargetConfig(cfg.targetConfigPath),
  );
  const plan = planContainerd(cfg.hostRoot, target, reg);
  const kata = renderKataConfig(lock, { installDir, kernelParams: cfg.kernelParams });
  const staging = mkdtempSync(join(cfg.stagingParent ?? tmpdir(), "contrast-node-installer-"));
  try {
    const sources: ArtifactSourceOptions = {
      imageRoot: cfg.imageRoot,
      allowFetch: cfg.allowFetch,
      fetch: deps.fetch,
    };
    const staged = await stageArtifacts(lock, staging, sources);
    const artifactsChanged = installTree(
      join(cfg.hostRoot, INSTALL_ROOT),
      handler,
      treeFiles(staged, kataPath, kata),
    );
    const configFile = join(cfg.hostRoot, target.configPath);
    const backupPath = plan.changed ? writeContainerdConfig(configFile, plan.text, deps.now()) : undefined;
    let restartedUnit: string | undefined;
    if (plan.changed && cfg.restart) {
      try {
        restartedUnit = await restartContainerd(target.units, deps.run);
      } catch (e) {
        // Put the old config back so the retried pod sees a change again and restarts containerd then.
        restoreContainerdConfig(configFile, backupPath);
        throw e;
      }
    }
    return {
      handler,
      installDir,
      artifactsChanged,
      containerdConfigPath: target.configPath,
      containerdChanged: plan.changed,
      backupPath,
      restartedUnit,
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export { runNodeInstaller as run };
