import { describe, expect, test } from "bun:test";
import { PolicySession } from "../../src/policy/evaluate.ts";
import type { AgentRequest } from "../../src/policy/requests/agent-request.ts";
import { ALL_CAPS } from "../../src/policy/requests/runtime-defaults.ts";
import { generateK8sTestdata } from "./requests/k8s-pods.ts";

// Baseline: the guestbook frontend pod (Initializer + php-redis), whose own requests are all allowed.
const { pods } = await generateK8sTestdata(["guestbook"]);
const frontend = pods.find((p) => p.policy.name === "frontend")!;
const requests = frontend.built.requests;
const appIndex = requests.findLastIndex((r) => r.kind === "CreateContainerRequest");
const app = frontend.built.containers[frontend.built.containers.length - 1]!;

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
  Root: { Readonly: boolean };
};
type Create = { OCI: Oci; storages: { source: string }[]; sandbox_pidns: boolean };

/** Evaluates the pod's requests up to `index`, then `replacement` in its place; returns that decision. */
function decide(index: number, replacement: AgentRequest): boolean {
  const s = new PolicySession(frontend.policy.policyText);
  for (const r of requests.slice(0, index)) expect(s.evaluate(r).allowed).toBe(true);
  return s.evaluate(replacement).allowed;
}

function mutatedApp(mutate: (r: Create) => void): AgentRequest {
  const r = structuredClone(requests[appIndex]!.request) as unknown as Create;
  mutate(r);
  return { kind: "CreateContainerRequest", request: r as unknown as Record<string, unknown> };
}

const shared = (name: string) =>
  `/run/kata-containers/shared/containers/${app.containerId}-0123456789abcdef-${name}`;

export const CREATE_MUTATIONS: readonly [string, (r: Create) => void][] = [
  [
    "other image digest",
    (r) => {
      r.storages[0]!.source = r.storages[0]!.source.replace(
        /sha256:[0-9a-f]{64}$/,
        `sha256:${"e".repeat(64)}`,
      );
    },
  ],
  ["changed args", (r) => (r.OCI.Process.Args[1] = "--port=9090")],
  ["extra arg", (r) => r.OCI.Process.Args.push("--debug")],
  ["extra env var", (r) => r.OCI.Process.Env.push("LD_PRELOAD=/tmp/x.so")],
  [
    "changed env var",
    (r) => {
      const i = r.OCI.Process.Env.indexOf("GET_HOSTS_FROM=dns");
      r.OCI.Process.Env[i] = "GET_HOSTS_FROM=env";
    },
  ],
  [
    "env var the spec sets, removed",
    (r) => {
      r.OCI.Process.Env = r.OCI.Process.Env.filter((e) => e !== "GET_HOSTS_FROM=dns");
    },
  ],
  [
    "service-link env var with a host name instead of an address",
    (r) => r.OCI.Process.Env.push("REDIS_SERVICE_HOST=evil.example.com"),
  ],
  [
    "extra mount",
    (r) =>
      r.OCI.Mounts.push({
        destination: "/data",
        type_: "bind",
        source: shared("data"),
        options: ["rbind", "rprivate", "rw"],
      }),
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
  ],
  [
    "kubelet file from a host path",
    (r) => {
      const m = r.OCI.Mounts.find((x) => x.destination === "/etc/hosts")!;
      m.source = "/etc/hosts";
    },
  ],
  [
    "read-only mount made writable",
    (r) => {
      const m = r.OCI.Mounts.find((x) => x.destination === "/var/run/secrets/kubernetes.io/serviceaccount")!;
      m.options = ["rbind", "rprivate", "rw"];
    },
  ],
  [
    "privileged",
    (r) => {
      for (const k of ["Bounding", "Effective", "Permitted"]) r.OCI.Process.Capabilities[k] = [...ALL_CAPS];
      r.OCI.Linux.MaskedPaths = [];
      r.OCI.Linux.ReadonlyPaths = [];
      r.OCI.Mounts.find((x) => x.destination === "/sys")!.options = ["nosuid", "noexec", "nodev", "rw"];
    },
  ],
  [
    "added capability",
    (r) => {
      for (const k of ["Bounding", "Effective", "Permitted"])
        r.OCI.Process.Capabilities[k]!.push("CAP_SYS_ADMIN");
    },
  ],
  ["ambient capability", (r) => r.OCI.Process.Capabilities.Ambient!.push("CAP_NET_RAW")],
  ["other working dir", (r) => (r.OCI.Process.Cwd = "/tmp")],
  ["other user", (r) => (r.OCI.Process.User.UID = 1000)],
  ["terminal", (r) => (r.OCI.Process.Terminal = true)],
  ["extra sysctl", (r) => (r.OCI.Linux.Sysctl["kernel.core_pattern"] = "|/tmp/x")],
  [
    "unknown annotation",
    (r) => (r.OCI.Annotations["io.katacontainers.config.hypervisor.kernel_params"] = "init=/bin/sh"),
  ],
  ["shared pid namespace", (r) => (r.sandbox_pidns = true)],
  ["other container name", (r) => (r.OCI.Annotations["io.kubernetes.cri.container-name"] = "evil")],
];

describe("CreateContainerRequest mutations of a generated pod", () => {
  test("unmodified app container → allowed", () => {
    expect(decide(appIndex, requests[appIndex]!)).toBe(true);
  });

  let denied = 0;
  for (const [name, mutate] of CREATE_MUTATIONS) {
    test(`${name} → denied`, () => {
      expect(decide(appIndex, mutatedApp(mutate))).toBe(false);
      denied++;
    });
  }
  test("every mutation → ran", () => {
    expect(denied).toBe(CREATE_MUTATIONS.length);
    expect(denied).toBe(21);
  });
});

function exec(args: string[], change: (p: Record<string, unknown>) => void = () => {}): AgentRequest {
  const r = structuredClone(requests.find((x) => x.kind === "ExecProcessRequest") ?? null);
  const base = r ?? {
    kind: "ExecProcessRequest",
    request: {
      container_id: app.containerId,
      exec_id: "3f1d2c4b-0000-4000-8000-000000000001",
      string_user: null,
      process: { ...structuredClone(app.process), Capabilities: null, ApparmorProfile: "" },
    },
  };
  const req = structuredClone(base.request) as { process: Record<string, unknown> };
  req.process.Args = args;
  change(req.process);
  return { kind: "ExecProcessRequest", request: req };
}

describe("ExecProcessRequest in a generated pod", () => {
  test("exec of an arbitrary command → denied", () => {
    expect(decide(requests.length, exec(["/bin/sh", "-c", "cat /contrast/secrets/*"]))).toBe(false);
  });

  test("exec into a container id the agent never created → denied", () => {
    const r = exec(["/bin/sh"]);
    (r.request as Record<string, unknown>).container_id = "f".repeat(64);
    expect(decide(requests.length, r)).toBe(false);
  });
});
