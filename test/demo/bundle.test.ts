import { describe, expect, test } from "bun:test";
import { type ContainerRun, capabilityName, patchBundleConfig, type RuntimeSpec } from "../../demo/bundle.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { expectError } from "../support/expect-error.ts";

/** The capabilities umoci puts in every set of the spec it writes. */
const UMOCI_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
const CAPABILITY_SETS = ["bounding", "effective", "inheritable", "permitted", "ambient"];

// The parts of the runtime spec `umoci unpack` writes that patching touches (umoci 0.4, Debian 12).
function umociSpec(): RuntimeSpec {
  const caps = UMOCI_CAPS;
  return {
    ociVersion: "1.0.0",
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ["/bin/contrast", "coordinator"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: {
        bounding: [...caps],
        effective: [...caps],
        inheritable: [...caps],
        permitted: [...caps],
        ambient: [...caps],
      },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs" },
    hostname: "umoci-default",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
      maskedPaths: ["/proc/kcore"],
    },
  };
}

function baseRun(over: Partial<ContainerRun> = {}): ContainerRun {
  return {
    rootfs: "rootfs",
    hostname: "server",
    netnsPath: "/var/run/netns/ctd-abc-server",
    process: { args: ["/bin/sh", "-c", "true"], env: ["PATH=/bin"], cwd: "/" },
    capabilitiesAdd: [],
    mounts: [],
    ...over,
  };
}

describe("patchBundleConfig", () => {
  test("umoci's spec → no rlimits (this VM refuses raising them), no terminal", () => {
    const spec = patchBundleConfig(umociSpec(), baseRun());
    expect(spec.process?.rlimits).toBeUndefined();
    expect("rlimits" in (spec.process ?? {})).toBe(false);
    expect(spec.process?.terminal).toBe(false);
  });

  test("pod netns → exactly one network namespace, by path; the others stay private", () => {
    const spec = patchBundleConfig(umociSpec(), baseRun());
    const network = spec.linux?.namespaces?.filter((n) => n.type === "network");
    expect(network).toEqual([{ type: "network", path: "/var/run/netns/ctd-abc-server" }]);
    expect(spec.linux?.namespaces?.map((n) => n.type).sort()).toEqual([
      "ipc",
      "mount",
      "network",
      "pid",
      "uts",
    ]);
  });

  test("process, hostname and root come from the run", () => {
    const spec = patchBundleConfig(umociSpec(), baseRun());
    expect(spec.process?.args).toEqual(["/bin/sh", "-c", "true"]);
    expect(spec.process?.env).toEqual(["PATH=/bin"]);
    expect(spec.hostname).toBe("server");
    expect(spec.root).toEqual({ path: "rootfs", readonly: false });
    expect(spec.process?.noNewPrivileges).toBe(true);
  });

  const capabilityRows: [string, string[], string[]][] = [
    [
      "NET_ADMIN added → in every capability set once, the defaults kept",
      ["NET_ADMIN", "CAP_NET_ADMIN"],
      [...UMOCI_CAPS, "CAP_NET_ADMIN"],
    ],
    [
      "no capability added → exactly umoci's defaults in every set (nothing more than the spec asks)",
      [],
      UMOCI_CAPS,
    ],
  ];
  for (const [name, capabilitiesAdd, want] of capabilityRows) {
    test(name, () => {
      const spec = patchBundleConfig(umociSpec(), baseRun({ capabilitiesAdd }));
      for (const set of CAPABILITY_SETS) expect(spec.process?.capabilities?.[set]).toEqual(want);
    });
  }

  test("volume mounts → rbind, nosuid, nodev, ro or rw as asked; the defaults kept", () => {
    const spec = patchBundleConfig(
      umociSpec(),
      baseRun({
        mounts: [
          {
            source: "/run/d/pods/server/volumes/contrast-secrets",
            destination: "/contrast",
            readOnly: false,
          },
          { source: "/run/d/sim", destination: "/run/contrast/sim", readOnly: true },
        ],
      }),
    );
    expect(spec.mounts?.slice(0, 2).map((m) => m.destination)).toEqual(["/proc", "/dev"]);
    expect(spec.mounts?.slice(2)).toEqual([
      {
        destination: "/contrast",
        type: "bind",
        source: "/run/d/pods/server/volumes/contrast-secrets",
        options: ["rbind", "nosuid", "nodev", "rw"],
      },
      {
        destination: "/run/contrast/sim",
        type: "bind",
        source: "/run/d/sim",
        options: ["rbind", "nosuid", "nodev", "ro"],
      },
    ]);
  });

  test("a volume at a default mount's destination → replaces it (no two mounts on one path)", () => {
    const spec = patchBundleConfig(
      umociSpec(),
      baseRun({ mounts: [{ source: "/host/dev", destination: "/dev", readOnly: true }] }),
    );
    expect(spec.mounts?.filter((m) => m.destination === "/dev")).toEqual([
      { destination: "/dev", type: "bind", source: "/host/dev", options: ["rbind", "nosuid", "nodev", "ro"] },
    ]);
  });

  test("memory limit → linux.resources.memory.limit, the device rules kept; none → no memory section", () => {
    const limited = patchBundleConfig(umociSpec(), baseRun({ memoryLimitBytes: 50 * 1024 * 1024 }));
    expect(limited.linux?.resources).toEqual({
      devices: [{ allow: false, access: "rwm" }],
      memory: { limit: 52_428_800 },
    });
    expect(patchBundleConfig(umociSpec(), baseRun()).linux?.resources?.memory).toBeUndefined();
  });

  test("the base spec → not changed (one unpacked image serves several containers)", () => {
    const base = umociSpec();
    const before = JSON.stringify(base);
    patchBundleConfig(base, baseRun({ capabilitiesAdd: ["NET_ADMIN"], memoryLimitBytes: 1 }));
    expect(JSON.stringify(base)).toBe(before);
  });
});

describe("capabilityName", () => {
  test.each([
    ["NET_ADMIN", "CAP_NET_ADMIN"],
    ["net_admin", "CAP_NET_ADMIN"],
    ["CAP_SYS_TIME", "CAP_SYS_TIME"],
  ])("%s → %s", (given, full) => {
    expect(capabilityName(given)).toBe(full);
  });

  test.each(["NET ADMIN", "", "NET_ADMIN\nCAP_SYS_ADMIN", "CAP_"])(
    "%j → demo_invalid_capability",
    (given) => {
      expectError(() => capabilityName(given), ConfigError, "demo_invalid_capability");
    },
  );
});
