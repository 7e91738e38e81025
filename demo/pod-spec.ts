// What the demo's kubelet reads from the YAML `generate` wrote: pods, their containers, volumes and initdata, and the
// Kubernetes rules that turn a container spec plus its image config into a process (command/args vs.
// Entrypoint/Cmd, env, working dir, memory limit).

import { gunzipSync } from "node:zlib";
import { parseAllDocuments } from "yaml";
import { ConfigError } from "../src/common/errors.ts";
import type { ImageConfig } from "./oci-layout.ts";

/** Kata's initdata annotation: base64(gzip(TOML)); the sim TEE binds its SHA-256 as HOST_DATA. */
export const INITDATA_ANNOTATION = "io.katacontainers.config.hypervisor.cc_init_data";

export interface Probe {
  readonly exec?: readonly string[];
  readonly httpGet?: { readonly path: string; readonly port: number };
  readonly periodSeconds: number;
  readonly failureThreshold: number;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly volumeMounts: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly: boolean;
  }[];
  readonly capabilitiesAdd: readonly string[];
  /** `Always` on an init container: a native sidecar (started, probed, left running). */
  readonly restartPolicy?: string;
  readonly startupProbe?: Probe;
  readonly memoryLimitBytes?: number;
}

export interface PodSpec {
  /** Pod name: a Deployment's name, a StatefulSet's `<name>-0`. */
  readonly name: string;
  /** The workload's name (what its Service would be called). */
  readonly workload: string;
  readonly runtimeClassName?: string;
  readonly initdata?: Uint8Array;
  readonly initContainers: readonly ContainerSpec[];
  readonly containers: readonly ContainerSpec[];
  /** Every volume name the pod has: emptyDir volumes and a StatefulSet's volume claims. */
  readonly volumes: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface ServiceSpec {
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);

const QUANTITY = /^([0-9]+)(Ki|Mi|Gi|k|M|G)?$/;
const FACTOR: Record<string, number> = {
  "": 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
};

/** A Kubernetes memory quantity (`50Mi`, `1G`, `1048576`) in bytes; the forms the generated YAML uses. */
export function parseQuantity(q: string): number {
  const m = QUANTITY.exec(q);
  if (m === null)
    throw new ConfigError(
      "demo_invalid_quantity",
      `resources.limits.memory: expected e.g. 50Mi, got ${JSON.stringify(q)}`,
    );
  return Number(m[1]) * FACTOR[m[2] ?? ""]!;
}

function parseProbe(v: unknown): Probe | undefined {
  const p = obj(v);
  if (Object.keys(p).length === 0) return undefined;
  const http = obj(p.httpGet);
  return {
    ...(p.exec !== undefined ? { exec: strs(obj(p.exec).command) ?? [] } : {}),
    ...(p.httpGet !== undefined
      ? { httpGet: { path: String(http.path ?? "/"), port: Number(http.port) } }
      : {}),
    periodSeconds: Number(p.periodSeconds ?? 10),
    failureThreshold: Number(p.failureThreshold ?? 3),
  };
}

function parseContainer(v: unknown): ContainerSpec {
  const c = obj(v);
  const limit = obj(obj(c.resources).limits).memory;
  return {
    name: String(c.name),
    image: String(c.image),
    ...(c.command !== undefined ? { command: strs(c.command) } : {}),
    ...(c.args !== undefined ? { args: strs(c.args) } : {}),
    env: list(c.env).map((e) => ({ name: String(obj(e).name), value: String(obj(e).value ?? "") })),
    volumeMounts: list(c.volumeMounts).map((m) => ({
      name: String(obj(m).name),
      mountPath: String(obj(m).mountPath),
      readOnly: obj(m).readOnly === true,
    })),
    capabilitiesAdd: strs(obj(obj(c.securityContext).capabilities).add) ?? [],
    ...(typeof c.restartPolicy === "string" ? { restartPolicy: c.restartPolicy } : {}),
    ...(c.startupProbe !== undefined ? { startupProbe: parseProbe(c.startupProbe) } : {}),
    ...(limit !== undefined ? { memoryLimitBytes: parseQuantity(String(limit)) } : {}),
  };
}

/** base64(gzip(TOML)) → the document's bytes, exactly as the runtime hands them to the guest. */
export function decodeInitdata(annotation: string): Uint8Array {
  return new Uint8Array(gunzipSync(Buffer.from(annotation, "base64")));
}

/** The pods of every Pod, Deployment and StatefulSet in a multi-document YAML text (Services etc. are skipped). */
export function readPods(yamlText: string): PodSpec[] {
  const pods: PodSpec[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if ("errors" in doc && doc.errors.length > 0) throw doc.errors[0];
    const o = obj(doc.toJS());
    const kind = o.kind;
    if (kind !== "Pod" && kind !== "Deployment" && kind !== "StatefulSet") continue;
    const workload = String(obj(o.metadata).name);
    const template = kind === "Pod" ? o : obj(obj(o.spec).template);
    const spec = obj(template.spec);
    const initdata = obj(obj(template.metadata).annotations)[INITDATA_ANNOTATION];
    const claims = list(obj(o.spec).volumeClaimTemplates).map((t) => String(obj(obj(t).metadata).name));
    pods.push({
      name: kind === "StatefulSet" ? `${workload}-0` : workload,
      workload,
      ...(typeof spec.runtimeClassName === "string" ? { runtimeClassName: spec.runtimeClassName } : {}),
      ...(typeof initdata === "string" ? { initdata: decodeInitdata(initdata) } : {}),
      initContainers: list(spec.initContainers).map(parseContainer),
      containers: list(spec.containers).map(parseContainer),
      volumes: [...list(spec.volumes).map((v) => String(obj(v).name)), ...claims],
      labels: stringMap(obj(template.metadata).labels),
    });
  }
  return pods;
}

function stringMap(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, String(x)]));
}

/** The Services in a multi-document YAML text (name and selector: what decides which pods a name reaches). */
export function readServices(yamlText: string): ServiceSpec[] {
  return parseAllDocuments(yamlText)
    .map((d) => obj(d.toJS()))
    .filter((o) => o.kind === "Service")
    .map((o) => ({ name: String(obj(o.metadata).name), selector: stringMap(obj(o.spec).selector) }));
}

/** The Service names each pod is reachable under: a Service selects a pod when the pod has all its labels. */
export function serviceNames(
  pods: readonly PodSpec[],
  services: readonly ServiceSpec[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pod of pods) {
    const names = services
      .filter((s) => Object.keys(s.selector).length > 0)
      .filter((s) => Object.entries(s.selector).every(([k, v]) => pod.labels[k] === v))
      .map((s) => s.name);
    out.set(pod.name, names);
  }
  return out;
}

/**
 * The container's process as Kubernetes defines it: `command` replaces the image's Entrypoint (and drops its Cmd),
 * `args` replaces Cmd; the container's env overrides the image's variable of the same name; `extraEnv` (what the
 * runtime adds, e.g. the sim TEE) comes last.
 */
export function containerProcess(
  c: ContainerSpec,
  image: ImageConfig,
  extraEnv: readonly { name: string; value: string }[] = [],
): { args: string[]; env: string[]; cwd: string } {
  const args =
    c.command !== undefined
      ? [...c.command, ...(c.args ?? [])]
      : [...image.entrypoint, ...(c.args !== undefined ? c.args : image.cmd)];
  if (args.length === 0)
    throw new ConfigError(
      "demo_no_command",
      `container ${c.name}: expected a command, got none from spec or image`,
    );
  const env = new Map<string, string>();
  for (const kv of image.env) {
    const eq = kv.indexOf("=");
    env.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? "" : kv.slice(eq + 1));
  }
  for (const e of [...c.env, ...extraEnv]) env.set(e.name, e.value);
  return { args, env: [...env].map(([k, v]) => `${k}=${v}`), cwd: image.workingDir };
}
