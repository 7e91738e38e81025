// Splits parsed YAML into confidential workloads, skipped workloads, config sources and pass-through objects; rejects duplicates and unknown pod-template kinds.

import { ConfigError } from "../common/errors.ts";
import { type ConfigSources, collectConfigSources } from "./config-sources.ts";
import { ANNOTATION_POD_ROLE, ANNOTATION_SKIP_INITIALIZER } from "./contrast-annotations.ts";
import { asRecord, type KubeObject, splitApiVersion, toKubeObject } from "./kube-object.ts";
import { isConfidentialRuntimeClass } from "./runtime-class.ts";
import { describeLocation, type SourceLocation } from "./source-location.ts";
import {
  findPodTemplate,
  getPath,
  isWorkloadKind,
  podTemplatePath,
  type WorkloadKind,
} from "./workload-kinds.ts";
import type { ParsedFile } from "./yaml-documents.ts";

export interface ConfidentialWorkload {
  readonly object: KubeObject;
  readonly kind: WorkloadKind;
  readonly loc: SourceLocation;
  readonly templatePath: readonly string[];
  readonly runtimeClassName: string;
  /** `contrast.edgeless.systems/pod-role` from the object or its template. */
  readonly role: string | undefined;
  readonly skipInitializer: boolean;
}

/** An object with a pod template that `generate` leaves alone, and why. */
export interface SkippedWorkload {
  readonly loc: SourceLocation;
  /** The template's `runtimeClassName` when it is a string other than a Contrast one, else undefined (not set). */
  readonly runtimeClassName: string | undefined;
}

export interface Selection {
  readonly objects: readonly KubeObject[];
  readonly workloads: readonly ConfidentialWorkload[];
  /** Objects with a pod template whose runtime class is not `contrast-cc…`, in input order. */
  readonly skipped: readonly SkippedWorkload[];
  readonly configSources: ConfigSources;
}

export function locationOf(obj: KubeObject): SourceLocation {
  return {
    file: obj.doc.file,
    docIndex: obj.doc.docIndex,
    kind: obj.kind,
    name: obj.name || obj.generateName,
  };
}

function annotation(value: unknown, path: readonly string[], key: string): string | undefined {
  const v = asRecord(getPath(value, [...path, "metadata", "annotations"]))?.[key];
  return typeof v === "string" ? v : undefined;
}

function objectAnnotation(obj: KubeObject, templatePath: readonly string[], key: string): string | undefined {
  return annotation(obj.value, templatePath, key) ?? annotation(obj.value, [], key);
}

function identityKey(obj: KubeObject): string {
  return `${splitApiVersion(obj.apiVersion).group}/${obj.kind}/${obj.namespace ?? "default"}/${obj.name}`;
}

function checkDuplicates(objects: readonly KubeObject[]): void {
  const seen = new Map<string, KubeObject>();
  for (const obj of objects) {
    if (obj.name === "") continue;
    const key = identityKey(obj);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ConfigError(
        "duplicate_object",
        `${describeLocation(locationOf(obj))}: duplicate ${obj.kind} ${obj.namespace ?? "default"}/${obj.name}, expected unique names, got a second one after ${describeLocation(locationOf(first))}`,
      );
    }
    seen.set(key, obj);
  }
}

function skippedOf(obj: KubeObject): SkippedWorkload | undefined {
  const path = isWorkloadKind(obj.kind) ? podTemplatePath(obj.kind) : findPodTemplate(obj.value);
  if (path === undefined) return undefined;
  const rcn = getPath(obj.value, [...path, "spec", "runtimeClassName"]);
  if (isConfidentialRuntimeClass(rcn)) return undefined;
  return { loc: locationOf(obj), runtimeClassName: typeof rcn === "string" ? rcn : undefined };
}

function toWorkload(obj: KubeObject): ConfidentialWorkload | undefined {
  const loc = locationOf(obj);
  if (!isWorkloadKind(obj.kind)) {
    const path = findPodTemplate(obj.value);
    if (
      path !== undefined &&
      isConfidentialRuntimeClass(getPath(obj.value, [...path, "spec", "runtimeClassName"]))
    ) {
      throw new ConfigError(
        "workload_kind_unsupported",
        `${describeLocation(loc)}: kind expected one of Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, got ${obj.kind || "none"} with a confidential pod template`,
      );
    }
    return undefined;
  }
  const templatePath = podTemplatePath(obj.kind);
  const rcn = getPath(obj.value, [...templatePath, "spec", "runtimeClassName"]);
  if (!isConfidentialRuntimeClass(rcn)) return undefined;
  return {
    object: obj,
    kind: obj.kind,
    loc,
    templatePath,
    runtimeClassName: rcn,
    role: objectAnnotation(obj, templatePath, ANNOTATION_POD_ROLE),
    skipInitializer: objectAnnotation(obj, templatePath, ANNOTATION_SKIP_INITIALIZER) === "true",
  };
}

/** Classifies every document of every file. */
export function selectWorkloads(files: readonly ParsedFile[]): Selection {
  const objects: KubeObject[] = [];
  for (const f of files) {
    for (const d of f.documents) {
      const obj = toKubeObject(d);
      if (obj !== undefined) objects.push(obj);
    }
  }
  checkDuplicates(objects);
  const workloads = objects.map(toWorkload).filter((w): w is ConfidentialWorkload => w !== undefined);
  const skipped = objects.map(skippedOf).filter((s): s is SkippedWorkload => s !== undefined);
  return { objects, workloads, skipped, configSources: collectConfigSources(objects) };
}
