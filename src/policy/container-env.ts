// Environment of one container as the runtime will build it: image env, HOSTNAME, envFrom, env with valueFrom and `$(VAR)` (policy.md §3.5).

import type { IContainer } from "kubernetes-models/v1/Container";
import { ConfigError } from "../common/errors.ts";
import { type ConfigSources, configSourceKey } from "../kube/config-sources.ts";
import { expandVars } from "./expand-vars.ts";
import type { ImageConfig } from "./image/image-config.ts";
import { literal, type PartialValue, runtime, toPattern, type ValuePattern } from "./value-pattern.ts";

// Dotted decimal as Go's IP.String() writes it (no leading zeros), so "010.0.0.1" is not read as octal 8.0.0.1.
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const IPV4 = `(?:${OCTET}\\.){3}${OCTET}`;
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const DNS_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = "[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?";

/** What the pod's metadata tells us, for `fieldRef` values. */
export interface PodFacts {
  readonly nameRegex: string;
  readonly exactName: string | undefined;
  readonly namespace: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly serviceAccountName: string;
  readonly hostname: string | undefined;
}

export interface EnvPolicy {
  readonly patterns: readonly ValuePattern[];
  /** Names set by spec or image; run-time regexes (service links) may not set them. */
  readonly names: readonly string[];
  /** Variables known to the kubelet, for `$(VAR)` in command and args. */
  readonly vars: ReadonlyMap<string, PartialValue>;
}

function fail(where: string, msg: string): never {
  throw new ConfigError("env_unresolvable", `${where}: ${msg}`);
}

function stripRegexAnchors(r: string): string {
  return r.replace(/^\^/, "").replace(/\$$/, "");
}

function fieldRefValue(path: string, pod: PodFacts, where: string): PartialValue {
  const sel = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (sel !== null) {
    const map = sel[1] === "labels" ? pod.labels : pod.annotations;
    const v = map[sel[2] as string];
    if (v !== undefined) return literal(v);
    if (sel[1] === "annotations") return runtime(".*");
    return fail(where, `fieldRef ${path} expected a label present in the pod template, got none`);
  }
  switch (path) {
    case "metadata.name":
      return pod.exactName !== undefined ? literal(pod.exactName) : runtime(stripRegexAnchors(pod.nameRegex));
    case "metadata.namespace":
      return pod.namespace !== undefined ? literal(pod.namespace) : runtime(DNS_LABEL);
    case "metadata.uid":
      return runtime(UUID);
    case "spec.nodeName":
      return runtime(".+");
    case "spec.serviceAccountName":
      return literal(pod.serviceAccountName);
    case "status.hostIP":
    case "status.podIP":
      return runtime(IPV4);
    case "status.hostIPs":
    case "status.podIPs":
      return runtime(`${IPV4}(?:,[0-9a-fA-F:.]+)*`);
    default:
      return fail(where, `fieldRef expected a supported fieldPath, got ${path}`);
  }
}

type EnvVarLike = NonNullable<IContainer["env"]>[number];

function valueFromSource(
  e: EnvVarLike,
  sources: ConfigSources,
  ns: string | undefined,
  pod: PodFacts,
  where: string,
): PartialValue | undefined {
  const vf = e.valueFrom;
  if (vf === undefined) return undefined;
  if (vf.fieldRef !== undefined) return fieldRefValue(vf.fieldRef.fieldPath, pod, where);
  if (vf.resourceFieldRef !== undefined) return runtime("[0-9]+");
  const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
  if (ref !== undefined) {
    const map = (vf.configMapKeyRef !== undefined ? sources.configMaps : sources.secrets).get(
      configSourceKey(ns, ref.name ?? ""),
    );
    const v = map?.[ref.key];
    if (v !== undefined) return literal(v);
    if (ref.optional === true) return undefined;
    const what = vf.configMapKeyRef !== undefined ? "ConfigMap" : "Secret";
    return fail(
      where,
      `env ${e.name} expected key ${ref.key} in ${what} ${ref.name ?? ""} of the input, got none`,
    );
  }
  return fail(where, `env ${e.name} expected a supported valueFrom source`);
}

function envFromEntries(
  c: IContainer,
  sources: ConfigSources,
  ns: string | undefined,
  where: string,
): [string, PartialValue][] {
  const out: [string, PartialValue][] = [];
  for (const ef of c.envFrom ?? []) {
    const ref = ef.configMapRef ?? ef.secretRef;
    if (ref === undefined) continue;
    const map = (ef.configMapRef !== undefined ? sources.configMaps : sources.secrets).get(
      configSourceKey(ns, ref.name ?? ""),
    );
    if (map === undefined) {
      if (ref.optional === true) continue;
      fail(
        where,
        `envFrom expected ${ef.configMapRef !== undefined ? "ConfigMap" : "Secret"} ${ref.name ?? ""} in the input, got none`,
      );
    }
    for (const [k, v] of Object.entries(map)) out.push([`${ef.prefix ?? ""}${k}`, literal(v)]);
  }
  return out;
}

/** The kubelet's view: envFrom then env, later entries override earlier ones, `$(VAR)` refers to earlier entries. */
function kubeletEnv(
  c: IContainer,
  sources: ConfigSources,
  pod: PodFacts,
  where: string,
): Map<string, PartialValue> {
  const vars = new Map<string, PartialValue>();
  for (const [k, v] of envFromEntries(c, sources, pod.namespace, where)) vars.set(k, v);
  for (const e of c.env ?? []) {
    const fromSource = valueFromSource(e, sources, pod.namespace, pod, where);
    if (e.valueFrom !== undefined && fromSource === undefined) continue;
    vars.set(e.name, fromSource ?? expandVars(e.value ?? "", vars));
  }
  return vars;
}

function splitEnv(entry: string): [string, string] {
  const eq = entry.indexOf("=");
  return eq < 0 ? [entry, ""] : [entry.slice(0, eq), entry.slice(eq + 1)];
}

/** Builds the container's env policy in the order the runtime assembles it. */
export function deriveContainerEnv(
  c: IContainer,
  image: ImageConfig,
  sources: ConfigSources,
  pod: PodFacts,
  defaultPathEnv: string,
  where: string,
): EnvPolicy {
  const final = new Map<string, PartialValue>();
  for (const entry of image.Env ?? [defaultPathEnv]) {
    const [k, v] = splitEnv(entry);
    final.set(k, literal(v));
  }
  final.set("HOSTNAME", pod.hostname !== undefined ? literal(pod.hostname) : runtime(HOSTNAME));
  if (c.tty === true) final.set("TERM", literal("xterm"));
  const vars = kubeletEnv(c, sources, pod, where);
  for (const [k, v] of vars) final.set(k, v);
  const patterns = [...final].map(([k, v]) => toPattern(v, `${k}=`));
  return { patterns, names: [...final.keys()], vars };
}
