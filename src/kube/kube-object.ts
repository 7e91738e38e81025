// One parsed Kubernetes object with its identity (group/version/kind/namespace/name) and source location.

import type { ParsedDocument } from "./yaml-documents.ts";

export interface KubeObject {
  readonly doc: ParsedDocument;
  readonly value: Record<string, unknown>;
  readonly apiVersion: string;
  readonly kind: string;
  /** `metadata.namespace`, or undefined when the object does not name one. */
  readonly namespace: string | undefined;
  /** `metadata.name`, or `metadata.generateName` for generated names, or "" */
  readonly name: string;
  readonly generateName: string | undefined;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Builds a KubeObject view of a document; returns undefined for empty or non-mapping documents. */
export function toKubeObject(doc: ParsedDocument): KubeObject | undefined {
  const value = asRecord(doc.value);
  if (value === undefined) return undefined;
  const meta = asRecord(value.metadata) ?? {};
  const name = typeof meta.name === "string" ? meta.name : "";
  const generateName = typeof meta.generateName === "string" ? meta.generateName : undefined;
  return {
    doc,
    value,
    apiVersion: typeof value.apiVersion === "string" ? value.apiVersion : "",
    kind: typeof value.kind === "string" ? value.kind : "",
    namespace: typeof meta.namespace === "string" ? meta.namespace : undefined,
    name,
    generateName,
  };
}

/** `<group or core>/<version>` split out of apiVersion (`apps/v1` → apps, v1; `v1` → core, v1). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return { group: "core", version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export { asRecord };
