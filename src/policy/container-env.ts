// Environment of one container as the runtime will build it: image env, HOSTNAME, envFrom, env with valueFrom and `$(VAR)` (Kata Containers src/tools/genpolicy/src/containerd.rs).

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

/** A variable whose ConfigMap or Secret is not among the inputs, allowed any value (`--unpinned-env-from-missing`). */
export interface UnpinnedEnv {
  readonly name: string;
  /** `Secret <name> key <key>` or `ConfigMap <name> key <key>`. */
  readonly source: string;
}

export interface EnvOptions {
  /** Allow any value for variables whose source object is absent from the inputs, instead of refusing. */
  readonly unpinnedFromMissing?: boolean;
}

export interface EnvPolicy {
  readonly patterns: readonly ValuePattern[];
  readonly unpinned: readonly UnpinnedEnv[];
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

/** Any value at all, newlines included (a Secret may hold a PEM key). */
const ANY_VALUE = "[\\s\\S]*";

function valueFromSource(
  e: EnvVarLike,
  sources: ConfigSources,
  pod: PodFacts,
  opts: EnvOptions,
  unpinned: UnpinnedEnv[],
  where: string,
): PartialValue | undefined {
  const vf = e.valueFrom;
  if (vf === undefined) return undefined;
  if (vf.fieldRef !== undefined) return fieldRefValue(vf.fieldRef.fieldPath, pod, where);
  if (vf.resourceFieldRef !== undefined) return runtime("[0-9]+");
  const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
  if (ref === undefined) return fail(where, `env ${e.name} expected a supported valueFrom source`);
  const what = vf.configMapKeyRef !== undefined ? "ConfigMap" : "Secret";
  const name = ref.name ?? "";
  const map = (vf.configMapKeyRef !== undefined ? sources.configMaps : sources.secrets).get(
    configSourceKey(pod.namespace, name),
  );
  const v = map?.[ref.key];
  if (v !== undefined) return literal(v);
  if (ref.optional === true) return undefined;
  // The object is among the inputs but lacks the key: the kubelet would refuse to start the container.
  if (map !== undefined)
    return fail(where, `env ${e.name} expected key ${ref.key} in ${what} ${name}, got none`);
  if (opts.unpinnedFromMissing === true) {
    unpinned.push({ name: e.name, source: `${what} ${name} key ${ref.key}` });
    return runtime(ANY_VALUE);
  }
  return fail(
    where,
    `env ${e.name} expected ${what} ${name} (key ${ref.key}) among the inputs, got none; either add the ${what} to the inputs (its value is then pinned in the policy and readable in the pod's initdata annotation) or pass --unpinned-env-from-missing to let the host choose this value while the variable name stays pinned`,
  );
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
      const what = ef.configMapRef !== undefined ? "ConfigMap" : "Secret";
      fail(
        where,
        `envFrom expected ${what} ${ref.name ?? ""} among the inputs, got none; add the ${what} to the inputs (its values are then pinned in the policy and readable in the pod's initdata annotation; --unpinned-env-from-missing cannot help here: without the ${what} not even the variable names are known)`,
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
  opts: EnvOptions,
  unpinned: UnpinnedEnv[],
  where: string,
): Map<string, PartialValue> {
  const vars = new Map<string, PartialValue>();
  for (const [k, v] of envFromEntries(c, sources, pod.namespace, where)) vars.set(k, v);
  for (const e of c.env ?? []) {
    const fromSource = valueFromSource(e, sources, pod, opts, unpinned, where);
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
  opts: EnvOptions = {},
): EnvPolicy {
  const final = new Map<string, PartialValue>();
  for (const entry of image.Env ?? [defaultPathEnv]) {
    const [k, v] = splitEnv(entry);
    final.set(k, literal(v));
  }
  final.set("HOSTNAME", pod.hostname !== undefined ? literal(pod.hostname) : runtime(HOSTNAME));
  if (c.tty === true) final.set("TERM", literal("xterm"));
  const unpinned: UnpinnedEnv[] = [];
  const vars = kubeletEnv(c, sources, pod, opts, unpinned, where);
  for (const [k, v] of vars) final.set(k, v);
  // A later env entry may pin a name an unpinned one had; only names still unpinned at the end count.
  const isAny = (v: PartialValue | undefined) => {
    const p = v?.length === 1 ? v[0] : undefined;
    return p !== undefined && "re" in p && p.re === ANY_VALUE;
  };
  const open = unpinned.filter(
    (u, i) => isAny(final.get(u.name)) && unpinned.findLastIndex((x) => x.name === u.name) === i,
  );
  const patterns = [...final].map(([k, v]): ValuePattern => {
    const p = toPattern(v, `${k}=`);
    const u = open.find((x) => x.name === k);
    return u === undefined || !("regex" in p) ? p : { ...p, from: u.source };
  });
  return { patterns, names: [...final.keys()], vars, unpinned: open };
}
