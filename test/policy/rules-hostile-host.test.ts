// The generated policy against a hostile host: values written another way (paths with "//", "..", trailing "/";
// addresses in other spellings; device names the kernel truncates) must be denied, what the runtime sends allowed.

import { describe, expect, test } from "bun:test";
import { PolicySession } from "../../src/policy/evaluate.ts";
import type { AgentRequest } from "../../src/policy/requests/agent-request.ts";
import { fillRequestDefaults } from "../../src/policy/requests/protobuf-defaults.ts";
import { type Create, mutateCreate } from "./requests/create-mutations.ts";
import { generateK8sTestdata } from "./requests/k8s-pods.ts";

// Baseline: the guestbook frontend pod (Initializer + php-redis), whose own requests are all allowed.
const { pods } = await generateK8sTestdata(["guestbook"]);
const frontend = pods.find((p) => p.policy.name === "frontend")!;
const requests = frontend.built.requests;
const app = frontend.built.containers[frontend.built.containers.length - 1]!;
const sandbox = frontend.built.containers[0]!;
const SHARED = "/run/kata-containers/shared/containers";
const ENTRY = `${app.containerId}-0123456789abcdef-hosts`;
const OTHER_ENTRY = `${sandbox.containerId}-fedcba9876543210-resolv.conf`;

/** Decision for one request on a fresh agent; `after` requests run first (they must be allowed). */
function decide(
  kind: string,
  request: Record<string, unknown>,
  after: readonly AgentRequest[] = [],
): boolean {
  const s = new PolicySession(frontend.policy.policyText);
  for (const r of after) expect(s.evaluate(r).allowed).toBe(true);
  return s.evaluate({ kind, request: fillRequestDefaults(kind, request) }).allowed;
}

type Row = readonly [name: string, request: Record<string, unknown>];

function table(kind: string, allowed: readonly Row[], denied: readonly Row[], total: number): void {
  for (const [name, request] of allowed) {
    test(`${name} → allowed`, () => expect(decide(kind, request)).toBe(true));
  }
  for (const [name, request] of denied) {
    test(`${name} → denied`, () => expect(decide(kind, request)).toBe(false));
  }
  test("every row → ran", () => expect(allowed.length + denied.length).toBe(total));
}

const copy = (path: string, file_type = "Regular", symlink_target: string | null = null) => ({
  path,
  file_type,
  symlink_target,
});

describe("CopyFileRequest", () => {
  test("the runtime's own copies of the pod's shared files → allowed", () => {
    const copies = requests.filter((r) => r.kind === "CopyFileRequest");
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.some((r) => r.request.file_type === "Symlink")).toBe(true);
    for (const r of copies) expect(decide(r.kind, r.request)).toBe(true);
  });

  table(
    "CopyFileRequest",
    [
      ["regular file as top-level entry", copy(`${SHARED}/${ENTRY}`)],
      ["directory as top-level entry", copy(`${SHARED}/${ENTRY}`, "Directory")],
      ["file deep below an entry", copy(`${SHARED}/${ENTRY}/a/b/c`)],
      ["watchable entry", copy(`${SHARED}/watchable/${ENTRY}`)],
      ["symlink below an entry to a sibling", copy(`${SHARED}/${ENTRY}/token`, "Symlink", "..data/token")],
      ["symlink below an entry with ./", copy(`${SHARED}/${ENTRY}/a/token`, "Symlink", "./b/token")],
    ],
    [
      // A top-level name is a mount source CreateContainerRequest checks by name: as a symlink it would
      // point that checked mount at another container's entry.
      ["symlink as top-level entry to a sibling entry", copy(`${SHARED}/${ENTRY}`, "Symlink", OTHER_ENTRY)],
      ["symlink as top-level entry to a relative name", copy(`${SHARED}/${ENTRY}`, "Symlink", "x")],
      ["symlink as watchable top-level entry", copy(`${SHARED}/watchable/${ENTRY}`, "Symlink", "x")],
      ["symlink at the entry written with a trailing /", copy(`${SHARED}/${ENTRY}/`, "Symlink", "x")],
      ["symlink at the entry written with /.", copy(`${SHARED}/${ENTRY}/.`, "Symlink", "x")],
      ["symlink at the entry written with //", copy(`${SHARED}//${ENTRY}`, "Symlink", "x")],
      ["symlink escaping its entry with ..", copy(`${SHARED}/${ENTRY}/t`, "Symlink", `../${OTHER_ENTRY}`)],
      ["symlink escaping through a/../..", copy(`${SHARED}/${ENTRY}/t`, "Symlink", "a/../../x")],
      ["symlink with an absolute target", copy(`${SHARED}/${ENTRY}/t`, "Symlink", "/etc/shadow")],
      ["symlink with an empty target", copy(`${SHARED}/${ENTRY}/t`, "Symlink", "")],
      ["symlink without a target", copy(`${SHARED}/${ENTRY}/t`, "Symlink", null)],
      ["file path with //", copy(`${SHARED}/${ENTRY}//x`)],
      ["file path with a trailing /", copy(`${SHARED}/${ENTRY}/x/`)],
      ["file path with /./", copy(`${SHARED}/${ENTRY}/./x`)],
      ["file path with ..", copy(`${SHARED}/${ENTRY}/../x`)],
      ["file in the shared directory itself", copy(`${SHARED}/x`)],
      ["the shared directory itself", copy(SHARED, "Directory")],
      ["file outside the shared directory", copy("/etc/ld.so.preload")],
      ["relative path", copy(`${SHARED.slice(1)}/${ENTRY}`)],
      ["file type Unknown", copy(`${SHARED}/${ENTRY}`, "Unknown")],
    ],
    26,
  );
});

const route = (source: string, device = "eth0", family = 0) => ({
  routes: { Routes: [{ dest: "10.244.1.0/24", gateway: "", device, source, scope: 253, family }] },
});

describe("UpdateRoutesRequest", () => {
  const loopback = [
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "0::1",
    "::0:1",
    "00::001",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
    "::FFFF:127.0.0.1",
    "::ffff:7f00:1",
  ];
  // Forms Go/Rust address parsers reject but Rust's ipnetwork (which the agent uses for route sources) may read.
  const unparseable = [
    "0127.0.0.1",
    "+127.0.0.1",
    "127.1",
    "127.0.0.1/32",
    "::1/128",
    " 127.0.0.1",
    "::1%lo",
  ];
  table(
    "UpdateRoutesRequest",
    [
      ["route without source", route("")],
      ["route with the pod's IPv4 source", route("10.244.1.17")],
      ["route with an IPv6 source", route("fd00::17", "eth0", 1)],
      ["no routes", { routes: { Routes: [] } }],
    ],
    [
      ...loopback.map((s): Row => [`loopback source ${s}`, route(s)]),
      ...unparseable.map((s): Row => [`source ${JSON.stringify(s)} no address parser agrees on`, route(s)]),
      ["device lo", route("", "lo")],
      ["device lo with a NUL the kernel cuts off", route("", "lo\u0000x")],
      ["empty device", route("", "")],
      ["device with white space", route("", "eth0 ")],
      [
        "one loopback route among good ones",
        { routes: { Routes: [route("").routes.Routes[0], route("0::1", "eth0", 1).routes.Routes[0]] } },
      ],
    ],
    4 + loopback.length + unparseable.length + 5,
  );
});

const neighbor = (address: string, device = "eth0") => ({
  neighbors: {
    ARPNeighbors: [
      {
        toIPAddress: { family: 0, address, mask: "" },
        device,
        lladdr: "aa:bb:cc:dd:ee:ff",
        state: 128,
        flags: 0,
      },
    ],
  },
});

describe("AddARPNeighborsRequest", () => {
  const forbidden = [
    "127.0.0.1",
    "::ffff:127.0.0.1",
    "0.0.0.0",
    "0.1.2.3",
    "::ffff:0.1.2.3",
    "::1",
    "0::1",
    "::",
  ];
  table(
    "AddARPNeighborsRequest",
    [
      ["neighbor in the pod network", neighbor("10.244.1.1")],
      ["IPv6 neighbor", neighbor("fe80::1")],
    ],
    [
      ...forbidden.map((a): Row => [`neighbor ${a}`, neighbor(a)]),
      ["neighbor 0127.0.0.1", neighbor("0127.0.0.1")],
      ["neighbor that is no address", neighbor("localhost")],
      ["device lo", neighbor("10.244.1.1", "lo")],
      ["device lo with a NUL", neighbor("10.244.1.1", "lo\u0000")],
    ],
    2 + forbidden.length + 4,
  );
});

const iface = (change: Record<string, unknown> = {}) => ({
  interface: {
    device: "eth0",
    name: "eth0",
    IPAddresses: [{ family: 0, address: "10.244.1.17", mask: "24" }],
    mtu: 1500,
    hwAddr: "02:42:ac:11:00:02",
    raw_flags: 0,
    ...change,
  },
});

describe("UpdateInterfaceRequest", () => {
  // The agent finds the link by MAC, parsing each part with u8::from_str_radix(part, 16).
  const zeroMac = ["00:00:00:00:00:00", "0:0:0:0:0:0", "00:00:00:00:00:0", "000:0:0:0:0:0", "+0:0:0:0:0:0"];
  table(
    "UpdateInterfaceRequest",
    [
      ["the pod's interface", iface()],
      ["upper-case MAC", iface({ hwAddr: "02:42:AC:11:00:02" })],
      ["IPv6 address", iface({ IPAddresses: [{ family: 1, address: "fd00::17", mask: "64" }] })],
      ["NOARP flag", iface({ raw_flags: 128 })],
    ],
    [
      ...zeroMac.map((m): Row => [`loopback MAC written ${m}`, iface({ hwAddr: m })]),
      ["MAC with dashes", iface({ hwAddr: "02-42-ac-11-00-02" })],
      ["empty MAC", iface({ hwAddr: "" })],
      ["renamed to lo", iface({ name: "lo" })],
      ["renamed to lo with a NUL", iface({ name: "lo\u0000x" })],
      ["flag other than NOARP", iface({ raw_flags: 1 })],
      ["loopback address", iface({ IPAddresses: [{ family: 0, address: "127.0.0.1", mask: "8" }] })],
      [
        "loopback written ::ffff:7f00:1",
        iface({ IPAddresses: [{ family: 1, address: "::ffff:7f00:1", mask: "8" }] }),
      ],
      ["IPv6 loopback 0::1", iface({ IPAddresses: [{ family: 1, address: "0::1", mask: "128" }] })],
      [
        "address that is no address",
        iface({ IPAddresses: [{ family: 0, address: "10.244.1.017", mask: "24" }] }),
      ],
    ],
    4 + zeroMac.length + 9,
  );
});

describe("CreateContainerRequest with paths and names written another way", () => {
  const appIndex = requests.findLastIndex((r) => r.kind === "CreateContainerRequest");
  const sandboxIndex = requests.findIndex((r) => r.kind === "CreateContainerRequest");
  const before = (i: number) => requests.slice(0, i);
  const create = (index: number, mutate: (r: Create, cid: string) => void) =>
    decide(
      "CreateContainerRequest",
      mutateCreate(requests[index]!.request, mutate, app.containerId),
      before(index),
    );

  test("unmodified app and sandbox containers → allowed", () => {
    expect(create(appIndex, () => {})).toBe(true);
    expect(create(sandboxIndex, () => {})).toBe(true);
  });

  // cgroup2 mounted by a systemd host carries these (Kata's settings allow them too).
  test("cgroup mount with nsdelegate and memory_recursiveprot → allowed", () => {
    const extra = (r: Create) =>
      mount(r, "/sys/fs/cgroup", (m) => m.options.push("nsdelegate", "memory_recursiveprot"));
    expect(create(appIndex, extra)).toBe(true);
  });

  test("cgroup mount with an option outside the allowed extras → denied", () => {
    expect(create(appIndex, (r) => mount(r, "/sys/fs/cgroup", (m) => m.options.push("exec")))).toBe(false);
  });

  const rows: readonly [string, number, (r: Create, cid: string) => void][] = [
    [
      // "." in a bundle id must not act as a regex wildcard: a./ would match "a/" and reach into a subdirectory.
      "bundle id with a dot used as regex wildcard",
      appIndex,
      (r, cid) => {
        r.OCI.Root.Path = "/run/kata-containers/a./rootfs";
        r.storages[0]!.mount_point = r.OCI.Root.Path;
        for (const m of r.OCI.Mounts) m.source = m.source.replace(`${cid}-`, "a/-");
      },
    ],
    [
      "mount destination with a trailing /",
      appIndex,
      (r) => mount(r, "/etc/hosts", (m) => (m.destination = "/etc/hosts/")),
    ],
    [
      "mount destination with //",
      appIndex,
      (r) => mount(r, "/etc/hosts", (m) => (m.destination = "//etc/hosts")),
    ],
    [
      "mount destination with /./",
      appIndex,
      (r) => mount(r, "/etc/hosts", (m) => (m.destination = "/etc/./hosts")),
    ],
    ["mount source with ..", appIndex, (r) => mount(r, "/etc/hosts", (m) => (m.source = `${m.source}/..`))],
    [
      "mount source with //",
      appIndex,
      (r) => mount(r, "/etc/hosts", (m) => (m.source = m.source.replace("/shared/", "/shared//"))),
    ],
    [
      "masked path written /proc//kcore",
      appIndex,
      (r) => {
        const l = r.OCI.Linux;
        l.MaskedPaths = l.MaskedPaths.map((p) => (p === "/proc/kcore" ? "/proc//kcore" : p));
      },
    ],
    [
      "read-only path written with a trailing /",
      appIndex,
      (r) => {
        const l = r.OCI.Linux;
        l.ReadonlyPaths = l.ReadonlyPaths.map((p) => (p === "/proc/sys" ? "/proc/sys/" : p));
      },
    ],
    ["root path with a trailing /", appIndex, (r) => rootPath(r, (p) => `${p}/`)],
    [
      "root path with //",
      appIndex,
      (r) => rootPath(r, (p) => p.replace("/kata-containers/", "/kata-containers//")),
    ],
    [
      "sandbox id in upper case",
      appIndex,
      (r) => {
        const a = r.OCI.Annotations;
        a["io.kubernetes.cri.sandbox-id"] = a["io.kubernetes.cri.sandbox-id"]!.toUpperCase();
      },
    ],
    [
      "log directory with /..",
      sandboxIndex,
      (r) => {
        const a = r.OCI.Annotations;
        a["io.kubernetes.cri.sandbox-log-directory"] = `${a["io.kubernetes.cri.sandbox-log-directory"]}/../x`;
      },
    ],
    [
      "sandbox sysctl written with / instead of .",
      sandboxIndex,
      (r) => {
        const s = r.OCI.Linux.Sysctl;
        s["net/ipv4/ping_group_range"] = s["net.ipv4.ping_group_range"]!;
        delete s["net.ipv4.ping_group_range"];
      },
    ],
    [
      // JS and Rust regexes both treat $ as the end of text here, not "before a final newline".
      "sandbox name with a trailing newline",
      sandboxIndex,
      (r) => {
        const a = r.OCI.Annotations;
        a["io.kubernetes.cri.sandbox-name"] = `${a["io.kubernetes.cri.sandbox-name"]}\n`;
      },
    ],
    [
      "network namespace path with /../",
      sandboxIndex,
      (r) => {
        const a = r.OCI.Annotations;
        a["nerdctl/network-namespace"] = a["nerdctl/network-namespace"]!.replace(
          "/netns/",
          "/netns/../netns/",
        );
      },
    ],
    [
      "HOSTNAME with a newline and a second variable",
      appIndex,
      (r) => {
        const env = r.OCI.Process.Env;
        const i = env.findIndex((e) => e.startsWith("HOSTNAME="));
        env[i] = `${env[i]}\nLD_PRELOAD=/tmp/x.so`;
      },
    ],
    [
      "image reference with two digests",
      appIndex,
      (r) => {
        const s = r.storages[0]!;
        s.source = s.source.replace("@", `@sha256:${"0".repeat(64)}@`);
      },
    ],
    [
      "service-link address with a leading zero",
      appIndex,
      (r) => r.OCI.Process.Env.push("REDIS_SLAVE_SERVICE_HOST=010.96.0.1"),
    ],
  ];
  for (const [name, index, mutate] of rows) {
    test(`${name} → denied`, () => expect(create(index, mutate)).toBe(false));
  }
  test("every row → ran", () => expect(rows.length).toBe(18));
});

type Mount = Create["OCI"]["Mounts"][number];

function mount(r: Create, destination: string, change: (m: Mount) => void): void {
  const m = r.OCI.Mounts.find((x) => x.destination === destination);
  if (m === undefined) throw new Error(`no mount ${destination}`);
  change(m);
}

function rootPath(r: Create, change: (p: string) => string): void {
  r.OCI.Root.Path = change(r.OCI.Root.Path);
  r.storages[0]!.mount_point = r.OCI.Root.Path;
}
