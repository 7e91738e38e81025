// A container's environment as containerd assembles it: image env, HOSTNAME, TERM, then the kubelet's env (envFrom, env, service links).

import type { IContainer } from "kubernetes-models/v1/Container";
import { sha256 } from "../../common/digest.ts";
import { ConfigError } from "../../common/errors.ts";
import { configSourceKey } from "../../kube/config-sources.ts";
import { expandVars } from "../expand-vars.ts";
import type { ImageConfig } from "../image/image-config.ts";
import { literal, type PartialValue } from "../value-pattern.ts";
import type { PodInstance, ServiceLink } from "./pod-instance.ts";
import { CLUSTER, DEFAULT_PATH_ENV } from "./runtime-defaults.ts";

type EnvVar = NonNullable<IContainer["env"]>[number];

function fail(where: string, msg: string): never {
  throw new ConfigError("env_unresolvable", `${where}: ${msg}`);
}

function fieldRefValue(path: string, p: PodInstance, where: string): string {
  const sel = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (sel !== null) return (sel[1] === "labels" ? p.pod.labels : p.pod.annotations)[sel[2] as string] ?? "";
  const values: Record<string, string> = {
    "metadata.name": p.podName,
    "metadata.namespace": p.namespace,
    "metadata.uid": p.uid,
    "spec.nodeName": CLUSTER.nodeName,
    "spec.serviceAccountName": p.pod.spec.serviceAccountName ?? "default",
    "status.hostIP": CLUSTER.hostIP,
    "status.podIP": CLUSTER.podIP,
    "status.hostIPs": CLUSTER.hostIP,
    "status.podIPs": CLUSTER.podIP,
  };
  return values[path] ?? fail(where, `fieldRef expected a supported fieldPath, got ${path}`);
}

/** The value the kubelet resolves, or undefined for an optional reference that is absent. */
function sourceValue(e: EnvVar, p: PodInstance, where: string): string | undefined {
  const vf = e.valueFrom;
  if (vf === undefined) return undefined;
  if (vf.fieldRef !== undefined) return fieldRefValue(vf.fieldRef.fieldPath, p, where);
  if (vf.resourceFieldRef !== undefined) return "1";
  const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
  if (ref === undefined) return fail(where, `env ${e.name} expected a supported valueFrom source`);
  const what = vf.configMapKeyRef !== undefined ? "ConfigMap" : "Secret";
  const maps =
    vf.configMapKeyRef !== undefined ? p.pod.configSources.configMaps : p.pod.configSources.secrets;
  const map = maps.get(configSourceKey(p.pod.namespace, ref.name ?? ""));
  const v = map?.[ref.key];
  if (v !== undefined || ref.optional === true) return v;
  if (map !== undefined)
    fail(where, `env ${e.name} expected key ${ref.key} in ${what} ${ref.name ?? ""}, got none`);
  // Created out of band (generate --unpinned-env-from-missing): the cluster's kubelet would read the real value.
  return `value-of-${what.toLowerCase()}-${ref.name ?? ""}-${ref.key}`;
}

function envFrom(c: IContainer, p: PodInstance, where: string): [string, string][] {
  const out: [string, string][] = [];
  for (const ef of c.envFrom ?? []) {
    const ref = ef.configMapRef ?? ef.secretRef;
    if (ref === undefined) continue;
    const maps = ef.configMapRef !== undefined ? p.pod.configSources.configMaps : p.pod.configSources.secrets;
    const map = maps.get(configSourceKey(p.pod.namespace, ref.name ?? ""));
    if (map === undefined && ref.optional !== true)
      fail(where, `envFrom expected ${ref.name ?? ""} in the input, got none`);
    for (const [k, v] of Object.entries(map ?? {})) out.push([`${ef.prefix ?? ""}${k}`, v]);
  }
  return out;
}

function flatten(v: PartialValue): string {
  return v.map((part) => ("lit" in part ? part.lit : "")).join("");
}

/** Docker-link style variables for a Service (kubelet pkg/kubelet/envvars). */
function serviceLinkVars(s: ServiceLink, ip: string): [string, string][] {
  const base = s.name.toUpperCase().replaceAll("-", "_");
  const first = s.ports[0];
  if (first === undefined) return [];
  const out: [string, string][] = [
    [`${base}_SERVICE_HOST`, ip],
    [`${base}_SERVICE_PORT`, String(first.port)],
  ];
  for (const port of s.ports) {
    if (port.name)
      out.push([`${base}_SERVICE_PORT_${port.name.toUpperCase().replaceAll("-", "_")}`, String(port.port)]);
  }
  const proto = (first.protocol ?? "TCP").toLowerCase();
  out.push([`${base}_PORT`, `${proto}://${ip}:${first.port}`]);
  for (const port of s.ports) {
    const pr = (port.protocol ?? "TCP").toUpperCase();
    const pre = `${base}_PORT_${port.port}_${pr}`;
    out.push([pre, `${pr.toLowerCase()}://${ip}:${port.port}`]);
    out.push([`${pre}_PROTO`, pr.toLowerCase()]);
    out.push([`${pre}_PORT`, String(port.port)]);
    out.push([`${pre}_ADDR`, ip]);
  }
  return out;
}

/** A stable cluster IP per Service, so a pod's requests do not depend on which other files were read. */
function serviceIP(s: ServiceLink): string {
  const h = sha256(`${s.namespace ?? "default"}/${s.name}`);
  return `${CLUSTER.serviceIPPrefix}${((h[0] as number) % 250) + 1}.${((h[1] as number) % 250) + 2}`;
}

function serviceEnv(p: PodInstance): [string, string][] {
  const out = serviceLinkVars(
    { name: "kubernetes", namespace: "default", ports: [{ name: "https", port: 443 }] },
    CLUSTER.kubernetesServiceIP,
  );
  if (p.pod.spec.enableServiceLinks === false) return out;
  for (const s of p.pod.services) {
    if ((s.namespace ?? "default") !== p.namespace) continue;
    out.push(...serviceLinkVars(s, serviceIP(s)));
  }
  return out;
}

/** The kubelet's own list: envFrom, env (with `$(VAR)` over earlier entries), then service links it lacks. */
export function kubeletEnv(c: IContainer, p: PodInstance, where: string): Map<string, string> {
  const vars = new Map<string, string>(envFrom(c, p, where));
  for (const e of c.env ?? []) {
    const fromSource = sourceValue(e, p, where);
    if (e.valueFrom !== undefined && fromSource === undefined) continue;
    const known = new Map([...vars].map(([k, v]) => [k, literal(v)] as const));
    vars.set(e.name, fromSource ?? flatten(expandVars(e.value ?? "", known)));
  }
  for (const [k, v] of serviceEnv(p)) if (!vars.has(k)) vars.set(k, v);
  return vars;
}

/** `K=V` entries in containerd's order; a later key replaces an earlier one in place. */
export function containerEnv(
  c: IContainer,
  image: ImageConfig,
  kubelet: ReadonlyMap<string, string>,
  p: PodInstance,
): string[] {
  const env = new Map<string, string>();
  const put = (entry: string) => {
    const eq = entry.indexOf("=");
    env.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? "" : entry.slice(eq + 1));
  };
  for (const e of image.Env ?? [DEFAULT_PATH_ENV]) put(e);
  put(`HOSTNAME=${p.hostname}`);
  if (c.tty === true) put("TERM=xterm");
  for (const [k, v] of kubelet) env.set(k, v);
  return [...env].map(([k, v]) => `${k}=${v}`);
}
