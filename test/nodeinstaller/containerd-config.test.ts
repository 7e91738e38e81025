import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { ConfigError } from "../../src/common/errors.ts";
import {
  CRI_PLUGIN,
  patchContainerdConfig,
  type RuntimeRegistration,
  runtimeEntry,
} from "../../src/nodeinstaller/containerd-config.ts";
import { type ErrorClass, expectError } from "../support/expect-error.ts";
import { CUSTOM_V2, CUSTOM_V3, type Doc, goldenText } from "./fixtures.ts";

const HANDLER = "contrast-cc-metal-qemu-snp-0123abcd";
const REG: RuntimeRegistration = {
  handler: HANDLER,
  runtimePath: `/opt/edgeless/${HANDLER}/bin/containerd-shim-contrast-cc-v2`,
  kataConfigPath: `/opt/edgeless/${HANDLER}/etc/configuration-qemu-snp.toml`,
};

function withoutHandler(doc: Record<string, unknown>, plugin: string): Record<string, unknown> {
  const copy = structuredClone(doc) as Doc;
  delete copy.plugins[plugin].containerd.runtimes[HANDLER];
  return copy;
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
      const after = parse(res.text) as Doc;
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
    expect(parse(res.text) as Doc).toEqual({
      version: 2,
      plugins: { [CRI_PLUGIN[2]]: { containerd: { runtimes: { [HANDLER]: runtimeEntry(REG) } } } },
    });
  });

  test("stale entry for the same handler → replaced by the exact entry", () => {
    const stale = `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${HANDLER}]\nruntime_type = "io.containerd.kata.v2"\nsnapshotter = "nydus"\n`;
    const res = patchContainerdConfig(stale, REG);
    expect(res.changed).toBe(true);
    expect((parse(res.text) as Doc).plugins[CRI_PLUGIN[2]].containerd.runtimes[HANDLER]).toEqual(
      runtimeEntry(REG),
    );
  });

  const bad: [string, string, ErrorClass, string][] = [
    [
      "no version (v1 layout)",
      `[plugins.cri]\nsandbox_image = "x"\n`,
      ConfigError,
      "containerd_config_version_unsupported",
    ],
    ["version 4", "version = 4\n", ConfigError, "containerd_config_version_unsupported"],
    ["version as string", `version = "2"\n`, ConfigError, "containerd_config_version_unsupported"],
    ["not TOML", "version = 2\n[plugins\n", ConfigError, "containerd_config_invalid"],
    [
      "runtimes is a string",
      `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\nruntimes = "x"\n`,
      ConfigError,
      "containerd_config_invalid",
    ],
  ];
  for (const [name, text, cls, code] of bad) {
    test(`${name} → ${cls.name} ${code}`, () =>
      expectError(() => patchContainerdConfig(text, REG), cls, code));
  }
});

const containerd = Bun.which("containerd");
describe("containerd config dump", () => {
  if (!containerd) {
    console.warn(
      "containerd not installed: skipping the real-containerd acceptance of patched configs (apt-get install containerd)",
    );
  }
  test.skipIf(!containerd)("patched v2 config → real containerd accepts it and lists the runtime", () => {
    const dir = mkdtempSync(join(tmpdir(), "contrast-containerd-"));
    try {
      const file = join(dir, "config.toml");
      writeFileSync(file, patchContainerdConfig(CUSTOM_V2, REG).text);
      const proc = Bun.spawnSync([containerd!, "--config", file, "config", "dump"]);
      expect(proc.exitCode).toBe(0);
      const dump = parse(proc.stdout.toString()) as Doc;
      const entry = dump.plugins[CRI_PLUGIN[2]].containerd.runtimes[HANDLER];
      expect(entry.runtime_type).toBe("io.containerd.contrast-cc.v2");
      expect(entry.runtime_path).toBe(REG.runtimePath);
      expect(entry.pod_annotations).toEqual(["io.katacontainers.*"]);
      expect(entry.privileged_without_host_devices).toBe(true);
      expect(entry.options.ConfigPath).toBe(REG.kataConfigPath);
      // The user's customisations survive containerd's own reading too.
      expect(dump.root).toBe("/data/containerd");
      expect(dump.plugins[CRI_PLUGIN[2]].containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
      expect(dump.plugins[CRI_PLUGIN[2]].registry.mirrors["docker.io"].endpoint).toEqual([
        "https://mirror.example.com",
      ]);
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
    const after = parse(res.text) as Doc;
    expect(after.plugins[CRI_PLUGIN[2]].containerd.runtimes.runc).toEqual({
      runtime_type: "io.containerd.runc.v2",
    });
    expect(after.plugins[CRI_PLUGIN[2]].containerd.runtimes[HANDLER]).toEqual(runtimeEntry(REG));
  });
});
