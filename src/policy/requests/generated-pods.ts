// Reads `generate` output: each confidential workload's pod template, its initdata policy text and its images.

import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { ConfigError, ContrastError, UnavailableError } from "../../common/errors.ts";
import { ANNOTATION_INITDATA } from "../../kube/contrast-annotations.ts";
import { asRecord, type KubeObject } from "../../kube/kube-object.ts";
import { selectWorkloads } from "../../kube/select-workloads.ts";
import { describeLocation } from "../../kube/source-location.ts";
import { withoutNulls } from "../../kube/without-nulls.ts";
import { getPath } from "../../kube/workload-kinds.ts";
import { parseYamlFile, type YamlSourceFile } from "../../kube/yaml-documents.ts";
import type { ImageResolver, ResolvedImage } from "../image/image-config.ts";
import { decodeInitdataAnnotation, POLICY_KEY } from "../initdata.ts";
import type { RuntimePod, ServiceLink } from "./pod-instance.ts";

export interface GeneratedPodPolicy {
  /** `file: Kind name` for messages. */
  readonly where: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  /** Hex SHA-256 of the initdata TOML (the manifest's policy key). */
  readonly digest: string;
  readonly policyText: string;
  readonly pod: RuntimePod;
  /** Image reference as written in the spec → its resolution. */
  readonly images: ReadonlyMap<string, ResolvedImage>;
}

function stringRecord(v: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(asRecord(v) ?? {}).filter(([, x]) => typeof x === "string"),
  ) as Record<string, string>;
}

function serviceLinks(objects: readonly KubeObject[]): ServiceLink[] {
  return objects
    .filter((o) => o.kind === "Service" && o.name !== "")
    .map((o) => {
      const ports = getPath(o.value, ["spec", "ports"]);
      return {
        name: o.name,
        namespace: o.namespace,
        ports: (Array.isArray(ports) ? ports : [])
          .map((x) => asRecord(x) ?? {})
          .filter((x) => typeof x.port === "number")
          .map((x) => ({
            port: x.port as number,
            ...(typeof x.name === "string" ? { name: x.name } : {}),
            ...(typeof x.protocol === "string" ? { protocol: x.protocol } : {}),
          })),
      };
    });
}

async function resolveImages(
  spec: IPodSpec,
  resolver: ImageResolver,
  where: string,
): Promise<Map<string, ResolvedImage>> {
  const images = new Map<string, ResolvedImage>();
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const ref = c.image;
    if (ref === undefined || images.has(ref)) continue;
    try {
      images.set(ref, await resolver(ref));
    } catch (e) {
      if (e instanceof ContrastError) throw e;
      throw new UnavailableError(
        "image_pull_failed",
        `${where}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  }
  return images;
}

/**
 * Every confidential workload in `files` with its policy. A workload without the initdata annotation (not
 * generated yet) is a ConfigError: there is nothing to check.
 */
export async function readGeneratedPods(
  files: readonly YamlSourceFile[],
  resolver: ImageResolver,
): Promise<GeneratedPodPolicy[]> {
  const selection = selectWorkloads(files.map(parseYamlFile));
  const services = serviceLinks(selection.objects);
  const out: GeneratedPodPolicy[] = [];
  for (const w of selection.workloads) {
    const where = describeLocation(w.loc);
    const template = asRecord(getPath(w.object.value, w.templatePath)) ?? {};
    const meta = asRecord(template.metadata) ?? {};
    const annotations = stringRecord(meta.annotations);
    const encoded = annotations[ANNOTATION_INITDATA];
    if (encoded === undefined) {
      throw new ConfigError(
        "policy_missing",
        `${where}: annotation ${ANNOTATION_INITDATA} expected (run contrast generate), got none`,
        {
          field: ANNOTATION_INITDATA,
        },
      );
    }
    const initdata = decodeInitdataAnnotation(encoded);
    const policyText = initdata.data[POLICY_KEY];
    if (policyText === undefined) {
      throw new ConfigError("policy_missing", `${where}: initdata expected key ${POLICY_KEY}, got none`, {
        field: POLICY_KEY,
      });
    }
    const spec = withoutNulls(template.spec) as IPodSpec;
    const claims = getPath(w.object.value, ["spec", "volumeClaimTemplates"]);
    const { [ANNOTATION_INITDATA]: _, ...podAnnotations } = annotations;
    out.push({
      where,
      kind: w.kind,
      name: w.object.name,
      namespace: w.object.namespace,
      digest: initdata.digest,
      policyText,
      images: await resolveImages(spec, resolver, where),
      pod: {
        kind: w.kind,
        name: w.object.name,
        ...(w.object.generateName !== undefined ? { generateName: w.object.generateName } : {}),
        namespace: w.object.namespace,
        labels: stringRecord(meta.labels),
        annotations: podAnnotations,
        spec,
        claimNames: Array.isArray(claims)
          ? claims.map((c) => String(asRecord(asRecord(c)?.metadata)?.name ?? ""))
          : [],
        services,
        configSources: selection.configSources,
      },
    });
  }
  return out;
}
