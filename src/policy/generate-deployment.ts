// Library entry of `contrast generate`: patch every confidential workload, derive its policy, wrap it in initdata, annotate it.

import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { Document } from "yaml";
import { batchCollector } from "../common/batch-gc.ts";
import { toBase64 } from "../common/bytes.ts";
import { ConfigError } from "../common/errors.ts";
import type { ConfigSources } from "../kube/config-sources.ts";
import {
  ANNOTATION_INITDATA,
  ANNOTATION_WORKLOAD_SECRET_ID,
  ROLE_COORDINATOR,
} from "../kube/contrast-annotations.ts";
import { type CoordinatorPlacement, placeCoordinator } from "../kube/coordinator-host.ts";
import { INITIALIZER_NAME, injectInitializer } from "../kube/inject-initializer.ts";
import { injectServiceMesh, meshAnnotations, SERVICE_MESH_NAME } from "../kube/inject-service-mesh.ts";
import { asRecord, splitApiVersion } from "../kube/kube-object.ts";
import { setRuntimeHandler, setTemplateAnnotation } from "../kube/patch-pod-template.ts";
import type { HandlerFor } from "../kube/runtime-class.ts";
import {
  type ConfidentialWorkload,
  type SkippedWorkload,
  selectWorkloads,
} from "../kube/select-workloads.ts";
import { describeLocation } from "../kube/source-location.ts";
import { validateObject } from "../kube/validate-object.ts";
import { withoutNulls } from "../kube/without-nulls.ts";
import { getPath } from "../kube/workload-kinds.ts";
import { type ParsedFile, parseYamlFile, renderFile, type YamlSourceFile } from "../kube/yaml-documents.ts";
import { COORDINATOR_PIN_KEY, serializeCoordinatorPin } from "./coordinator-pin.ts";
import { gunzipLimited, gzipDeterministic } from "./deterministic-gzip.ts";
import type { ImageResolver, ResolvedImage } from "./image/image-config.ts";
import { imageErrorWithContext } from "./image/image-error.ts";
import { initdataDigest, POLICY_KEY, serializeInitdata } from "./initdata.ts";
import { derivePolicyData, type PolicyData } from "./pod-policy-data.ts";
import { renderPolicyParts } from "./render-policy.ts";
import type { Settings } from "./settings.ts";

export interface GenerateOptions {
  readonly files: readonly YamlSourceFile[];
  readonly handlerFor: HandlerFor;
  readonly initializerImage: string;
  /** `COORDINATOR_HOST` of injected Initializers; default: the Coordinator Service's name (kube/coordinator-host.ts). */
  readonly coordinatorHost?: string;
  /** `--coordinator-namespace`: where the Coordinator runs, when its document does not say. */
  readonly coordinatorNamespace?: string;
  readonly skipInitializer?: boolean;
  /** Image of the service mesh sidecar, injected into pods with a mesh annotation unless `skipServiceMesh`. */
  readonly serviceMeshImage?: string;
  readonly skipServiceMesh?: boolean;
  readonly rules: string;
  readonly settings: Settings;
  readonly imageResolver: ImageResolver;
  /** `old → new` image references, applied to the YAML before resolution (`--image-replacements`). */
  readonly imageReplacements?: ReadonlyMap<string, string>;
  /** Allow any value for env variables whose ConfigMap/Secret is absent from the inputs (`--unpinned-env-from-missing`). */
  readonly unpinnedEnvFromMissing?: boolean;
  /**
   * What every pod with an injected Initializer pins about its Coordinator (src/policy/coordinator-pin.ts): the
   * digests of the Coordinator workloads among the inputs plus `extraCoordinatorPolicies`, and `deploymentKeys`.
   * Absent: no pin (policy tooling that never deploys).
   */
  readonly coordinatorPin?: {
    readonly extraCoordinatorPolicies: readonly string[];
    readonly deploymentKeys: readonly string[];
  };
}

export interface GeneratedPod {
  readonly file: string;
  readonly docIndex: number;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly role: string | undefined;
  readonly workloadSecretId: string;
  readonly sans: readonly string[];
  /**
   * The initdata document, decompressed on every read: a pod holds only its gzip form (the annotation's bytes), so a
   * thousand pods do not keep a thousand ~50 KB documents alive at once (issue 13). Read it once where it is written.
   */
  readonly initdataToml: Uint8Array;
  /** Hex SHA-256 of `initdataToml`: the manifest's policy key. */
  readonly digest: string;
  /** True when the initdata carries the Coordinator pin (the pod has an Initializer). */
  readonly pinsCoordinator: boolean;
  readonly policyData: PolicyData;
}

export interface PinnedImage {
  readonly location: string;
  readonly reference: string;
  readonly pinned: string;
}

/** A variable whose value the host chooses, because its ConfigMap/Secret was not among the inputs. */
export interface UnpinnedEnvVar {
  readonly location: string;
  readonly container: string;
  readonly name: string;
  /** `Secret <name> key <key>` or `ConfigMap <name> key <key>`. */
  readonly source: string;
}

export interface GenerateResult {
  readonly outputs: readonly YamlSourceFile[];
  readonly pods: readonly GeneratedPod[];
  /** Tag-only references that were pinned to a digest; the CLI tells the user on stderr. */
  readonly pinnedImages: readonly PinnedImage[];
  /** Where injected Initializers look for the Coordinator. */
  readonly coordinator: CoordinatorPlacement;
  /** Variables left to the host by `unpinnedEnvFromMissing`; the CLI warns once, listing them. */
  readonly unpinnedEnv: readonly UnpinnedEnvVar[];
  /** Objects with a pod template left alone: their runtime class is not `contrast-cc…`. */
  readonly skipped: readonly SkippedWorkload[];
}

type ContainerPath = readonly (string | number)[];

function containerPaths(doc: Document, templatePath: readonly string[]): ContainerPath[] {
  const spec = asRecord(getPath(doc.toJS(), [...templatePath, "spec"])) ?? {};
  const out: ContainerPath[] = [];
  for (const list of ["initContainers", "containers"]) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    for (let i = 0; i < items.length; i++) out.push([...templatePath, "spec", list, i]);
  }
  return out;
}

/** Applies image replacements, resolves every image of the template and pins tag-only references to `<ref>@<digest>`. */
async function pinImages(
  w: ConfidentialWorkload,
  doc: Document,
  resolver: ImageResolver,
  pinned: PinnedImage[],
  replacements: ReadonlyMap<string, string>,
  injected: boolean,
): Promise<Map<string, ResolvedImage>> {
  const images = new Map<string, ResolvedImage>();
  for (const path of containerPaths(doc, w.templatePath)) {
    const written = doc.getIn([...path, "image"]);
    if (typeof written !== "string") continue;
    const ref = replacements.get(written) ?? written;
    if (ref !== written) doc.setIn([...path, "image"], ref);
    let resolved: ResolvedImage;
    try {
      resolved = await resolver(ref);
    } catch (e) {
      // The injected Initializer's image is the product's, not the workload's: name it and the flag that sets it.
      if (doc.getIn([...path, "name"]) === INITIALIZER_NAME && injected)
        throw imageErrorWithContext(
          e,
          "the injected initializer (--initializer-image)",
          "--initializer-image",
        );
      throw imageErrorWithContext(e, describeLocation(w.loc));
    }
    let final = ref;
    if (resolved.resolvedFromTag) {
      final = `${ref}@${resolved.digest}`;
      doc.setIn([...path, "image"], final);
      pinned.push({ location: describeLocation(w.loc), reference: ref, pinned: final });
    }
    images.set(final, resolved);
  }
  return images;
}

function stringRecord(v: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(asRecord(v) ?? {}).filter(([, x]) => typeof x === "string"),
  ) as Record<string, string>;
}

function workloadSecretId(w: ConfidentialWorkload, annotations: Record<string, string>): string {
  const top = stringRecord(getPath(w.object.value, ["metadata", "annotations"]));
  const override = annotations[ANNOTATION_WORKLOAD_SECRET_ID] ?? top[ANNOTATION_WORKLOAD_SECRET_ID];
  if (override !== undefined) return override;
  const { group, version } = splitApiVersion(w.object.apiVersion);
  return `${group}/${version}/${w.kind}/${w.object.namespace ?? "default"}/${w.object.name}`;
}

function getsInitializer(w: ConfidentialWorkload, opts: GenerateOptions): boolean {
  return opts.skipInitializer !== true && !w.skipInitializer && w.role !== ROLE_COORDINATOR;
}

/**
 * Whether the pod will run the mesh sidecar: it gets one now (mesh annotation, no --skip-service-mesh), or it
 * carries one already. Otherwise its Initializer lifts the guest's default-deny rule (nobody else would).
 */
function runsServiceMesh(doc: Document, w: ConfidentialWorkload, opts: GenerateOptions): boolean {
  const template = getPath(doc.toJS(), w.templatePath);
  if (
    opts.skipServiceMesh !== true &&
    opts.serviceMeshImage !== undefined &&
    meshAnnotations(template).size > 0
  )
    return true;
  const inits = getPath(template, ["spec", "initContainers"]);
  return Array.isArray(inits) && inits.some((c) => asRecord(c)?.name === SERVICE_MESH_NAME);
}

async function generateOne(
  w: ConfidentialWorkload,
  opts: GenerateOptions,
  sources: ConfigSources,
  pinned: PinnedImage[],
  coordinatorPin: string | undefined,
): Promise<GeneratedPod> {
  const doc = w.object.doc.doc;
  validateObject(w.object.value, w.loc);
  setRuntimeHandler(doc, w.templatePath, w.runtimeClassName, opts.handlerFor, w.loc);
  const injected = getsInitializer(w, opts);
  if (injected) {
    injectInitializer(
      doc,
      w.templatePath,
      {
        image: opts.initializerImage,
        coordinatorHost: opts.coordinatorHost,
        withoutServiceMesh: !runsServiceMesh(doc, w, opts),
      },
      w.loc,
    );
  }
  if (opts.skipServiceMesh !== true && opts.serviceMeshImage !== undefined)
    injectServiceMesh(doc, w.templatePath, { image: opts.serviceMeshImage }, w.loc);
  const replacements = opts.imageReplacements ?? new Map<string, string>();
  const images = await pinImages(w, doc, opts.imageResolver, pinned, replacements, injected);
  const plain = doc.toJS() as Record<string, unknown>;
  const template = asRecord(getPath(plain, w.templatePath)) ?? {};
  const meta = asRecord(template.metadata) ?? {};
  const annotations = stringRecord(meta.annotations);
  const claims = getPath(plain, ["spec", "volumeClaimTemplates"]);
  const policyData = derivePolicyData(
    {
      kind: w.kind,
      name: w.object.name,
      generateName: w.object.generateName,
      namespace: w.object.namespace,
      labels: stringRecord(meta.labels),
      annotations,
      spec: withoutNulls(template.spec) as IPodSpec,
      claimNames: Array.isArray(claims)
        ? claims.map((c) => String(asRecord(asRecord(c)?.metadata)?.name ?? ""))
        : [],
      where: describeLocation(w.loc),
    },
    images,
    sources,
    opts.settings,
    { unpinnedFromMissing: opts.unpinnedEnvFromMissing === true },
  );
  const initdataToml = serializeInitdata([
    [POLICY_KEY, renderPolicyParts(opts.rules, policyData)],
    ...(coordinatorPin === undefined ? [] : [[COORDINATOR_PIN_KEY, coordinatorPin] as const]),
  ]);
  // The annotation is base64(gzip(TOML)) (encodeInitdataAnnotation); the same gzip bytes are what the pod keeps.
  const compressed = gzipDeterministic(initdataToml);
  const size = initdataToml.length;
  setTemplateAnnotation(doc, w.templatePath, ANNOTATION_INITDATA, toBase64(compressed));
  validateObject(doc.toJS() as Record<string, unknown>, w.loc);
  return {
    file: w.loc.file,
    docIndex: w.loc.docIndex,
    kind: w.kind,
    namespace: w.object.namespace,
    name: w.object.name,
    role: w.role,
    workloadSecretId: workloadSecretId(w, annotations),
    sans: [w.object.name, "*"],
    get initdataToml() {
      return gunzipLimited(compressed, size);
    },
    digest: initdataDigest(initdataToml),
    pinsCoordinator: coordinatorPin !== undefined,
    policyData,
  };
}

/** The pin text for pods generated after every Coordinator workload; refuses when no Coordinator digest is known. */
function pinFor(w: ConfidentialWorkload, pods: readonly GeneratedPod[], opts: GenerateOptions): string {
  const pin = opts.coordinatorPin!;
  const own = pods.filter((p) => p?.role === ROLE_COORDINATOR).map((p) => p.digest);
  const coordinatorPolicies = [...own, ...pin.extraCoordinatorPolicies];
  if (coordinatorPolicies.length === 0) {
    throw new ConfigError(
      "coordinator_policy_unknown",
      `${describeLocation(w.loc)}: its Initializer must pin the Coordinator's policy digest, got no coordinator: add the output of \`contrast resources coordinator\` to the inputs, pass --coordinator-policy <digest>, or skip the Initializer for this workload`,
    );
  }
  return serializeCoordinatorPin({ coordinatorPolicies, deploymentKeys: pin.deploymentKeys });
}

/** How many image references are resolved at once (registry round trips overlap; the workloads are still patched in order). */
export const IMAGE_RESOLUTION_CONCURRENCY = 8;

/** `resolver` with one promise per reference: the prefetch and the workload that needs an image share one lookup. */
function memoized(resolver: ImageResolver): ImageResolver {
  const seen = new Map<string, Promise<ResolvedImage>>();
  return (reference) => {
    let p = seen.get(reference);
    if (p === undefined) {
      p = resolver(reference);
      seen.set(reference, p);
    }
    return p;
  };
}

/** Every image reference the workloads name as written (after replacements), plus the Initializer's, in order. */
function imagesNamed(workloads: readonly ConfidentialWorkload[], opts: GenerateOptions): string[] {
  const replacements = opts.imageReplacements ?? new Map<string, string>();
  const refs = new Set<string>();
  for (const w of workloads) {
    if (getsInitializer(w, opts)) refs.add(replacements.get(opts.initializerImage) ?? opts.initializerImage);
    const spec = asRecord(getPath(w.object.value, [...w.templatePath, "spec"])) ?? {};
    for (const list of ["initContainers", "containers"]) {
      const items = spec[list];
      if (!Array.isArray(items)) continue;
      for (const c of items) {
        const image = asRecord(c)?.image;
        if (typeof image === "string") refs.add(replacements.get(image) ?? image);
      }
    }
  }
  return [...refs];
}

/**
 * Starts resolving `refs`, at most `limit` at a time, and returns a function that stops taking new ones. Failures are
 * left in the memoized promises: the workload that names the image awaits it and reports the error in its turn.
 */
function prefetch(refs: readonly string[], resolve: ImageResolver, limit: number): () => void {
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < refs.length) await resolve(refs[next++] as string).catch(() => undefined);
  };
  for (let i = 0; i < Math.min(limit, refs.length); i++) void worker();
  return () => {
    stopped = true;
  };
}

/**
 * Patches all confidential workloads in `files` and returns the new file texts and one policy per pod.
 * Pure apart from the image resolver: nothing is written; any error aborts the whole run.
 */
export async function generateDeployment(opts: GenerateOptions): Promise<GenerateResult> {
  const parsed: ParsedFile[] = opts.files.map(parseYamlFile);
  const selection = selectWorkloads(parsed);
  const pinned: PinnedImage[] = [];
  const pods: GeneratedPod[] = [];
  const changed = new Map<string, Set<number>>();
  const coordinators = selection.workloads.filter((w) => w.role === ROLE_COORDINATOR);
  const placement = placeCoordinator(
    coordinators.map((w) => ({ namespace: w.object.namespace, loc: w.loc })),
    opts.coordinatorNamespace,
  );
  const imageResolver = memoized(opts.imageResolver);
  const withHost = { ...opts, coordinatorHost: opts.coordinatorHost ?? placement.host, imageResolver };
  // Coordinators first: every other pod pins their policy digests (issue 10 §1).
  const order = selection.workloads
    .map((w, i) => [w, i] as const)
    .sort(([a], [b]) => Number(b.role === ROLE_COORDINATOR) - Number(a.role === ROLE_COORDINATOR));
  // Images resolve concurrently ahead of the workloads, which are patched one at a time in this order.
  const stop = prefetch(
    imagesNamed(
      order.map(([w]) => w),
      withHost,
    ),
    imageResolver,
    IMAGE_RESOLUTION_CONCURRENCY,
  );
  let pin: string | undefined;
  const collect = batchCollector();
  try {
    for (const [w, i] of order) {
      collect();
      const needsPin = opts.coordinatorPin !== undefined && getsInitializer(w, opts);
      if (needsPin) pin ??= pinFor(w, pods, opts);
      pods[i] = await generateOne(w, withHost, selection.configSources, pinned, needsPin ? pin : undefined);
      const docs = changed.get(w.loc.file) ?? new Set<number>();
      docs.add(w.loc.docIndex);
      changed.set(w.loc.file, docs);
    }
  } finally {
    stop();
  }
  const outputs = parsed.map((f) => ({
    path: f.path,
    text: renderFile(f, changed.get(f.path) ?? new Set()),
  }));
  return {
    outputs,
    pods,
    pinnedImages: pinned,
    coordinator: placement,
    unpinnedEnv: pods.flatMap(unpinnedEnvOf),
    skipped: selection.skipped,
  };
}

/** The variables whose policy pattern records a source it does not pin (`Env[i]` is the entry of `env_names[i]`). */
function unpinnedEnvOf(p: GeneratedPod): UnpinnedEnvVar[] {
  const location = describeLocation({ file: p.file, docIndex: p.docIndex, kind: p.kind, name: p.name });
  return p.policyData.containers.flatMap((c) =>
    c.Process.Env.flatMap((e, i) =>
      "from" in e && e.from !== undefined
        ? [{ location, container: c.name, name: c.Process.env_names[i] ?? "", source: e.from }]
        : [],
    ),
  );
}
