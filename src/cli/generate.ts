// `contrast generate [flags] PATHS...`: patch the user's YAML, write one initdata policy per pod and manifest.json (contrast-reference §1.1, §7).

import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { CAC } from "cac";
import { SIM_FILES } from "../attestation/sim/sim-load.ts";
import { runJsonAction } from "../command/command.ts";
import { ConfigError, ContrastError, UsageError } from "../common/errors.ts";
import { createHandlerFor, type RuntimeChoice } from "../kube/platform-handler.ts";
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
import { createOwnerKey, type OwnerKeyKind, ownerPublicKeyHex } from "../manifest/owner-keys.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import { parseReferenceValues } from "../manifest/parse-reference-values.ts";
import { platformReferenceValues } from "../manifest/platform-reference-values.ts";
import type { Manifest, ReferenceValues } from "../manifest/schema.ts";
import { selectReferenceValues } from "../manifest/select-reference-values.ts";
import { serializeManifest } from "../manifest/serialize-manifest.ts";
import { parsePlatform, SIM_RUNTIME_ID, simRuntimeHandler } from "../platform/index.ts";
import { type GenerateResult, generateDeployment } from "../policy/generate-deployment.ts";
import { createImageResolver } from "../policy/image/create-image-resolver.ts";
import { imageErrorWithContext } from "../policy/image/image-error.ts";
import { parseImageReplacements } from "../policy/image/image-replacements.ts";
import { FileLayersCache } from "../policy/image/layers-cache.ts";
import type { Fetch } from "../policy/image/registry-client.ts";
import { type CredentialStore, createCredentialStore } from "../policy/image/registry-credentials.ts";
import { DEFAULT_RULES_TEXT } from "../policy/render-policy.ts";
import { DEFAULT_SETTINGS_TEXT, parseSettings } from "../policy/settings.ts";
import { type GenerateConfig, type GenerateFlags, readGenerateConfig } from "./generate-config.ts";
import { type GenerateSummary, reportLines, summaryJson } from "./generate-report.ts";
import { PendingWrites, policyDocumentPath, WORKSPACE_FILES } from "./workspace.ts";

/** Side effects a test replaces: the registry transport and credentials, stderr, the RSA size of created seed-share keys. */
export interface GenerateDeps {
  readonly fetch?: Fetch;
  /** Registry credentials; default: the user's docker/podman auth files (registry-credentials.ts). */
  readonly credentials?: CredentialStore;
  readonly stderr?: (text: string) => void;
  readonly rsaBits?: number;
}

/** The text of a user file, or the embedded default (and a pending write of it) when the file is missing. */
function readOrDefault(path: string, fallback: string, writes: PendingWrites): string {
  if (existsSync(path)) return readFileSync(path, "utf8");
  writes.add({ path, data: fallback });
  return fallback;
}

interface ChosenPlatform {
  /** What `contrast-cc` stands for: a platform, or `sim` (sim pods get a runtime class of their own). */
  readonly default: RuntimeChoice | undefined;
  readonly referenceValues: ReferenceValues | undefined;
}

/** `--reference-values` → default platform and its reference values; `sim` reads `<sim-dir>/reference-values.json`. */
function choosePlatform(flag: string | undefined, simDir: string | undefined): ChosenPlatform {
  const sim = flag?.toLowerCase() === "sim";
  if (sim !== (simDir !== undefined)) {
    throw new UsageError(
      "invalid_flag",
      "--sim-dir: expected together with --reference-values sim, got only one of them",
    );
  }
  if (flag === undefined) return { default: undefined, referenceValues: undefined };
  if (simDir !== undefined) {
    const path = join(simDir, SIM_FILES.referenceValues);
    if (!existsSync(path))
      throw new ConfigError(
        "sim_dir_invalid",
        `${path}: expected a file from \`contrast sim init\`, got none`,
        { field: path },
      );
    return { default: SIM_RUNTIME_ID, referenceValues: readReferenceValuesFile(path) };
  }
  const platform = parsePlatform(flag, "--reference-values");
  return { default: platform, referenceValues: platformReferenceValues(platform) };
}

/** Owner keys → hex public keys; a single missing path is created (P-384 or RSA) and queued for writing (0600). */
async function readKeys(
  kind: OwnerKeyKind,
  paths: readonly string[],
  writes: PendingWrites,
  rsaBits: number | undefined,
): Promise<string[]> {
  const only = paths[0];
  if (paths.length === 1 && only !== undefined && !existsSync(only)) {
    const key = await createOwnerKey(kind, rsaBits);
    writes.add({ path: only, data: key.pem, mode: 0o600 });
    return [key.publicKeyHex];
  }
  const out: string[] = [];
  for (const path of paths) {
    if (!existsSync(path))
      throw new ConfigError("key_file_missing", `${path}: expected a ${kind} key file, got none`, {
        field: path,
      });
    out.push(await ownerPublicKeyHex(kind, readFileSync(path, "utf8"), path));
  }
  return out;
}

/** A reference values file; problems are reported with the file name in front. */
function readReferenceValuesFile(path: string): ReferenceValues {
  try {
    return parseReferenceValues(new Uint8Array(readFileSync(path)));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(e.code, `${path}: ${e.message}`, { field: path, cause: e });
  }
}

function readPrevious(path: string): Manifest | undefined {
  if (!existsSync(path)) return undefined;
  return parseManifest(new Uint8Array(readFileSync(path))).manifest;
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

/**
 * The keys pods pin as deployment keys (one must sign the first manifest): the manifest's workload owners, or with
 * `-d` the key `set` signs the first manifest with (created if missing, written only if some pod pins it).
 */
async function deploymentKeysFor(
  config: GenerateConfig,
  owners: readonly string[],
): Promise<{ keys: string[]; created?: { path: string; pem: string } }> {
  if (!config.disableUpdates) return { keys: [...owners] };
  const path = config.firstSetKey;
  if (existsSync(path))
    return { keys: [await ownerPublicKeyHex("workload-owner", readFileSync(path, "utf8"), path)] };
  const created = await createOwnerKey("workload-owner");
  return { keys: [created.publicKeyHex], created: { path, pem: created.pem } };
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
    writes.add({ path: policyDocumentPath(config.workspaceDir, p.digest), data: p.initdataToml });
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

export function registerGenerate(cli: CAC, deps: GenerateDeps = {}): void {
  cli
    .command(
      "generate [...paths]",
      "patch Kubernetes YAML for confidential pods and write their policies and manifest.json",
    )
    .example("  contrast generate --reference-values Metal-QEMU-SNP deployment/")
    .example("  contrast generate --reference-values sim --sim-dir sim --workspace-dir ws app/")
    .option(
      "-p, --policy <file>",
      `Rego rules (default ${WORKSPACE_FILES.rules}, written from the embedded default if missing)`,
    )
    .option(
      "-s, --settings <file>",
      `policy settings (default ${WORKSPACE_FILES.settings}, written if missing)`,
    )
    .option("--layers-cache <file>", `image config cache (default ${WORKSPACE_FILES.layersCache})`)
    .option("-m, --manifest <file>", `manifest to create or update (default ${WORKSPACE_FILES.manifest})`)
    .option(
      "--reference-values <platform>",
      "CLH-SNP, Metal-QEMU-SNP, Metal-QEMU-TDX or sim (with --sim-dir)",
    )
    .option("--sim-dir <dir>", "sim TEE directory (`contrast sim init`) whose reference-values.json to trust")
    .option(
      "-w, --add-workload-owner-key <file>",
      "workload owner key PEM (repeatable; one missing path is created as P-384)",
      { type: [String] },
    )
    .option(
      "--add-seedshare-owner-key <file>",
      "seed share owner key PEM (repeatable; one missing path is created as RSA-4096)",
      { type: [String] },
    )
    .option("-d, --disable-updates", "list no workload owner: the manifest can never be replaced")
    .option("--skip-initializer", "do not inject the Initializer")
    .option("--skip-service-mesh", "do not inject the service mesh sidecar into pods with mesh annotations")
    .option("-o, --output <file>", "write all patched documents into FILE instead of patching in place")
    .option("--offline", "use only the layers cache, never a registry")
    .option("--insecure-registry <host>", "reach this registry over plain http (repeatable)", {
      type: [String],
    })
    .option("--image-replacements <file>", "old=new image reference lines applied before resolution")
    .option(
      "--coordinator-host <host>",
      "COORDINATOR_HOST of injected Initializers (default coordinator.<namespace>.svc.cluster.local)",
    )
    .option(
      "--coordinator-namespace <ns>",
      "namespace of the Coordinator (default: its document's metadata.namespace, else default)",
    )
    .option(
      "--initializer-image <ref>",
      `Initializer image to inject (default ${INITIALIZER_IMAGE.reference})`,
    )
    .option(
      "--unpinned-env-from-missing",
      "allow any value for env variables whose ConfigMap/Secret is not among the inputs (names stay pinned; warns)",
    )
    .option(
      "--coordinator-policy <digest>",
      "also pin this Coordinator policy digest in pods' initdata (repeatable); without a Coordinator among the inputs it is the manifest's",
      { type: [String] },
    )
    .option("--workspace-dir <dir>", "prefix for defaulted file paths")
    .option("--json", "print one JSON object to stdout, also on failure (diagnostics stay on stderr)")
    .action((paths: string[], flags: GenerateFlags) =>
      runJsonAction(flags.json, async (out) => {
        const summary = await runGenerate(readGenerateConfig(paths, flags), deps);
        for (const [key, value] of Object.entries(summaryJson(summary))) out.set(key, value);
        return 0;
      }),
    );
}
