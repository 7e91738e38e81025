// Test helper: one-field mutations of a generated pod's app-container CreateContainerRequest, each with the start
// of the line `policy explain` must print for it (the field path, and expected/got where the policy has one value).

import { ALL_CAPS } from "../../../src/policy/requests/runtime-defaults.ts";

type Oci = {
  Process: {
    Args: string[];
    Env: string[];
    Cwd: string;
    User: { UID: number };
    Terminal: boolean;
    Capabilities: Record<string, string[]>;
  };
  Mounts: { destination: string; source: string; type_: string; options: string[] }[];
  Annotations: Record<string, string>;
  Linux: { MaskedPaths: string[]; ReadonlyPaths: string[]; Sysctl: Record<string, string> };
  Root: { Readonly: boolean; Path: string };
};
export type Create = {
  OCI: Oci;
  storages: { source: string; mount_point: string }[];
  sandbox_pidns: boolean;
};

const shared = (cid: string, name: string) =>
  `/run/kata-containers/shared/containers/${cid}-0123456789abcdef-${name}`;
const OTHER_DIGEST = `sha256:${"e".repeat(64)}`;

export const CREATE_MUTATIONS: readonly [string, (r: Create, containerId: string) => void, string][] = [
  [
    "other image digest",
    (r) => {
      r.storages[0]!.source = r.storages[0]!.source.replace(/sha256:[0-9a-f]{64}$/, OTHER_DIGEST);
    },
    'storages[0].source: expected "sha256:',
  ],
  [
    "changed args",
    (r) => (r.OCI.Process.Args[1] = "--port=9090"),
    'OCI.Process.Args[1]: expected "serve", got "--port=9090"',
  ],
  ["extra arg", (r) => r.OCI.Process.Args.push("--debug"), 'OCI.Process.Args[2]: "--debug" is not allowed'],
  [
    "extra env var",
    (r) => r.OCI.Process.Env.push("LD_PRELOAD=/tmp/x.so"),
    'OCI.Process.Env[32]: "LD_PRELOAD=/tmp/x.so" is not allowed',
  ],
  [
    "changed env var",
    (r) => {
      const i = r.OCI.Process.Env.indexOf("GET_HOSTS_FROM=dns");
      r.OCI.Process.Env[i] = "GET_HOSTS_FROM=env";
    },
    'OCI.Process.Env[2]: expected "GET_HOSTS_FROM=dns", got "GET_HOSTS_FROM=env"',
  ],
  [
    "env var the spec sets, removed",
    (r) => {
      r.OCI.Process.Env = r.OCI.Process.Env.filter((e) => e !== "GET_HOSTS_FROM=dns");
    },
    'OCI.Process.Env: expected an entry "GET_HOSTS_FROM=dns", got none',
  ],
  [
    "service-link env var with a host name instead of an address",
    (r) => r.OCI.Process.Env.push("REDIS_SERVICE_HOST=evil.example.com"),
    'OCI.Process.Env[32]: "REDIS_SERVICE_HOST=evil.example.com" is not allowed',
  ],
  [
    "extra mount",
    (r, cid) =>
      r.OCI.Mounts.push({
        destination: "/data",
        type_: "bind",
        source: shared(cid, "data"),
        options: ["rbind", "rprivate", "rw"],
      }),
    'OCI.Mounts[13]: {"destination":"/data"',
  ],
  [
    "hostPath mount",
    (r) =>
      r.OCI.Mounts.push({
        destination: "/host",
        type_: "bind",
        source: "/",
        options: ["rbind", "rprivate", "rw"],
      }),
    'OCI.Mounts[13]: {"destination":"/host"',
  ],
  [
    "kubelet file from a host path",
    (r) => {
      r.OCI.Mounts.find((x) => x.destination === "/etc/hosts")!.source = "/etc/hosts";
    },
    "OCI.Mounts[6].source: expected a value matching /^/run/kata-containers/shared/containers/",
  ],
  [
    "read-only mount made writable",
    (r) => {
      const m = r.OCI.Mounts.find((x) => x.destination === "/var/run/secrets/kubernetes.io/serviceaccount")!;
      m.options = ["rbind", "rprivate", "rw"];
    },
    'OCI.Mounts[11].options[2]: expected "ro", got "rw"',
  ],
  [
    "privileged",
    (r) => {
      for (const k of ["Bounding", "Effective", "Permitted"]) r.OCI.Process.Capabilities[k] = [...ALL_CAPS];
      r.OCI.Linux.MaskedPaths = [];
      r.OCI.Linux.ReadonlyPaths = [];
      r.OCI.Mounts.find((x) => x.destination === "/sys")!.options = ["nosuid", "noexec", "nodev", "rw"];
    },
    'OCI.Process.Capabilities.Bounding[2]: "CAP_DAC_READ_SEARCH" is not allowed',
  ],
  [
    "added capability",
    (r) => {
      for (const k of ["Bounding", "Effective", "Permitted"])
        r.OCI.Process.Capabilities[k]!.push("CAP_SYS_ADMIN");
    },
    'OCI.Process.Capabilities.Bounding[14]: "CAP_SYS_ADMIN" is not allowed',
  ],
  [
    "ambient capability",
    (r) => r.OCI.Process.Capabilities.Ambient!.push("CAP_NET_RAW"),
    'OCI.Process.Capabilities.Ambient[0]: "CAP_NET_RAW" is not allowed',
  ],
  ["other working dir", (r) => (r.OCI.Process.Cwd = "/tmp"), 'OCI.Process.Cwd: expected "/", got "/tmp"'],
  ["other user", (r) => (r.OCI.Process.User.UID = 1000), "OCI.Process.User.UID: expected 0, got 1000"],
  ["terminal", (r) => (r.OCI.Process.Terminal = true), "OCI.Process.Terminal: expected false, got true"],
  [
    "extra sysctl",
    (r) => (r.OCI.Linux.Sysctl["kernel.core_pattern"] = "|/tmp/x"),
    'OCI.Linux.Sysctl["kernel.core_pattern"]: "|/tmp/x" is not allowed',
  ],
  [
    "unknown annotation",
    (r) => (r.OCI.Annotations["io.katacontainers.config.hypervisor.kernel_params"] = "init=/bin/sh"),
    'OCI.Annotations["io.katacontainers.config.hypervisor.kernel_params"]: "init=/bin/sh" is not allowed',
  ],
  ["shared pid namespace", (r) => (r.sandbox_pidns = true), "sandbox_pidns: expected false, got true"],
  [
    "other container name",
    (r) => (r.OCI.Annotations["io.kubernetes.cri.container-name"] = "evil"),
    'OCI.Annotations["io.kubernetes.cri.container-name"]: ',
  ],
];

/** A copy of a built CreateContainerRequest with one mutation applied. */
export function mutateCreate(
  request: Readonly<Record<string, unknown>>,
  mutate: (r: Create, containerId: string) => void,
  containerId: string,
): Record<string, unknown> {
  const r = structuredClone(request) as unknown as Create;
  mutate(r, containerId);
  return r as unknown as Record<string, unknown>;
}
