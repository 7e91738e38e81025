// The workload kinds that carry a pod template, and where the template sits in each (edgelesssys/contrast cli/cmd/generate.go).

export type WorkloadKind =
  | "Pod"
  | "Deployment"
  | "StatefulSet"
  | "DaemonSet"
  | "ReplicaSet"
  | "ReplicationController"
  | "Job"
  | "CronJob";

/** Path from the object root to the pod template (an object with `metadata` and `spec`). */
const TEMPLATE_PATHS: Readonly<Record<WorkloadKind, readonly string[]>> = {
  Pod: [],
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

export function isWorkloadKind(kind: unknown): kind is WorkloadKind {
  return typeof kind === "string" && Object.hasOwn(TEMPLATE_PATHS, kind);
}

export function podTemplatePath(kind: WorkloadKind): readonly string[] {
  return TEMPLATE_PATHS[kind];
}

/** Candidate template paths used to spot unknown kinds that nevertheless embed a pod template. */
const PROBE_PATHS: readonly (readonly string[])[] = [
  [],
  ["spec", "template"],
  ["spec", "jobTemplate", "spec", "template"],
];

function getPath(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Returns the path of a pod template inside an object of any kind, if it has one (`spec.containers` present). */
export function findPodTemplate(value: unknown): readonly string[] | undefined {
  for (const path of PROBE_PATHS) {
    const containers = getPath(value, [...path, "spec", "containers"]);
    if (Array.isArray(containers)) return path;
  }
  return undefined;
}

export { getPath };
