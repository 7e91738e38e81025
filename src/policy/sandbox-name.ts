// Regex for the pod (sandbox) name each workload kind produces (Kata Containers src/tools/genpolicy; k8s SafeEncodeString alphabet).

import type { WorkloadKind } from "../kube/workload-kinds.ts";
import { escapeRegex } from "./value-pattern.ts";

/** Characters of Kubernetes' random name suffixes (k8s.io/apimachinery/pkg/util/rand SafeEncodeString). */
const S = "[bcdfghjklmnpqrstvwxz2456789]+";

/** Anchored regex matching every pod name the controller of `kind` may create from `name` (or `generateName`). */
export function sandboxNameRegex(kind: WorkloadKind, name: string, generateName?: string): string {
  if (kind === "Pod")
    return name !== "" ? `^${escapeRegex(name)}$` : `^${escapeRegex(generateName ?? "")}${S}$`;
  const n = escapeRegex(name);
  switch (kind) {
    case "Deployment":
      return `^${n}-${S}-${S}$`;
    case "StatefulSet":
      return `^${n}-[0-9]+$`;
    case "Job":
      return `^${n}(?:-[0-9]+)?-${S}$`;
    case "CronJob":
      return `^${n}-[0-9]+(?:-[0-9]+)?-${S}$`;
    default:
      return `^${n}-${S}$`;
  }
}
