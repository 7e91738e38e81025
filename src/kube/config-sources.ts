// ConfigMaps and Secrets found in the input, indexed for env var resolution (`configMapKeyRef`, `secretKeyRef`, `envFrom`).

import { ParseError } from "../common/errors.ts";
import { asRecord, type KubeObject } from "./kube-object.ts";
import { describeLocation } from "./source-location.ts";

export interface ConfigSources {
  /** key `<namespace>/<name>` → data (Secrets already base64-decoded). */
  readonly configMaps: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export function configSourceKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? "default"}/${name}`;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(asRecord(v) ?? {})) {
    if (typeof val === "string") out[k] = val;
    else if (typeof val === "number" || typeof val === "boolean") out[k] = String(val);
  }
  return out;
}

function decodeSecretData(obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(stringMap(obj.value.data))) {
    const clean = v.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
      throw new ParseError(
        "secret_data_not_base64",
        `${describeLocation({ file: obj.doc.file, docIndex: obj.doc.docIndex, kind: obj.kind, name: obj.name })}: data.${k} expected base64, got invalid text`,
      );
    }
    out[k] = Buffer.from(clean, "base64").toString("utf8");
  }
  // stringData wins over data, as the API server merges it.
  return { ...out, ...stringMap(obj.value.stringData) };
}

/** Collects every core/v1 ConfigMap and Secret. */
export function collectConfigSources(objects: readonly KubeObject[]): ConfigSources {
  const configMaps = new Map<string, Record<string, string>>();
  const secrets = new Map<string, Record<string, string>>();
  for (const obj of objects) {
    if (obj.apiVersion !== "v1") continue;
    if (obj.kind === "ConfigMap")
      configMaps.set(configSourceKey(obj.namespace, obj.name), stringMap(obj.value.data));
    if (obj.kind === "Secret") secrets.set(configSourceKey(obj.namespace, obj.name), decodeSecretData(obj));
  }
  return { configMaps, secrets };
}
