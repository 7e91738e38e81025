// Pod features the policy cannot describe yet: generate refuses them rather than write a policy for a pod
// that would start without what it asked for.

import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { ConfigError } from "../common/errors.ts";

/** Extended resources that stand for devices the runtime would have to pass into the VM (VFIO, CDI). */
const DEVICE_RESOURCE_PREFIXES = ["nvidia.com/"] as const;

/**
 * GPUs: the runtime attaches them through VFIO/CDI devices the policy would have to list; without that the
 * pod starts without its devices (or the agent refuses them). ConfigError gpu_unsupported names the pod,
 * the container and the resource.
 */
export function refuseDeviceResources(spec: IPodSpec, where: string): void {
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const [list, map] of [
      ["requests", c.resources?.requests],
      ["limits", c.resources?.limits],
    ] as const) {
      for (const name of Object.keys(map ?? {})) {
        if (!DEVICE_RESOURCE_PREFIXES.some((p) => name.startsWith(p))) continue;
        throw new ConfigError(
          "gpu_unsupported",
          `${where} container ${c.name}: resources.${list} expected no GPU resources (GPUs are not supported yet; the pod would start without its devices), got ${name}`,
          { field: `resources.${list}.${name}` },
        );
      }
    }
  }
}
