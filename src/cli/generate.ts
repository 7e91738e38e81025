// What `contrast generate` does: patch the user's YAML, write one initdata policy per pod and manifest.json, all in
// memory first and written only when everything succeeded (flags: generate-command.ts, inputs: generate-inputs.ts).

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { ConfigError, ContrastError } from "../common/errors.ts";
import { createHandlerFor } from "../kube/platform-handler.ts";
import { readYamlPaths } from "../kube/read-yaml-paths.ts";
import {
  DEV_IMAGE_REGISTRY,
  INITIALIZER_IMAGE,
  isReleaseBuild,
  knownReleaseImages,
  SERVICE_MESH_IMAGE,
} from "../kube/release-images.ts";
import { describeLocation } from "../kube/source-location.ts";
import { buildManifest, type PolicyInput, workloadOwnersFor } from "../manifest/build-manifest.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import { selectReferenceValues } from "../manifest/select-reference-values.ts";
import { serializeManifest } from "../manifest/serialize-manifest.ts";
import { SIM_RUNTIME_ID, simRuntimeHandler } from "../platform/index.ts";
import { type GenerateResult, generateDeployment } from "../policy/generate-deployment.ts";
import { createImageResolver } from "../policy/image/create-image-resolver.ts";
import { imageErrorWithContext } from "../policy/image/image-error.ts";
import { parseImageReplacements } from "../policy/image/image-replacements.ts";
import { FileLayersCache } from "../policy/image/layers-cache.ts";
import type { Fetch } from "../policy/image/registry-client.ts";
import { type CredentialStore, createCredentialStore } from "../policy/image/registry-credentials.ts";
import { DEFAULT_RULES_TEXT } from "../policy/render-policy.ts";
import { DEFAULT_SETTINGS_TEXT, parseSettings } from "../policy/settings.ts";
import type { GenerateConfig } from "./generate-config.ts";
import type { ChosenPlatform } from "./generate-inputs.ts";
import {
  choosePlatform,
  deploymentKeysFor,
  readKeys,
  readOrDefault,
  readPrevious,
} from "./generate-inputs.ts";
import { type GenerateSummary, reportLines } from "./generate-report.ts";
import { PendingWrites, policyDocumentPath } from "./workspace.ts";

/** Side effects a test replaces: the registry transport and credentials, stderr, the RSA size of created seed-share keys. */
export interface GenerateDeps {
  readonly fetch?: Fetch;
  /** Registry credentials; default: the user's docker/podman auth files (registry-credentials.ts). */
  readonly credentials?: CredentialStore;
  readonly stderr?: (text: string) => void;
  readonly rsaBits?: number;
}

/** One file of all patched documents (`-o`), documents separated by `---`. */
function joinOutputs(outputs: GenerateResult["outputs"]): string {
  let out = "";
  for (const o of outputs) {
    if (o.text.trim() === "") continue;
    const text = o.text.endsWith("\n") ? o.text : `${o.text}\n`;
    out += out === "" || text.startsWith("---") ? text : `---\n${text}`;
  }
  return out;
}

/** Reads the rules, settings and replacements and patches every workload in memory (the image resolver may fetch). */
async function patchWorkloads(
  config: GenerateConfig,
  deps: GenerateDeps,
  writes: PendingWrites,
  chosen: ChosenPlatform,
  deploymentKeys: readonly string[],
) {
  const files = readYamlPaths(config.paths);
  if (files.length === 0) {
    const where = config.paths.join(", ");
    throw new ConfigError("input_empty", `PATHS: expected yaml files, got none in ${where}`);
  }
  const rules = readOrDefault(config.policyPath, DEFAULT_RULES_TEXT, writes);
  const settings = parseSettings(readOrDefault(config.settingsPath, DEFAULT_SETTINGS_TEXT, writes));
  const path = config.imageReplacementsPath;
  const replacements =
    path === undefined ? new Map() : parseImageReplacements(readFileSync(path, "utf8"), path);
  const cache = new FileLayersCache(config.layersCachePath);
  const handler = createHandlerFor(chosen.default);
  const result = await generateDeployment({
    files,
    handlerFor: handler.handlerFor,
    initializerImage: config.initializerImage,
    ...(config.coordinatorHost === undefined ? {} : { coordinatorHost: config.coordinatorHost }),
    ...(config.coordinatorNamespace === undefined
      ? {}
      : { coordinatorNamespace: config.coordinatorNamespace }),
    skipInitializer: config.skipInitializer,
    coordinatorPin: { extraCoordinatorPolicies: config.coordinatorPolicies, deploymentKeys },
    serviceMeshImage: SERVICE_MESH_IMAGE.reference,
    skipServiceMesh: config.skipServiceMesh,
    rules,
    settings,
    imageReplacements: replacements,
    unpinnedEnvFromMissing: config.unpinnedEnvFromMissing,
    imageResolver: createImageResolver({
      cache,
      known: knownReleaseImages(undefined, [config.initializerImage]),
      offline: config.offline,
      refreshTags: config.refreshTags,
      insecureRegistries: config.insecureRegistries,
      credentials: deps.credentials ?? createCredentialStore({ env: process.env, home: homedir() }),
      ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    }),
  });
  return {
    result,
    cache,
    named: handler.named(),
    namesSim: handler.namesSim(),
    movedFromSim: handler.movedFromSim(),
  };
}

/** A development build names its Initializer by a tag in a local registry the user may not run: say what to do. */
function withDevImageHint(e: unknown, config: GenerateConfig): unknown {
  const dev = !isReleaseBuild() && config.initializerImage === INITIALIZER_IMAGE.reference;
  if (!dev || !(e instanceof ContrastError) || e.field !== "--initializer-image") return e;
  return imageErrorWithContext(
    e,
    "",
    e.field,
    `this development build names its own images under ${DEV_IMAGE_REGISTRY}: pass --initializer-image with an image your cluster can pull, or use a release build (make release)`,
  );
}

/** One policy per pod; a `--coordinator-policy` stands in for the Coordinator when none is among the inputs. */
function policyInputs(result: GenerateResult, config: GenerateConfig): PolicyInput[] {
  const named = result.pods.some((p) => p.role === "coordinator")
    ? []
    : config.coordinatorPolicies.map((digest) => ({
        digest,
        name: "coordinator",
        workloadSecretId: "",
        role: "coordinator",
        sans: ["coordinator"],
        where: `--coordinator-policy ${digest}`,
      }));
  return [
    ...named,
    ...result.pods.map((p) => ({
      digest: p.digest,
      name: p.name,
      workloadSecretId: p.workloadSecretId,
      role: p.role,
      sans: p.sans,
      where: describeLocation({ file: p.file, docIndex: p.docIndex, kind: p.kind, name: p.name }),
    })),
  ];
}

/** Runs `generate`: everything is computed in memory first; files are written only after all of it succeeded. */
export async function runGenerate(config: GenerateConfig, deps: GenerateDeps = {}): Promise<GenerateSummary> {
  const say = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  const writes = new PendingWrites();
  const chosen = choosePlatform(config.referenceValues, config.simDir);
  const previous = readPrevious(config.manifestPath);
  const owners = {
    workloadOwnerPubKeys: await readKeys("workload-owner", config.workloadOwnerKeys, writes, deps.rsaBits),
    disableUpdates: config.disableUpdates,
    ...(previous === undefined ? {} : { previous }),
  };
  const deployment = await deploymentKeysFor(config, workloadOwnersFor(owners));
  const { result, cache, named, namesSim, movedFromSim } = await patchWorkloads(
    config,
    deps,
    writes,
    chosen,
    deployment.keys,
  ).catch((e: unknown) => {
    throw withDevImageHint(e, config);
  });
  if (deployment.created !== undefined && result.pods.some((p) => p.pinsCoordinator))
    writes.add({ path: deployment.created.path, data: deployment.created.pem, mode: 0o600 });
  if (namesSim && chosen.referenceValues === undefined && previous === undefined)
    throw new ConfigError(
      "reference_values_missing",
      `--reference-values: expected sim with --sim-dir for pods with runtimeClassName ${simRuntimeHandler()}, got none`,
      { field: "reference-values" },
    );
  const refs = selectReferenceValues({ chosen: chosen.referenceValues, named, previous });
  const manifest = buildManifest({
    ...owners,
    policies: policyInputs(result, config),
    referenceValues: refs.referenceValues,
    seedshareOwnerPubKeys: await readKeys("seedshare-owner", config.seedshareOwnerKeys, writes, deps.rsaBits),
  });
  const manifestText = serializeManifest(manifest);
  parseManifest(new TextEncoder().encode(manifestText)); // never write a manifest `set` would refuse
  for (const p of result.pods)
    writes.add({ path: policyDocumentPath(config.workspaceDir, p.digest), data: () => p.initdataToml });
  if (config.output !== undefined) writes.add({ path: config.output, data: joinOutputs(result.outputs) });
  else for (const o of result.outputs) writes.add({ path: o.path, data: o.text });
  writes.add({ path: config.manifestPath, data: manifestText });
  if (cache.dirty) writes.add({ path: config.layersCachePath, data: cache.toJSON() });
  const summary: GenerateSummary = {
    manifest,
    manifestPath: config.manifestPath,
    result,
    written: writes.commit(),
    dropped: refs.dropped,
    movedFromSim: {
      count: movedFromSim,
      handler: simRuntimeHandler(),
      platform: chosen.default === undefined || chosen.default === SIM_RUNTIME_ID ? "" : chosen.default.name,
    },
  };
  for (const line of reportLines(summary)) say(line);
  return summary;
}
