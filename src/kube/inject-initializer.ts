// Adds the Contrast Initializer and the shared `contrast-secrets` volume to a confidential pod template (edgelesssys/contrast initializer, edgelesssys/contrast cli/cmd/generate.go).

import { type Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from "yaml";
import { ConfigError } from "../common/errors.ts";
import { setInChecked } from "./set-in.ts";
import { describeLocation, locationField, type SourceLocation } from "./source-location.ts";

export const INITIALIZER_NAME = "contrast-initializer";
export const SECRETS_VOLUME = "contrast-secrets";
export const SECRETS_MOUNT_PATH = "/contrast";
export const DEFAULT_COORDINATOR_HOST = "coordinator";
/** Tells the Initializer that no mesh sidecar will lift the guest's default-deny rule, so it must (src/initializer/run.ts). */
export const ENV_SERVICE_MESH_DISABLED = "CONTRAST_SERVICE_MESH_DISABLED";

export interface InitializerOptions {
  /** Image reference of the Initializer, ideally pinned by digest. */
  readonly image: string;
  /** Value of `COORDINATOR_HOST` (default `coordinator`). */
  readonly coordinatorHost?: string;
  /**
   * The pod runs no service-mesh sidecar: the Initializer gets `CONTRAST_SERVICE_MESH_DISABLED=true` and
   * `NET_ADMIN` to remove the guest's default-deny rule itself. With the sidecar it gets neither (the sidecar lifts
   * the rule after its own rules are in place).
   */
  readonly withoutServiceMesh?: boolean;
}

/** The init container we inject; its shape is part of every confidential pod's policy. */
export function initializerContainer(opts: InitializerOptions): Record<string, unknown> {
  const alone = opts.withoutServiceMesh === true;
  return {
    name: INITIALIZER_NAME,
    image: opts.image,
    env: [
      { name: "COORDINATOR_HOST", value: opts.coordinatorHost ?? DEFAULT_COORDINATOR_HOST },
      ...(alone ? [{ name: ENV_SERVICE_MESH_DISABLED, value: "true" }] : []),
    ],
    resources: { requests: { memory: "50Mi" }, limits: { memory: "50Mi" } },
    ...(alone ? { securityContext: { capabilities: { add: ["NET_ADMIN"] } } } : {}),
    volumeMounts: [{ name: SECRETS_VOLUME, mountPath: SECRETS_MOUNT_PATH }],
  };
}

function seqAt(doc: Document, path: readonly (string | number)[]): YAMLSeq | undefined {
  const node = doc.getIn(path, true);
  return isSeq(node) ? node : undefined;
}

function ensureSeq(doc: Document, path: readonly (string | number)[]): YAMLSeq {
  const existing = seqAt(doc, path);
  if (existing !== undefined) return existing;
  setInChecked(doc, path, doc.createNode([]));
  return seqAt(doc, path) as YAMLSeq;
}

function itemName(item: unknown): unknown {
  return isMap(item) ? item.get("name") : undefined;
}

function deepEqualJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const PINNED = /^(.+)@sha256:[0-9a-f]{64}$/;

/**
 * Equal to the desired container, or equal except that the image is the desired reference pinned by the
 * generator on an earlier run (`<image>@sha256:…`): re-running then keeps the pin and needs no registry.
 */
export function sameInjectedContainer(existing: unknown, desired: Record<string, unknown>): boolean {
  if (deepEqualJson(existing, desired)) return true;
  const image = (existing as { image?: unknown } | null)?.image;
  if (typeof image !== "string" || PINNED.exec(image)?.[1] !== desired.image) return false;
  return deepEqualJson(existing, { ...desired, image });
}

/** Puts our init container first, replacing any older one of the same name; leaves an identical one untouched. */
function placeInitializer(doc: Document, spec: readonly (string | number)[], opts: InitializerOptions): void {
  const desired = initializerContainer(opts);
  const inits = ensureSeq(doc, [...spec, "initContainers"]);
  const first = inits.items[0];
  const others = inits.items.filter((it) => itemName(it) === INITIALIZER_NAME);
  if (
    others.length === 1 &&
    first === others[0] &&
    sameInjectedContainer((first as YAMLMap).toJSON(), desired)
  )
    return;
  inits.items = inits.items.filter((it) => itemName(it) !== INITIALIZER_NAME);
  inits.items.unshift(doc.createNode(desired));
}

/** Ensures an emptyDir volume `contrast-secrets` exists; another volume type under that name is an error. */
function ensureSecretsVolume(doc: Document, spec: readonly (string | number)[], loc: SourceLocation): void {
  const volumes = ensureSeq(doc, [...spec, "volumes"]);
  const index = volumes.items.findIndex((v) => itemName(v) === SECRETS_VOLUME);
  if (index < 0) {
    volumes.items.push(doc.createNode({ name: SECRETS_VOLUME, emptyDir: { medium: "Memory" } }));
    return;
  }
  const vol = volumes.items[index] as YAMLMap;
  const keys = vol.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key));
  if (!keys.includes("emptyDir") || keys.some((k) => k !== "name" && k !== "emptyDir")) {
    throw new ConfigError(
      "contrast_secrets_volume_conflict",
      `${describeLocation(loc)}: volume ${SECRETS_VOLUME} expected emptyDir, got ${keys.filter((k) => k !== "name").join(", ") || "no source"}`,
      { field: locationField(loc, [...spec.map(String), "volumes", index]) },
    );
  }
}

/** Mounts the secrets volume at /contrast in one container unless it is already mounted there. */
function mountSecrets(doc: Document, container: readonly (string | number)[], loc: SourceLocation): void {
  const mounts = ensureSeq(doc, [...container, "volumeMounts"]);
  const jsons = mounts.items.map((m) => (isMap(m) ? (m.toJSON() as Record<string, unknown>) : {}));
  const ours = jsons.find((m) => m.name === SECRETS_VOLUME);
  if (ours !== undefined) return;
  const clash = jsons.findIndex((m) => m.mountPath === SECRETS_MOUNT_PATH);
  if (clash >= 0) {
    throw new ConfigError(
      "contrast_mount_conflict",
      `${describeLocation(loc)}: mountPath ${SECRETS_MOUNT_PATH} expected volume ${SECRETS_VOLUME}, got ${String(jsons[clash]?.name)}`,
      { field: locationField(loc, [...container.map(String), "volumeMounts", clash]) },
    );
  }
  mounts.items.push(doc.createNode({ name: SECRETS_VOLUME, mountPath: SECRETS_MOUNT_PATH }));
}

/**
 * Injects the Initializer into the pod template at `templatePath` (Document paths).
 * Idempotent: a second call on the result changes nothing.
 */
export function injectInitializer(
  doc: Document,
  templatePath: readonly string[],
  opts: InitializerOptions,
  loc: SourceLocation,
): void {
  const spec = [...templatePath, "spec"];
  ensureSecretsVolume(doc, spec, loc);
  placeInitializer(doc, spec, opts);
  for (const list of ["initContainers", "containers"] as const) {
    const seq = seqAt(doc, [...spec, list]);
    seq?.items.forEach((item, i) => {
      if (list === "initContainers" && i === 0 && itemName(item) === INITIALIZER_NAME) return;
      mountSecrets(doc, [...spec, list, i], loc);
    });
  }
}
