import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { ConfigError, ParseError } from "../../src/common/errors.ts";
import {
  CRI_PLUGIN,
  patchContainerdConfig,
  type RuntimeRegistration,
  runtimeEntry,
} from "../../src/nodeinstaller/containerd-config.ts";
import { goldenText } from "./fixtures.ts";

const HANDLER = "contrast-cc-metal-qemu-snp-0123abcd";
const REG: RuntimeRegistration = {
  handler: HANDLER,
  runtimePath: `/opt/edgeless/${HANDLER}/bin/containerd-shim-contrast-cc-v2`,
  kataConfigPath: `/opt/edgeless/${HANDLER}/etc/configuration-qemu-snp.toml`,
};

/** A customised kubeadm-style config: systemd cgroups, a registry mirror, a custom sandbox image, comments. */
export const CUSTOM_V2 = `# managed by hand
version = 2
root = "/data/containerd"
oom_score = -999

[grpc]
  address = "/run/containerd/containerd.sock"
  max_recv_message_size = 16777216

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.9"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = true
    [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
      endpoint = ["https://mirror.example.com"]

[timeouts]
  "io.containerd.timeout.shim.cleanup" = "5s"
`;

export const CUSTOM_V3 = `version = 3
root = "/var/lib/containerd"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"

[plugins."io.containerd.cri.v1.runtime".containerd]
  default_runtime_name = "runc"
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
      SystemdCgroup = true
`;

function withoutHandler(doc: Record<string, unknown>, plugin: string): Record<string, unknown> {
  const copy = structuredClone(doc) as Record<string, any>;
  delete copy.plugins[plugin].containerd.runtimes[HANDLER];
  return copy;
}

function expectError(fn: () => unknown, cls: Function, code: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(cls);
  expect((err as { code: string }).code).toBe(code);
}

describe("patchContainerdConfig", () => {
  const versions: [string, string, 2 | 3][] = [
    ["v2 customised", CUSTOM_V2, 2],
    ["v3 customised", CUSTOM_V3, 3],
  ];
  for (const [name, text, version] of versions) {
    test(`${name} → runtime added under ${CRI_PLUGIN[version]}, every other key kept, golden`, () => {
      const res = patchContainerdConfig(text, REG);
      expect(res.changed).toBe(true);
      expect(res.version).toBe(version);
      const after = parse(res.text) as Record<string, any>;
      expect(after.plugins[CRI_PLUGIN[version]].containerd.runtimes[HANDLER]).toEqual(runtimeEntry(REG));
      expect(withoutHandler(after, CRI_PLUGIN[version])).toEqual(parse(text) as Record<string, unknown>);
      expect(res.text).toBe(goldenText(`containerd-${name.replace(" ", "-")}.toml`, res.text));
    });

    test(`${name} patched twice → second call unchanged, same text`, () => {
      const once = patchContainerdConfig(text, REG);
      const twice = patchContainerdConfig(once.text, REG);
      expect(twice.changed).toBe(false);
      expect(twice.text).toBe(once.text);
    });
  }

  test("missing file → fresh version 2 config with the runtime", () => {
    const res = patchContainerdConfig(undefined, REG);
    expect(res.changed).toBe(true);
    expect(parse(res.text)).toEqual({
      version: 2,
      plugins: { [CRI_PLUGIN[2]]: { containerd: { runtimes: { [HANDLER]: runtimeEntry(REG) } } } },
    });
  });

  test("stale entry for the same handler → replaced by the exact entry", () => {
    const stale = `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${HANDLER}]\nruntime_type = "io.containerd.kata.v2"\nsnapshotter = "nydus"\n`;
    const res = patchContainerdConfig(stale, REG);
    expect(res.changed).toBe(true);
    expect((parse(res.text) as any).plugins[CRI_PLUGIN[2]].containerd.runtimes[HANDLER]).toEqual(runtimeEntry(REG));
  });

  const bad: [string, string, Function, string][] = [
    ["no version (v1 layout)", `[plugins.cri]\nsandbox_image = "x"\n`, ConfigError, "containerd_config_version_unsupported"],
    ["version 4", "version = 4\n", ConfigError, "containerd_config_version_unsupported"],
    ["version as string", `version = "2"\n`, ConfigError, "containerd_config_version_unsupported"],
    ["not TOML", "version = 2\n[plugins\n", ParseError, "containerd_config_invalid"],
    ["runtimes is a string", `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\nruntimes = "x"\n`, ConfigError, "containerd_config_invalid"],
  ];
  for (const [name, text, cls, code] of bad) {
    test(`${name} → ${cls.name} ${code}`, () => expectError(() => patchContainerdConfig(text, REG), cls, code));
  }
});

const containerd = Bun.which("containerd");
describe("containerd config dump", () => {
  if (!containerd) {
    console.warn("containerd not installed: skipping the real-containerd acceptance of patched configs (apt-get install containerd)");
  }
  test.skipIf(!containerd)("patched v2 config → real containerd accepts it and lists the runtime", () => {
    const dir = mkdtempSync(join(tmpdir(), "contrast-containerd-"));
    try {
      const file = join(dir, "config.toml");
      writeFileSync(file, patchContainerdConfig(CUSTOM_V2, REG).text);
      const proc = Bun.spawnSync([containerd!, "--config", file, "config", "dump"]);
      expect(proc.exitCode).toBe(0);
      const dump = parse(proc.stdout.toString()) as Record<string, any>;
      const entry = dump.plugins[CRI_PLUGIN[2]].containerd.runtimes[HANDLER];
      expect(entry.runtime_type).toBe("io.containerd.contrast-cc.v2");
      expect(entry.runtime_path).toBe(REG.runtimePath);
      expect(entry.pod_annotations).toEqual(["io.katacontainers.*"]);
      expect(entry.privileged_without_host_devices).toBe(true);
      expect(entry.options.ConfigPath).toBe(REG.kataConfigPath);
      // The user's customisations survive containerd's own reading too.
      expect(dump.root).toBe("/data/containerd");
      expect(dump.plugins[CRI_PLUGIN[2]].containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
      expect(dump.plugins[CRI_PLUGIN[2]].registry.mirrors["docker.io"].endpoint).toEqual(["https://mirror.example.com"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("patchContainerdConfig layout", () => {
  test("customised config → original text kept byte for byte (comments too), runtime appended", () => {
    const res = patchContainerdConfig(CUSTOM_V2, REG);
    expect(res.text.startsWith(CUSTOM_V2)).toBe(true);
  });

  test("runtimes as an inline table → rewritten as a whole, still the same document plus the runtime", () => {
    const inline = `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\nruntimes = { runc = { runtime_type = "io.containerd.runc.v2" } }\n`;
    const res = patchContainerdConfig(inline, REG);
    const after = parse(res.text) as Record<string, any>;
    expect(after.plugins[CRI_PLUGIN[2]].containerd.runtimes.runc).toEqual({ runtime_type: "io.containerd.runc.v2" });
    expect(after.plugins[CRI_PLUGIN[2]].containerd.runtimes[HANDLER]).toEqual(runtimeEntry(REG));
  });
});
