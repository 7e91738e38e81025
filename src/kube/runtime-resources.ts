// Kubernetes resources that install a runtime: the RuntimeClass and the node-installer DaemonSet (edgelesssys/contrast internal/platforms, edgelesssys/contrast nodeinstaller, edgelesssys/contrast internal/kuberesource).

import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { IRuntimeClass } from "kubernetes-models/node.k8s.io/v1/RuntimeClass";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import { stringify } from "yaml";
import { runtimeHandler } from "../platform/handler.ts";
import { PAUSE_IMAGE, type Platform, parsePlatform, VM_OVERHEAD_MIB } from "../platform/platforms.ts";

export const TARGET_CONFIG_NAME = "contrast-node-installer-target-config";

export interface RuntimeResourceOptions {
  /** Full image reference of the node-installer image (ideally pinned by digest). */
  readonly nodeInstallerImage: string;
  /** Handler override (tests, locks not embedded in this binary); defaults to `runtimeHandler(platform)`. */
  readonly handler?: string;
  /**
   * Emit the target-config ConfigMap with these keys and mount it; `true` only mounts an existing one
   * (`optional`), so users can supply it separately (K3s: `containerd-config-path`, `systemd-unit-name`).
   */
  readonly targetConfig?:
    | boolean
    | { readonly containerdConfigPath: string; readonly systemdUnitNames: readonly string[] };
}

export function generateRuntimeClass(
  platform: string | Platform,
  handler = runtimeHandler(platform),
): IRuntimeClass {
  const p = parsePlatform(platform);
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: handler, labels: { "addonmanager.kubernetes.io/mode": "Reconcile" } },
    handler,
    overhead: { podFixed: { memory: `${p.defaultMemoryMiB + VM_OVERHEAD_MIB}Mi` } },
  };
}

function installerContainer(p: Platform, opts: RuntimeResourceOptions): IContainer {
  const args = [p.name, "--host-root", "/host"];
  const mounts: IVolumeMount[] = [{ name: "host-mount", mountPath: "/host" }];
  if (opts.targetConfig) {
    args.push("--config", "/target-config");
    mounts.push({ name: "target-config", mountPath: "/target-config", readOnly: true });
  }
  return {
    name: "installer",
    image: opts.nodeInstallerImage,
    command: ["/bin/contrast", "node-installer"],
    args,
    securityContext: { privileged: true },
    resources: { requests: { memory: "700Mi" } },
    volumeMounts: mounts,
  };
}

export function generateNodeInstallerDaemonSet(
  platform: string | Platform,
  opts: RuntimeResourceOptions,
): IDaemonSet {
  const p = parsePlatform(platform);
  const handler = opts.handler ?? runtimeHandler(p);
  const name = `${handler}-nodeinstaller`;
  const labels = { "app.kubernetes.io/name": name };
  const volumes: IVolume[] = [{ name: "host-mount", hostPath: { path: "/", type: "Directory" } }];
  if (opts.targetConfig)
    volumes.push({ name: "target-config", configMap: { name: TARGET_CONFIG_NAME, optional: true } });
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: "kube-system", labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          annotations: {
            "contrast.edgeless.systems/pod-role": "contrast-node-installer",
            "contrast.edgeless.systems/platform": p.name,
          },
        },
        spec: {
          hostPID: true,
          tolerations: [{ operator: "Exists" }],
          initContainers: [installerContainer(p, opts)],
          containers: [{ name: "pause", image: PAUSE_IMAGE, resources: { requests: { memory: "10Mi" } } }],
          volumes,
        },
      },
    },
  };
}

export function generateTargetConfigMap(cfg: {
  containerdConfigPath: string;
  systemdUnitNames: readonly string[];
}): IConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: TARGET_CONFIG_NAME, namespace: "kube-system" },
    data: {
      "containerd-config-path": cfg.containerdConfigPath,
      "systemd-unit-name": cfg.systemdUnitNames.join(","),
    },
  };
}

/** The runtime bundle as multi-document YAML: what `contrast resources runtime` prints for `kubectl apply`. */
export function renderRuntimeResources(platform: string | Platform, opts: RuntimeResourceOptions): string {
  const p = parsePlatform(platform);
  const handler = opts.handler ?? runtimeHandler(p);
  const docs: (IRuntimeClass | IConfigMap | IDaemonSet)[] = [generateRuntimeClass(p, handler)];
  if (typeof opts.targetConfig === "object") docs.push(generateTargetConfigMap(opts.targetConfig));
  docs.push(generateNodeInstallerDaemonSet(p, { ...opts, handler }));
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
}
