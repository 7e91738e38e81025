// The Coordinator's Kubernetes resources: a StatefulSet with a state volume and the Services `coordinator` and `coordinator-ready` (edgelesssys/contrast internal/kuberesource).

import { type IStatefulSet, StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { IContainer } from "kubernetes-models/v1/Container";
import { type IService, Service } from "kubernetes-models/v1/Service";
import { stringify } from "yaml";
import { COORDINATOR_API_PORTS } from "../api/endpoint.ts";
import { ConfigError } from "../common/errors.ts";
import { ANNOTATION_POD_ROLE, ROLE_COORDINATOR } from "./contrast-annotations.ts";
import { RUNTIME_CLASS_PREFIX } from "./runtime-class.ts";

export const COORDINATOR_NAME = "coordinator";
export const COORDINATOR_READY_SERVICE = "coordinator-ready";
/** `contrast coordinator --state-dir` inside the pod: the mount point of the persistent volume. */
export const COORDINATOR_STATE_DIR = "/var/lib/contrast";
export const COORDINATOR_PORTS = Object.freeze({
  userapi: COORDINATOR_API_PORTS.user,
  meshapi: COORDINATOR_API_PORTS.mesh,
  probes: 9102,
});

const LABELS = Object.freeze({ "app.kubernetes.io/name": COORDINATOR_NAME });
const STATE_VOLUME = "state";
/** RFC 1123 label, as Kubernetes requires for namespaces. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface CoordinatorResourceOptions {
  /** Coordinator image reference (ideally pinned by digest). */
  readonly image: string;
  /** Namespace of all objects; omitted means the namespace `kubectl apply` uses. */
  readonly namespace?: string;
  /** Size of the state volume claim (default 1Gi). */
  readonly storage?: string;
}

type IObjectMeta = NonNullable<IStatefulSet["metadata"]>;

function metadata(name: string, namespace: string | undefined): IObjectMeta {
  return namespace === undefined
    ? { name, labels: { ...LABELS } }
    : { name, namespace, labels: { ...LABELS } };
}

function httpProbe(path: string, periodSeconds: number, failureThreshold: number) {
  return { httpGet: { path, port: COORDINATOR_PORTS.probes }, periodSeconds, failureThreshold };
}

function coordinatorContainer(image: string): IContainer {
  return {
    name: COORDINATOR_NAME,
    image,
    command: ["/bin/contrast", "coordinator"],
    args: ["--state-dir", COORDINATOR_STATE_DIR],
    // In its pod the Coordinator lifts the guest's default-deny rule itself (src/coordinator/server.ts): opt-in,
    // so a Coordinator run elsewhere never touches a firewall.
    env: [{ name: "CONTRAST_REMOVE_DEFAULT_DENY", value: "true" }],
    ports: Object.entries(COORDINATOR_PORTS).map(([name, containerPort]) => ({ name, containerPort })),
    startupProbe: httpProbe("/probe/startup", 1, 60),
    livenessProbe: httpProbe("/probe/liveness", 10, 3),
    readinessProbe: httpProbe("/probe/readiness", 5, 3),
    resources: { requests: { memory: "200Mi" }, limits: { memory: "200Mi" } },
    securityContext: { capabilities: { add: ["NET_ADMIN"] } },
    volumeMounts: [{ name: STATE_VOLUME, mountPath: COORDINATOR_STATE_DIR }],
  };
}

/** The StatefulSet: one replica, pod role `coordinator`, runtime class `contrast-cc` (rewritten by `generate`). */
export function generateCoordinatorStatefulSet(opts: CoordinatorResourceOptions): IStatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: metadata(COORDINATOR_NAME, opts.namespace),
    spec: {
      replicas: 1,
      serviceName: COORDINATOR_NAME,
      selector: { matchLabels: { ...LABELS } },
      template: {
        metadata: {
          labels: { ...LABELS },
          annotations: { [ANNOTATION_POD_ROLE]: ROLE_COORDINATOR },
        },
        spec: {
          runtimeClassName: RUNTIME_CLASS_PREFIX,
          containers: [coordinatorContainer(opts.image)],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: STATE_VOLUME },
          spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: opts.storage ?? "1Gi" } },
          },
        },
      ],
    },
  };
}

function service(
  name: string,
  opts: CoordinatorResourceOptions,
  ports: readonly string[],
  notReady: boolean,
) {
  const svc: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(name, opts.namespace),
    spec: {
      selector: { ...LABELS },
      ports: ports.map((p) => {
        const port = COORDINATOR_PORTS[p as keyof typeof COORDINATOR_PORTS];
        return { name: p, port, targetPort: port };
      }),
    },
  };
  if (notReady && svc.spec !== undefined) svc.spec.publishNotReadyAddresses = true;
  return svc;
}

/**
 * The StatefulSet and both Services, schema-checked with kubernetes-models. `coordinator` also routes to a
 * Coordinator that is not ready (recovery needs it); `coordinator-ready` only to ready ones.
 */
export function generateCoordinatorResources(
  opts: CoordinatorResourceOptions,
): [IStatefulSet, IService, IService] {
  if (opts.namespace !== undefined && !NAMESPACE.test(opts.namespace)) {
    throw new ConfigError(
      "invalid_namespace",
      `namespace: expected an rfc 1123 label, got ${JSON.stringify(opts.namespace)}`,
      { field: "namespace" },
    );
  }
  const sts = generateCoordinatorStatefulSet(opts);
  const all = service(COORDINATOR_NAME, opts, ["userapi", "meshapi", "probes"], true);
  const ready = service(COORDINATOR_READY_SERVICE, opts, ["userapi", "meshapi"], false);
  new StatefulSet(sts).validate();
  new Service(all).validate();
  new Service(ready).validate();
  return [sts, all, ready];
}

/** Multi-document YAML of `generateCoordinatorResources`, ready for `kubectl apply -f -` or `generate`. */
export function renderCoordinatorResources(opts: CoordinatorResourceOptions): string {
  return generateCoordinatorResources(opts)
    .map((o) => stringify(o, { lineWidth: 0 }))
    .join("---\n");
}
