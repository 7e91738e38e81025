// Schema validation of workload, ConfigMap and Secret objects with kubernetes-models (JSON schema, not hand-written checks).

import { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "kubernetes-models/apps/v1";
import { CronJob, Job } from "kubernetes-models/batch/v1";
import { ConfigMap, Pod, ReplicationController, Secret } from "kubernetes-models/v1";
import { ConfigError } from "../common/errors.ts";
import { describeLocation, type SourceLocation } from "./source-location.ts";

interface Validatable {
  validate(): void;
}
type ModelConstructor = new (data: never) => Validatable;

const MODELS: Readonly<Record<string, ModelConstructor>> = {
  "v1/Pod": Pod as unknown as ModelConstructor,
  "v1/ReplicationController": ReplicationController as unknown as ModelConstructor,
  "v1/ConfigMap": ConfigMap as unknown as ModelConstructor,
  "v1/Secret": Secret as unknown as ModelConstructor,
  "apps/v1/Deployment": Deployment as unknown as ModelConstructor,
  "apps/v1/StatefulSet": StatefulSet as unknown as ModelConstructor,
  "apps/v1/DaemonSet": DaemonSet as unknown as ModelConstructor,
  "apps/v1/ReplicaSet": ReplicaSet as unknown as ModelConstructor,
  "batch/v1/Job": Job as unknown as ModelConstructor,
  "batch/v1/CronJob": CronJob as unknown as ModelConstructor,
};

interface AjvIssue {
  instancePath?: string;
  message?: string;
}

/**
 * Validates `value` against the Kubernetes schema of its apiVersion/kind.
 * Throws ConfigError `k8s_schema_invalid` naming the document and the first failing path.
 */
export function validateObject(value: Record<string, unknown>, loc: SourceLocation): void {
  const key = `${String(value.apiVersion)}/${String(value.kind)}`;
  const Model = MODELS[key];
  if (Model === undefined) {
    throw new ConfigError(
      "k8s_schema_unknown",
      `${describeLocation(loc)}: no schema for apiVersion/kind, expected one of ${Object.keys(MODELS).join(", ")}, got ${key}`,
    );
  }
  try {
    new Model(value as never).validate();
  } catch (e) {
    const issues = (e as { errors?: AjvIssue[] }).errors ?? [];
    const first = issues[0];
    const where = first?.instancePath?.replace(/^\//, "").replaceAll("/", ".") ?? "";
    throw new ConfigError(
      "k8s_schema_invalid",
      `${describeLocation(loc)}: ${where === "" ? "object" : where} ${first?.message ?? "is invalid"}`,
      { field: where === "" ? undefined : `${loc.file}#${loc.docIndex}.${where}`, cause: e },
    );
  }
}
