// The frozen config of one `contrast generate` run, read once from its flags.

import { UsageError } from "../common/errors.ts";
import { INITIALIZER_IMAGE } from "../kube/release-images.ts";
import { flagList, flagString, WORKSPACE_FILES, workspacePath } from "./workspace.ts";

/** Flags as cac hands them over (repeatable flags arrive as a string or an array). */
export interface GenerateFlags {
  policy?: string;
  settings?: string;
  layersCache?: string;
  manifest?: string;
  referenceValues?: string;
  simDir?: string;
  addWorkloadOwnerKey?: string | string[];
  addSeedshareOwnerKey?: string | string[];
  disableUpdates?: boolean;
  skipInitializer?: boolean;
  skipServiceMesh?: boolean;
  output?: string;
  offline?: boolean;
  refreshTags?: boolean;
  insecureRegistry?: string | string[];
  imageReplacements?: string;
  coordinatorHost?: string;
  coordinatorNamespace?: string;
  initializerImage?: string;
  unpinnedEnvFromMissing?: boolean;
  coordinatorPolicy?: string | string[];
  workspaceDir?: string;
  json?: boolean;
}

/** The frozen config of one `generate` run, built once from the flags. */
export interface GenerateConfig {
  readonly paths: readonly string[];
  readonly workspaceDir: string | undefined;
  readonly policyPath: string;
  readonly settingsPath: string;
  readonly layersCachePath: string;
  readonly manifestPath: string;
  /** `--reference-values` as given (validated later, with the sim dir). */
  readonly referenceValues: string | undefined;
  readonly simDir: string | undefined;
  readonly workloadOwnerKeys: readonly string[];
  readonly seedshareOwnerKeys: readonly string[];
  readonly disableUpdates: boolean;
  readonly skipInitializer: boolean;
  readonly skipServiceMesh: boolean;
  readonly output: string | undefined;
  readonly offline: boolean;
  /** `--refresh-tags`: resolve every tag at its registry again, not from the layers cache. */
  readonly refreshTags: boolean;
  readonly insecureRegistries: readonly string[];
  readonly imageReplacementsPath: string | undefined;
  readonly coordinatorHost: string | undefined;
  readonly coordinatorNamespace: string | undefined;
  /** `--initializer-image`, else the image this build embeds. */
  readonly initializerImage: string;
  /** Let the host choose env values whose ConfigMap/Secret is not among the inputs (names stay pinned). */
  readonly unpinnedEnvFromMissing: boolean;
  /** `--coordinator-policy`: more Coordinator digests to pin (and the manifest's one when no Coordinator is given). */
  readonly coordinatorPolicies: readonly string[];
  /** The workload-owner key that signs the first manifest when `-d` lists no owner (pinned, created if missing). */
  readonly firstSetKey: string;
}

export function readGenerateConfig(paths: readonly string[], flags: GenerateFlags): GenerateConfig {
  if (paths.length === 0)
    throw new UsageError("missing_argument", "PATHS: expected at least one file or directory, got none");
  const ws = flagString(flags.workspaceDir, "--workspace-dir");
  const wsPath = (given: unknown, flag: string, name: string) =>
    workspacePath(ws, flagString(given, flag), name);
  const owners = flagList(flags.addWorkloadOwnerKey);
  if (flags.disableUpdates === true && owners.length > 0) {
    throw new UsageError(
      "invalid_flag",
      "--disable-updates: expected no --add-workload-owner-key with it, got both",
    );
  }
  if (flags.refreshTags === true && flags.offline === true) {
    throw new UsageError("invalid_flag", "--refresh-tags: expected a registry to ask, got --offline");
  }
  return Object.freeze({
    paths: [...paths],
    workspaceDir: ws,
    policyPath: wsPath(flags.policy, "--policy", WORKSPACE_FILES.rules),
    settingsPath: wsPath(flags.settings, "--settings", WORKSPACE_FILES.settings),
    layersCachePath: wsPath(flags.layersCache, "--layers-cache", WORKSPACE_FILES.layersCache),
    manifestPath: wsPath(flags.manifest, "--manifest", WORKSPACE_FILES.manifest),
    referenceValues: flagString(flags.referenceValues, "--reference-values"),
    simDir: flagString(flags.simDir, "--sim-dir"),
    workloadOwnerKeys:
      flags.disableUpdates === true
        ? []
        : owners.length > 0
          ? owners
          : [workspacePath(ws, undefined, WORKSPACE_FILES.workloadOwnerKey)],
    seedshareOwnerKeys:
      flagList(flags.addSeedshareOwnerKey).length > 0
        ? flagList(flags.addSeedshareOwnerKey)
        : [workspacePath(ws, undefined, WORKSPACE_FILES.seedshareOwnerKey)],
    disableUpdates: flags.disableUpdates === true,
    skipInitializer: flags.skipInitializer === true,
    skipServiceMesh: flags.skipServiceMesh === true,
    output: flagString(flags.output, "--output"),
    offline: flags.offline === true,
    refreshTags: flags.refreshTags === true,
    insecureRegistries: flagList(flags.insecureRegistry),
    imageReplacementsPath: flagString(flags.imageReplacements, "--image-replacements"),
    coordinatorHost: flagString(flags.coordinatorHost, "--coordinator-host"),
    coordinatorNamespace: flagString(flags.coordinatorNamespace, "--coordinator-namespace"),
    initializerImage:
      flagString(flags.initializerImage, "--initializer-image") ?? INITIALIZER_IMAGE.reference,
    unpinnedEnvFromMissing: flags.unpinnedEnvFromMissing === true,
    coordinatorPolicies: flagList(flags.coordinatorPolicy).map((d) => {
      if (!/^[0-9a-f]{64}$/.test(d))
        throw new UsageError(
          "invalid_flag",
          `--coordinator-policy: expected 64 lowercase hex characters, got ${JSON.stringify(d)}`,
        );
      return d;
    }),
    firstSetKey: workspacePath(ws, undefined, WORKSPACE_FILES.workloadOwnerKey),
  });
}
