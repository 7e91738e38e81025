// Library entry of `contrast generate`: patch every confidential workload, derive its policy, wrap it in initdata, annotate it.

import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { Document } from "yaml";
import { ContrastError, UnavailableError } from "../common/errors.ts";
import type { ConfigSources } from "../kube/config-sources.ts";
import {
  ANNOTATION_INITDATA,
  ANNOTATION_WORKLOAD_SECRET_ID,
  ROLE_COORDINATOR,
} from "../kube/contrast-annotations.ts";
import { injectInitializer } from "../kube/inject-initializer.ts";
import { injectServiceMesh } from "../kube/inject-service-mesh.ts";
import { asRecord, splitApiVersion } from "../kube/kube-object.ts";
import { setRuntimeHandler, setTemplateAnnotation } from "../kube/patch-pod-template.ts";
import type { HandlerFor } from "../kube/runtime-class.ts";
import { type ConfidentialWorkload, selectWorkloads } from "../kube/select-workloads.ts";
import { describeLocation } from "../kube/source-location.ts";
import { validateObject } from "../kube/validate-object.ts";
import { getPath } from "../kube/workload-kinds.ts";
import {
  type ParsedFile,
  parseYamlFile,
  renderDocument,
  renderFile,
  type YamlSourceFile,
} from "../kube/yaml-documents.ts";
import type { ImageResolver, ResolvedImage } from "./image/image-config.ts";
import { encodeInitdataAnnotation, initdataDigest, POLICY_KEY, serializeInitdata } from "./initdata.ts";
import { derivePolicyData, type PolicyData } from "./pod-policy-data.ts";
import { renderPolicy } from "./render-policy.ts";
import type { Settings } from "./settings.ts";

export interface GenerateOptions {
  readonly files: readonly YamlSourceFile[];
  readonly handlerFor: HandlerFor;
  readonly initializerImage: string;
  readonly coordinatorHost?: string;
  readonly skipInitializer?: boolean;
  /** Image of the service mesh sidecar, injected into pods with a mesh annotation unless `skipServiceMesh`. */
  readonly serviceMeshImage?: string;
  readonly skipServiceMesh?: boolean;
  readonly rules: string;
  readonly settings: Settings;
  readonly imageResolver: ImageResolver;
  /** `old → new` image references, applied to the YAML before resolution (`--image-replacements`). */
  readonly imageReplacements?: ReadonlyMap<string, string>;
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
  readonly initdataToml: Uint8Array;
  /** Hex SHA-256 of `initdataToml`: the manifest's policy key. */
  readonly digest: string;
  readonly policyData: PolicyData;
}

export interface PinnedImage {
  readonly location: string;
  readonly reference: string;
  readonly pinned: string;
}

export interface GenerateResult {
  readonly outputs: readonly YamlSourceFile[];
  readonly pods: readonly GeneratedPod[];
  /** Tag-only references that were pinned to a digest; the CLI tells the user on stderr. */
  readonly pinnedImages: readonly PinnedImage[];
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
  replacements: ReadonlyMap<string, string> = new Map(),
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
      const code = e instanceof ContrastError ? e.code : "image_pull_failed";
      const msg = e instanceof Error ? e.message : String(e);
      throw new UnavailableError(code, `${describeLocation(w.loc)}: ${msg}`, { cause: e });
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

async function generateOne(
  w: ConfidentialWorkload,
  opts: GenerateOptions,
  sources: ConfigSources,
  pinned: PinnedImage[],
): Promise<GeneratedPod> {
  const doc = w.object.doc.doc;
  validateObject(w.object.value, w.loc);
  setRuntimeHandler(doc, w.templatePath, w.runtimeClassName, opts.handlerFor, w.loc);
  if (opts.skipInitializer !== true && !w.skipInitializer && w.role !== ROLE_COORDINATOR) {
    injectInitializer(
      doc,
      w.templatePath,
      { image: opts.initializerImage, coordinatorHost: opts.coordinatorHost },
      w.loc,
    );
  }
  if (opts.skipServiceMesh !== true && opts.serviceMeshImage !== undefined)
    injectServiceMesh(doc, w.templatePath, { image: opts.serviceMeshImage }, w.loc);
  const images = await pinImages(w, doc, opts.imageResolver, pinned, opts.imageReplacements);
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
      spec: template.spec as IPodSpec,
      claimNames: Array.isArray(claims)
        ? claims.map((c) => String(asRecord(asRecord(c)?.metadata)?.name ?? ""))
        : [],
      where: describeLocation(w.loc),
    },
    images,
    sources,
    opts.settings,
  );
  const initdataToml = serializeInitdata([[POLICY_KEY, renderPolicy(opts.rules, policyData)]]);
  setTemplateAnnotation(doc, w.templatePath, ANNOTATION_INITDATA, encodeInitdataAnnotation(initdataToml));
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
    initdataToml,
    digest: initdataDigest(initdataToml),
    policyData,
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
  const replaced = new Map<string, Map<number, string>>();
  for (const w of selection.workloads) {
    pods.push(await generateOne(w, opts, selection.configSources, pinned));
    const file = parsed.find((f) => f.path === w.loc.file) as ParsedFile;
    const m = replaced.get(file.path) ?? new Map<number, string>();
    m.set(w.loc.docIndex, renderDocument(w.object.doc.doc, file.flushSequences));
    replaced.set(file.path, m);
  }
  const outputs = parsed.map((f) => ({
    path: f.path,
    text: renderFile(f, replaced.get(f.path) ?? new Map()),
  }));
  return { outputs, pods, pinnedImages: pinned };
}
