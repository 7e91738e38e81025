// Adds the service mesh sidecar to a pod template that carries a mesh annotation (edgelesssys/contrast service-mesh).
//
// The sidecar is a native sidecar (an init container with restartPolicy Always) placed right after the
// Initializer, so it starts once the credentials exist and keeps running beside the app; the app containers start
// only after its startup probe (the ready file) passed, i.e. after the inbound rules are in place. It needs
// CAP_NET_ADMIN for those rules, not a privileged container. The annotations are parsed here, so a malformed value
// fails `generate` with its path instead of failing the pod at start.

import { type Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from "yaml";
import { ConfigError } from "../common/errors.ts";
import {
  INITIALIZER_NAME,
  SECRETS_MOUNT_PATH,
  SECRETS_VOLUME,
  sameInjectedContainer,
} from "./inject-initializer.ts";
import { asRecord } from "./kube-object.ts";
import {
  ANNOTATION_MESH_ADMIN_PORT,
  ANNOTATION_MESH_EGRESS,
  ANNOTATION_MESH_INGRESS,
  ENV_MESH_ADMIN_PORT,
  ENV_MESH_EGRESS,
  ENV_MESH_INGRESS,
  parseMeshSettings,
} from "./service-mesh-config.ts";
import { describeLocation, locationField, type SourceLocation } from "./source-location.ts";
import { getPath } from "./workload-kinds.ts";

export const SERVICE_MESH_NAME = "contrast-service-mesh";
export const SERVICE_MESH_ADMIN_PORT_NAME = "contrast-admin";

const ANNOTATION_ENV: readonly (readonly [string, string])[] = [
  [ANNOTATION_MESH_INGRESS, ENV_MESH_INGRESS],
  [ANNOTATION_MESH_EGRESS, ENV_MESH_EGRESS],
  [ANNOTATION_MESH_ADMIN_PORT, ENV_MESH_ADMIN_PORT],
];

/** The mesh annotations of a pod template (only its own metadata, as the reference reads them). */
export function meshAnnotations(template: unknown): Map<string, string> {
  const annotations = asRecord(getPath(template, ["metadata", "annotations"])) ?? {};
  const out = new Map<string, string>();
  for (const [key] of ANNOTATION_ENV) {
    const v = annotations[key];
    if (v !== undefined) out.set(key, typeof v === "string" ? v : String(v));
  }
  return out;
}

export interface ServiceMeshOptions {
  /** Image of the sidecar (the product's own image, entrypoint `/bin/contrast service-mesh`). */
  readonly image: string;
}

/** The sidecar container; its shape is part of the pod's policy like every other container. */
export function serviceMeshContainer(annotations: ReadonlyMap<string, string>, opts: ServiceMeshOptions) {
  const env = ANNOTATION_ENV.filter(([a]) => annotations.has(a)).map(([a, name]) => ({
    name,
    value: annotations.get(a) as string,
  }));
  const admin = annotations.get(ANNOTATION_MESH_ADMIN_PORT);
  return {
    name: SERVICE_MESH_NAME,
    image: opts.image,
    restartPolicy: "Always",
    ...(env.length > 0 ? { env } : {}),
    ...(admin === undefined
      ? {}
      : { ports: [{ name: SERVICE_MESH_ADMIN_PORT_NAME, containerPort: Number(admin), protocol: "TCP" }] }),
    securityContext: { capabilities: { add: ["NET_ADMIN"] } },
    startupProbe: {
      exec: { command: ["/bin/contrast", "service-mesh", "check-ready"] },
      periodSeconds: 1,
      failureThreshold: 300,
    },
    volumeMounts: [{ name: SECRETS_VOLUME, mountPath: SECRETS_MOUNT_PATH }],
  };
}

/** Checks every mesh annotation of the template; the error names the annotation's path. */
function checkAnnotations(
  annotations: ReadonlyMap<string, string>,
  templatePath: readonly string[],
  loc: SourceLocation,
) {
  const field = (key: string) => locationField(loc, [...templatePath, "metadata", "annotations", key]);
  try {
    parseMeshSettings(
      {
        ingress: annotations.get(ANNOTATION_MESH_INGRESS),
        egress: annotations.get(ANNOTATION_MESH_EGRESS),
        adminPort: annotations.get(ANNOTATION_MESH_ADMIN_PORT),
      },
      {
        ingress: field(ANNOTATION_MESH_INGRESS),
        egress: field(ANNOTATION_MESH_EGRESS),
        adminPort: field(ANNOTATION_MESH_ADMIN_PORT),
      },
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(e.code, `${describeLocation(loc)}: ${e.message}`, { field: e.field, cause: e });
  }
}

function itemName(item: unknown): unknown {
  return isMap(item) ? item.get("name") : undefined;
}

/**
 * Injects the sidecar when the template has a mesh annotation; returns whether it did. Needs the Initializer
 * (its files are the sidecar's credentials). Idempotent: a second call on the result changes nothing.
 */
export function injectServiceMesh(
  doc: Document,
  templatePath: readonly string[],
  opts: ServiceMeshOptions,
  loc: SourceLocation,
): boolean {
  const template = getPath(doc.toJS(), templatePath);
  const annotations = meshAnnotations(template);
  if (annotations.size === 0) return false;
  checkAnnotations(annotations, templatePath, loc);
  const initPath = [...templatePath, "spec", "initContainers"];
  const inits = doc.getIn(initPath, true);
  const items = isSeq(inits) ? (inits as YAMLSeq).items : [];
  const at = items.findIndex((it) => itemName(it) === INITIALIZER_NAME);
  if (at < 0) {
    throw new ConfigError(
      "service_mesh_needs_initializer",
      `${describeLocation(loc)}: ${ANNOTATION_MESH_INGRESS.split("-")[0]}-* annotations: expected a pod with the Initializer, got one without (skip-initializer or coordinator role)`,
      { field: locationField(loc, [...templatePath, "metadata", "annotations"]) },
    );
  }
  const desired = serviceMeshContainer(annotations, opts);
  const current = items[at + 1];
  if (
    itemName(current) === SERVICE_MESH_NAME &&
    sameInjectedContainer((current as YAMLMap).toJSON(), desired)
  ) {
    return true;
  }
  const rest = items.filter((it) => itemName(it) !== SERVICE_MESH_NAME);
  const initAt = rest.findIndex((it) => itemName(it) === INITIALIZER_NAME);
  rest.splice(initAt + 1, 0, doc.createNode(desired));
  (inits as YAMLSeq).items = rest;
  return true;
}
