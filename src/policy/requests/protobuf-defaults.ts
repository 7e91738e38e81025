// Fills absent request fields with protobuf defaults, as the agent's serde JSON always carries every field (Kata Containers src/libs/protocols/protos/agent.proto).
//
// Logged or hand-edited requests may be sparse (REQUESTS.md: Kata's harness fills them the same way). Present
// values are kept as they are, whatever their type: the policy decides about them, not this filler.

type Schema =
  | { readonly t: "value"; readonly d: unknown }
  | { readonly t: "msg"; readonly fields: Readonly<Record<string, Schema>>; readonly nullable: boolean }
  | { readonly t: "list"; readonly elem: Schema | undefined }
  | { readonly t: "map" };

const str: Schema = { t: "value", d: "" };
const num: Schema = { t: "value", d: 0 };
const bool: Schema = { t: "value", d: false };
const nul: Schema = { t: "value", d: null };
const map: Schema = { t: "map" };
const list = (elem?: Schema): Schema => ({ t: "list", elem });
const msg = (fields: Record<string, Schema>): Schema => ({ t: "msg", fields, nullable: false });
/** A singular sub-message that serialises as `null` when unset. */
const opt = (fields: Record<string, Schema>): Schema => ({ t: "msg", fields, nullable: true });

const USER = msg({ UID: num, GID: num, AdditionalGids: list(), Username: str });
const CAPS = { Bounding: list(), Effective: list(), Inheritable: list(), Permitted: list(), Ambient: list() };
const PROCESS_FIELDS = {
  Terminal: bool,
  ConsoleSize: opt({ Height: num, Width: num }),
  User: USER,
  Args: list(),
  Env: list(),
  Cwd: str,
  Capabilities: opt(CAPS),
  Rlimits: list(msg({ Type: str, Hard: num, Soft: num })),
  NoNewPrivileges: bool,
  ApparmorProfile: str,
  OOMScoreAdj: num,
  SelinuxLabel: str,
};
const STORAGE = msg({
  driver: str,
  driver_options: list(),
  source: str,
  fstype: str,
  options: list(),
  mount_point: str,
  fs_group: opt({ group_id: num, group_change_policy: num }),
  shared: bool,
});
const LINUX = msg({
  UIDMappings: list(),
  GIDMappings: list(),
  Sysctl: map,
  Resources: msg({
    Devices: list(),
    Memory: nul,
    CPU: nul,
    Pids: nul,
    BlockIO: nul,
    HugepageLimits: list(),
    Network: nul,
  }),
  CgroupsPath: str,
  Namespaces: list(msg({ Type: str, Path: str })),
  Devices: list(),
  Seccomp: nul,
  RootfsPropagation: str,
  MaskedPaths: list(),
  ReadonlyPaths: list(),
  MountLabel: str,
  IntelRdt: nul,
});
const OCI = msg({
  Version: str,
  Process: msg({ ...PROCESS_FIELDS, Capabilities: msg(CAPS) }),
  Root: msg({ Path: str, Readonly: bool }),
  Hostname: str,
  Mounts: list(msg({ destination: str, source: str, type_: str, options: list() })),
  Hooks: nul,
  Annotations: map,
  Linux: LINUX,
  Solaris: nul,
  Windows: nul,
});
const PORTS = { stdin_port: num, stdout_port: num, stderr_port: num };
const STRING_USER = opt({ uid: str, gid: str, additionalGids: list() });

// types.proto: enums are integers (family 0 = IPv4, 1 = IPv6).
const IP_ADDRESS = { family: num, address: str, mask: str };
const INTERFACE = {
  device: str,
  name: str,
  IPAddresses: list(msg(IP_ADDRESS)),
  mtu: num,
  hwAddr: str,
  devicePath: str,
  type_: str,
  raw_flags: num,
};
const ROUTE = msg({
  dest: str,
  gateway: str,
  device: str,
  source: str,
  scope: num,
  family: num,
  flags: num,
  mtu: num,
});
const ARP_NEIGHBOR = msg({ toIPAddress: opt(IP_ADDRESS), device: str, lladdr: str, state: num, flags: num });

const SCHEMAS: Readonly<Record<string, Schema>> = {
  CreateContainerRequest: msg({
    container_id: str,
    exec_id: str,
    string_user: STRING_USER,
    devices: list(msg({ id: str, type_: str, vm_path: str, container_path: str, options: list() })),
    storages: list(STORAGE),
    OCI,
    sandbox_pidns: bool,
    shared_mounts: list(),
    ...PORTS,
  }),
  ExecProcessRequest: msg({
    container_id: str,
    exec_id: str,
    string_user: STRING_USER,
    process: opt(PROCESS_FIELDS),
    ...PORTS,
  }),
  CreateSandboxRequest: msg({
    hostname: str,
    dns: list(),
    storages: list(STORAGE),
    sandbox_pidns: bool,
    sandbox_id: str,
    guest_hook_path: str,
    kernel_modules: list(msg({ name: str, parameters: list() })),
  }),
  CopyFileRequest: msg({
    path: str,
    file_type: { t: "value", d: "Unknown" },
    symlink_target: nul,
    file_size: num,
    file_mode: num,
    dir_mode: num,
    uid: num,
    gid: num,
    offset: num,
  }),
  UpdateInterfaceRequest: msg({ interface: opt(INTERFACE) }),
  UpdateRoutesRequest: msg({ routes: opt({ Routes: list(ROUTE) }) }),
  AddARPNeighborsRequest: msg({ neighbors: opt({ ARPNeighbors: list(ARP_NEIGHBOR) }) }),
  ReadStreamRequest: msg({ container_id: str, exec_id: str, len: num }),
  WriteStreamRequest: msg({ container_id: str, exec_id: str, data: list() }),
  CloseStdinRequest: msg({ container_id: str, exec_id: str }),
  RemoveContainerRequest: msg({ container_id: str, timeout: num }),
  StartContainerRequest: msg({ container_id: str }),
  WaitProcessRequest: msg({ container_id: str, exec_id: str }),
  SignalProcessRequest: msg({ container_id: str, exec_id: str, signal: num }),
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fill(schema: Schema, v: unknown): unknown {
  switch (schema.t) {
    case "value":
      return v === undefined ? schema.d : v;
    case "map":
      return v === undefined ? {} : v;
    case "list": {
      if (v === undefined) return [];
      const elem = schema.elem;
      return Array.isArray(v) && elem !== undefined ? v.map((x) => fill(elem, x)) : v;
    }
    case "msg": {
      if (v === undefined && schema.nullable) return null;
      if (v === null && schema.nullable) return null;
      if (v !== undefined && !isPlainObject(v)) return v;
      const src = v ?? {};
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(schema.fields)) out[k] = fill(s, src[k]);
      // Keys the proto does not know are kept; the policy may refuse them.
      for (const [k, x] of Object.entries(src)) if (!(k in out)) out[k] = x;
      return out;
    }
  }
}

/** Returns a copy of `request` with every absent field set to its protobuf default. */
export function fillRequestDefaults(
  kind: string,
  request: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const schema = SCHEMAS[kind];
  if (schema === undefined) return structuredClone(request) as Record<string, unknown>;
  return fill(schema, structuredClone(request)) as Record<string, unknown>;
}
