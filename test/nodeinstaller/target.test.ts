import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/common/errors.ts";
import { readTargetConfig, resolveContainerdTarget } from "../../src/nodeinstaller/target.ts";
import { expectError } from "../support/expect-error.ts";

const dir = mkdtempSync(join(tmpdir(), "contrast-target-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lays out a ConfigMap volume the way kubelet does: keys are symlinks into a timestamped `..data` directory. */
function configMapDir(name: string, data: Record<string, string>): string {
  const root = join(dir, name);
  const ts = join(root, "..2026_01_01_00_00_00.000000001");
  mkdirSync(ts, { recursive: true });
  for (const [k, v] of Object.entries(data)) writeFileSync(join(ts, k), v);
  symlinkSync("..2026_01_01_00_00_00.000000001", join(root, "..data"));
  for (const k of Object.keys(data)) symlinkSync(join("..data", k), join(root, k));
  return root;
}

function expectConfigError(fn: () => unknown, code: string): void {
  expectError(() => fn(), ConfigError, code);
}

describe("readTargetConfig", () => {
  test("mounted ConfigMap directory → keys read, ..data entries ignored, path made absolute", () => {
    const p = configMapDir("cm", {
      "containerd-config-path": "var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl",
      "systemd-unit-name": "k3s.service, k3s-agent.service",
    });
    expect(readTargetConfig(p)).toEqual({
      containerdConfigPath: "/var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl",
      systemdUnits: ["k3s.service", "k3s-agent.service"],
    });
  });

  test("empty optional ConfigMap mount → no overrides", () => {
    const p = join(dir, "empty");
    mkdirSync(p);
    expect(readTargetConfig(p)).toEqual({ containerdConfigPath: undefined, systemdUnits: undefined });
  });

  test("YAML file → same keys", () => {
    const p = join(dir, "target.yaml");
    writeFileSync(
      p,
      "containerd-config-path: /etc/containerd/custom.toml\nsystemd-unit-name: containerd.service\n",
    );
    expect(readTargetConfig(p).containerdConfigPath).toBe("/etc/containerd/custom.toml");
  });

  const bad: [string, string][] = [
    ["unknown key", "kata-debug: 'true'\n"],
    ["path with ..", "containerd-config-path: etc/../../root/x.toml\n"],
    ["path not toml", "containerd-config-path: etc/containerd/config.json\n"],
    ["unit with shell characters", "systemd-unit-name: 'containerd; reboot'\n"],
    ["not a mapping", "- a\n- b\n"],
  ];
  for (const [name, text] of bad) {
    test(`${name} → ConfigError`, () => {
      const p = join(dir, `${name.replace(/\W+/g, "-")}.yaml`);
      writeFileSync(p, text);
      expectConfigError(() => readTargetConfig(p), "target_config_invalid");
    });
  }

  test("missing path → ConfigError target_config_unreadable", () => {
    expectConfigError(() => readTargetConfig(join(dir, "nope")), "target_config_unreadable");
  });
});

describe("resolveContainerdTarget", () => {
  const host = (name: string, sub?: string) => {
    const h = join(dir, name);
    mkdirSync(sub ? join(h, sub) : h, { recursive: true });
    return h;
  };

  test("plain host → /etc/containerd/config.toml, containerd.service", () => {
    expect(resolveContainerdTarget(host("plain"))).toEqual({
      flavor: "containerd",
      configPath: "/etc/containerd/config.toml",
      renderedPath: undefined,
      units: ["containerd.service"],
    });
  });

  test("K3s directory → config.toml.tmpl beside the rendered config, k3s then k3s-agent", () => {
    const t = resolveContainerdTarget(host("k3s", "var/lib/rancher/k3s/agent/etc/containerd"));
    expect(t.flavor).toBe("k3s");
    expect(t.configPath).toBe("/var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl");
    expect(t.renderedPath).toBe("/var/lib/rancher/k3s/agent/etc/containerd/config.toml");
    expect(t.units).toEqual(["k3s.service", "k3s-agent.service"]);
  });

  test("RKE2 directory → rke2-server then rke2-agent", () => {
    const t = resolveContainerdTarget(host("rke2", "var/lib/rancher/rke2/agent/etc/containerd"));
    expect(t.flavor).toBe("rke2");
    expect(t.units).toEqual(["rke2-server.service", "rke2-agent.service"]);
  });

  test("target config → wins over detection", () => {
    const t = resolveContainerdTarget(host("k3s"), {
      containerdConfigPath: "/etc/containerd/other.toml",
      systemdUnits: ["my-containerd.service"],
    });
    expect(t).toEqual({
      flavor: "target-config",
      configPath: "/etc/containerd/other.toml",
      renderedPath: undefined,
      units: ["my-containerd.service"],
    });
  });
});
