// Test helper: Kata fixture requests → full agent inputs, and a TypeScript reading of our rules.rego's CreateContainerRequest
// checks so the fixtures can be asserted against policy data before the Rego evaluator runs them end to end.

import type { ContainerPolicy, PolicyData } from "../../src/policy/pod-policy-data.ts";
import type { ValuePattern } from "../../src/policy/value-pattern.ts";

type Json = Record<string, unknown>;

function isPlain(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Missing keys take the default; nested messages are filled recursively; present values win. */
function fill(obj: Json | undefined, defaults: Json): Json {
  const out: Json = { ...(obj ?? {}) };
  for (const [k, d] of Object.entries(defaults)) {
    const v = out[k];
    if (v === undefined) out[k] = d;
    else if (isPlain(d) && isPlain(v) && Object.keys(d).length > 0) out[k] = fill(v, d);
  }
  return out;
}

/** Protobuf defaults for absent fields (REQUESTS.md: Kata's harness fills them in the same way). */
export function normalizeCreateContainer(req: Json): Json {
  const oci = (req.OCI ?? {}) as Json;
  const proc = (oci.Process ?? {}) as Json;
  const linux = (oci.Linux ?? {}) as Json;
  return fill(req, {
    container_id: "",
    exec_id: "",
    string_user: null,
    devices: [],
    storages: [],
    shared_mounts: [],
    sandbox_pidns: false,
    stdin_port: 0,
    stdout_port: 0,
    stderr_port: 0,
    OCI: fill(oci, {
      Version: "",
      Hostname: "",
      Annotations: {},
      Mounts: [],
      Hooks: null,
      Solaris: null,
      Windows: null,
      Root: fill(oci.Root as Json, { Path: "", Readonly: false }),
      Process: fill(proc, {
        Terminal: false,
        ConsoleSize: null,
        User: fill(proc.User as Json, { UID: 0, GID: 0, AdditionalGids: [], Username: "" }),
        Args: [],
        Env: [],
        Cwd: "",
        Capabilities: fill(proc.Capabilities as Json, {
          Ambient: [],
          Bounding: [],
          Effective: [],
          Inheritable: [],
          Permitted: [],
        }),
        Rlimits: [],
        NoNewPrivileges: false,
        ApparmorProfile: "",
        OOMScoreAdj: 0,
        SelinuxLabel: "",
      }),
      Linux: fill(linux, {
        UIDMappings: [],
        GIDMappings: [],
        Sysctl: {},
        Resources: fill(linux.Resources as Json, {
          Devices: [],
          Pids: null,
          BlockIO: null,
          Network: null,
          HugepageLimits: [],
        }),
        CgroupsPath: "",
        Namespaces: [],
        Devices: [],
        Seccomp: null,
        RootfsPropagation: "",
        MaskedPaths: [],
        ReadonlyPaths: [],
        MountLabel: "",
        IntelRdt: null,
      }),
    }),
  });
}

export interface Decision {
  readonly allowed: boolean;
  /** Names of the checks that failed (empty when allowed). */
  readonly failed: readonly string[];
  readonly state: Readonly<Record<string, unknown>>;
}

const re = (pattern: string, s: string) => new RegExp(pattern, "u").test(s);
const patternOk = (p: ValuePattern, v: string) => ("exact" in p ? p.exact === v : re(p.regex, v));
const sameSet = (a: readonly unknown[], b: readonly unknown[]) =>
  new Set(a.map(String)).size === new Set(b.map(String)).size &&
  a.every((x) => b.map(String).includes(String(x)));

function policyIndex(data: PolicyData, a: Record<string, string>): number | undefined {
  if (a["io.kubernetes.cri.container-type"] === "sandbox") return 0;
  if (a["io.kubernetes.cri.container-type"] !== "container") return undefined;
  const i = data.containers.findIndex((c) => !c.sandbox && c.name === a["io.kubernetes.cri.container-name"]);
  return i < 0 ? undefined : i;
}

function checkProcess(p: ContainerPolicy, proc: Json, data: PolicyData, failed: string[]): void {
  const user = proc.User as Json;
  const args = proc.Args as string[];
  const env = proc.Env as string[];
  if (
    args.length !== p.Process.Args.length ||
    !args.every((a, i) => patternOk(p.Process.Args[i] as ValuePattern, a))
  )
    failed.push("args");
  if (proc.Cwd !== p.Process.Cwd) failed.push("cwd");
  if (proc.NoNewPrivileges !== p.Process.NoNewPrivileges) failed.push("no_new_privileges");
  if (user.UID !== p.Process.User.UID || user.GID !== p.Process.User.GID) failed.push("user");
  if (!sameSet(user.AdditionalGids as number[], p.Process.User.AdditionalGids))
    failed.push("additional_gids");
  const allowedEnv = (e: string) =>
    p.Process.Env.some((pt) => patternOk(pt, e)) ||
    (!p.Process.env_names.includes(e.split("=")[0] ?? "") &&
      data.request_defaults.CreateContainerRequest.allow_env_regex.some((r) => re(r, e)));
  if (!env.every(allowedEnv)) failed.push("env_extra");
  if (!p.sandbox && !p.Process.Env.every((pt) => env.some((e) => patternOk(pt, e))))
    failed.push("env_missing");
  const caps = proc.Capabilities as Record<string, string[]>;
  for (const k of ["Ambient", "Bounding", "Effective", "Inheritable", "Permitted"] as const) {
    if (!sameSet(caps[k] ?? [], p.Process.Capabilities[k])) failed.push(`caps_${k}`);
  }
}

function checkMounts(
  p: ContainerPolicy,
  mounts: Json[],
  bundle: string,
  sandbox: string,
  data: PolicyData,
  failed: string[],
): void {
  const expand = (r: string) => r.replaceAll("$(bundle-id)", bundle).replaceAll("$(sandbox-id)", sandbox);
  for (const m of mounts) {
    const ok = p.Mounts.some((pm) => {
      if (
        pm.destination !== m.destination ||
        pm.type_ !== m.type_ ||
        !re(expand(pm.source), String(m.source))
      )
        return false;
      const have = m.options as string[];
      if (sameSet(have, pm.options)) return true;
      const extra = have.filter((o) => !pm.options.includes(o));
      return (
        pm.type_ === "cgroup" &&
        pm.options.every((o) => have.includes(o)) &&
        extra.every((o) => data.common.cgroup_mount_extras_allowed.includes(o))
      );
    });
    if (!ok) failed.push(`mount ${String(m.destination)}`);
  }
}

function checkStorages(
  p: ContainerPolicy,
  storages: Json[],
  root: string,
  data: PolicyData,
  failed: string[],
): void {
  if (p.sandbox) {
    const ok =
      storages.length <= 1 &&
      storages.every(
        (s) =>
          s.driver === "image_guest_pull" &&
          s.mount_point === root &&
          re(data.sandbox.image_source_regex, String(s.source)),
      );
    if (!ok) failed.push("storages");
    return;
  }
  const pulls = storages.filter((s) => s.driver === "image_guest_pull");
  const pull = pulls[0];
  if (
    pulls.length !== 1 ||
    pull === undefined ||
    String(pull.source).split("@")[1] !== p.image?.digest ||
    pull.mount_point !== root
  )
    failed.push("image");
}

/** TypeScript reading of rules.rego CreateContainerRequest; `state` plays the role of data.pstate. */
export function decideCreateContainer(
  data: PolicyData,
  input: Json,
  state: Record<string, unknown>,
): Decision {
  const failed: string[] = [];
  const oci = input.OCI as Json;
  const a = oci.Annotations as Record<string, string>;
  const idx = policyIndex(data, a);
  const p = idx === undefined ? undefined : data.containers[idx];
  if (p === undefined) return { allowed: false, failed: ["container"], state };
  const root = (oci.Root as Json).Path as string;
  const bundle = new RegExp(`^/run/kata-containers/(${data.common.bundle_id_regex})/rootfs$`, "u").exec(
    root,
  )?.[1];
  const sandboxId = a["io.kubernetes.cri.sandbox-id"] ?? "";
  if (bundle === undefined) failed.push("root_path");
  if (!/^[0-9a-f]{64}$/.test(sandboxId)) failed.push("sandbox_id");
  if ((oci.Root as Json).Readonly !== p.Root.Readonly) failed.push("root_readonly");
  const name = a["io.kubernetes.cri.sandbox-name"] ?? "";
  const ns = a["io.kubernetes.cri.sandbox-namespace"] ?? "";
  if (!re(data.pod.name_regex, name)) failed.push("sandbox_name");
  if (data.pod.namespace !== "" && data.pod.namespace !== ns) failed.push("namespace");
  checkProcess(p, oci.Process as Json, data, failed);
  checkMounts(p, oci.Mounts as Json[], bundle ?? "", sandboxId, data, failed);
  checkStorages(p, input.storages as Json[], root, data, failed);
  const linux = oci.Linux as Json;
  const namespaces = linux.Namespaces as { Type: string; Path: string }[];
  const types = namespaces.map((n) => n.Type).filter((t) => t !== "network" && t !== "cgroup");
  if (JSON.stringify(types) !== JSON.stringify(p.Namespaces)) failed.push("namespaces");
  if (!p.MaskedPaths.every((m) => (linux.MaskedPaths as string[]).includes(m))) failed.push("masked_paths");
  for (const [k, v] of Object.entries(linux.Sysctl as Record<string, string>))
    if (p.Sysctl[k] !== v) failed.push(`sysctl ${k}`);
  const nets = namespaces.filter((n) => n.Type === "network");
  if (nets.length > 1) failed.push("network_namespace");
  const next = { ...state };
  const pin = (k: string, v: unknown) => {
    if (k in next && next[k] !== v) failed.push(`state ${k}`);
    next[k] = v;
  };
  pin("sandbox_name", name);
  pin("namespace", ns);
  if (p.sandbox) pin("network_namespace", nets[0]?.Path ?? "");
  else if (nets[0] !== undefined) pin("network_namespace", nets[0].Path);
  next[String(input.container_id)] = idx;
  return failed.length === 0 ? { allowed: true, failed, state: next } : { allowed: false, failed, state };
}
