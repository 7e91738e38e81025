// One concrete pod as the kubelet starts it from a workload template: its name, namespace, UID and sandbox id.

import type { ConfigSources } from "../../kube/config-sources.ts";
import type { PodDescription } from "../pod-policy-data.ts";
import { RuntimeIds } from "./runtime-ids.ts";

/** A Service whose link variables the kubelet puts into containers of the same namespace. */
export interface ServiceLink {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly protocol?: string }[];
}

/** The pod template and what the kubelet knows besides it. */
export interface RuntimePod extends Omit<PodDescription, "where"> {
  readonly services: readonly ServiceLink[];
  readonly configSources: ConfigSources;
}

export interface PodInstance {
  readonly pod: RuntimePod;
  readonly podName: string;
  readonly namespace: string;
  readonly uid: string;
  /** The pod's hostname (`spec.hostname` or the pod name), also `HOSTNAME` in every container. */
  readonly hostname: string;
  /** Id of the sandbox (pause) container, also the sandbox id of every container. */
  readonly sandboxId: string;
  readonly ids: RuntimeIds;
}

/** The name a controller of `kind` gives one of its pods (the same shapes sandbox-name.ts accepts). */
function instanceName(pod: RuntimePod, ids: RuntimeIds): string {
  const s = (n: number, label: string) => ids.nameSuffix(label, n);
  switch (pod.kind) {
    case "Pod":
      return pod.name !== "" ? pod.name : `${pod.generateName ?? ""}${s(5, "pod")}`;
    case "Deployment":
      return `${pod.name}-${s(10, "replicaset")}-${s(5, "pod")}`;
    case "StatefulSet":
      return `${pod.name}-0`;
    case "CronJob":
      return `${pod.name}-29000000-${s(5, "pod")}`;
    default:
      return `${pod.name}-${s(5, "pod")}`;
  }
}

/** Names and ids are derived from `seed` (plus the workload), so the same input gives the same requests. */
export function instantiatePod(pod: RuntimePod, seed = "contrast-policy-check"): PodInstance {
  const ids = new RuntimeIds(`${seed}/${pod.kind}/${pod.namespace ?? ""}/${pod.name}`);
  const podName = instanceName(pod, ids);
  return {
    pod,
    podName,
    namespace: pod.namespace ?? "default",
    uid: ids.uuid("pod"),
    hostname: pod.spec.hostname ?? podName,
    sandboxId: ids.containerId("sandbox"),
    ids,
  };
}
