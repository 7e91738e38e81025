import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { ConfigError, UnavailableError, VerificationError } from "../../src/common/errors.ts";
import { CRI_PLUGIN, runtimeEntry } from "../../src/nodeinstaller/containerd-config.ts";
import { type NodeInstallerConfig, runNodeInstaller } from "../../src/nodeinstaller/run.ts";
import { runtimeHandlerForLock } from "../../src/platform/handler.ts";
import type { PlatformName } from "../../src/platform/platforms.ts";
import { type ErrorClass, expectCode } from "../support/expect-error.ts";
import { snapshotTree } from "../support/snapshot.ts";
import {
  artifactBytes,
  CUSTOM_V2,
  CUSTOM_V3,
  createFixture,
  type Doc,
  type Fixture,
  recordingRunner,
  writeHostFile,
} from "./fixtures.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const UNIX = Math.floor(NOW.getTime() / 1000);
const K3S = "var/lib/rancher/k3s/agent/etc/containerd";
const RKE2 = "var/lib/rancher/rke2/agent/etc/containerd";

let fx: Fixture;
afterEach(() => fx?.cleanup());

function config(over: Partial<NodeInstallerConfig> = {}): NodeInstallerConfig {
  return {
    platform: fx.lock.platform,
    hostRoot: fx.hostRoot,
    imageRoot: fx.imageRoot,
    restart: true,
    allowFetch: false,
    lock: fx.lock,
    stagingParent: fx.stagingParent,
    ...over,
  };
}

function setup(platform: PlatformName = "Metal-QEMU-SNP") {
  fx = createFixture(platform);
  const handler = runtimeHandlerForLock(fx.lock);
  return { handler, installDir: join(fx.hostRoot, "opt/edgeless", handler) };
}

function runtimesOf(path: string, version: 2 | 3): Record<string, unknown> {
  return (parse(readFileSync(path, "utf8")) as Doc).plugins[CRI_PLUGIN[version]].containerd.runtimes;
}

describe("runNodeInstaller on a kubeadm-style host", () => {
  test("containerd v2 config → artifacts, Kata config, patched config, backup, one restart", async () => {
    const { handler, installDir } = setup();
    writeHostFile(fx.hostRoot, "etc/containerd/config.toml", CUSTOM_V2, 0o600);
    const r = recordingRunner(["containerd.service"]);
    const res = await runNodeInstaller(config(), { run: r.run, now: () => NOW });

    expect(res).toEqual({
      handler,
      installDir: `/opt/edgeless/${handler}`,
      artifactsChanged: true,
      containerdConfigPath: "/etc/containerd/config.toml",
      containerdChanged: true,
      backupPath: join(fx.hostRoot, `etc/containerd/config.toml.${UNIX}.bak`),
      restartedUnit: "containerd.service",
    });
    for (const f of fx.lock.files) {
      const p = join(installDir, f.installPath);
      expect(new Uint8Array(readFileSync(p))).toEqual(artifactBytes(f.installPath));
      expect(statSync(p).mode & 0o777).toBe(f.executable ? 0o755 : 0o644);
    }
    const kata = parse(readFileSync(join(installDir, "etc/configuration-qemu-snp.toml"), "utf8")) as Doc;
    expect(kata.hypervisor.qemu.path).toBe(`/opt/edgeless/${handler}/snp/bin/qemu-system-x86_64`);
    const cfgPath = join(fx.hostRoot, "etc/containerd/config.toml");
    expect(runtimesOf(cfgPath, 2)[handler]).toEqual(
      runtimeEntry({
        handler,
        runtimePath: `/opt/edgeless/${handler}/bin/containerd-shim-contrast-cc-v2`,
        kataConfigPath: `/opt/edgeless/${handler}/etc/configuration-qemu-snp.toml`,
      }),
    );
    expect(readFileSync(res.backupPath!, "utf8")).toBe(CUSTOM_V2);
    expect(statSync(res.backupPath!).mode & 0o777).toBe(0o600);
    expect(r.calls.at(-1)).toEqual([
      "nsenter",
      "-t",
      "1",
      "-m",
      "--",
      "systemctl",
      "restart",
      "containerd.service",
    ]);
    expect(readdirSync(join(fx.hostRoot, "opt/edgeless")).sort()).toEqual([handler]);
  });

  test("second run → nothing written, runner not called, host byte-identical", async () => {
    setup();
    writeHostFile(fx.hostRoot, "etc/containerd/config.toml", CUSTOM_V2);
    await runNodeInstaller(config(), { run: recordingRunner().run, now: () => NOW });
    const before = snapshotTree(fx.hostRoot);
    const r = recordingRunner();
    const res = await runNodeInstaller(config(), { run: r.run, now: () => new Date(NOW.getTime() + 60_000) });
    expect([res.artifactsChanged, res.containerdChanged, res.backupPath, res.restartedUnit]).toEqual([
      false,
      false,
      undefined,
      undefined,
    ]);
    expect(r.calls).toEqual([]);
    expect(snapshotTree(fx.hostRoot)).toEqual(before);
  });

  test("containerd v3 config → runtime under io.containerd.cri.v1.runtime", async () => {
    const { handler } = setup("Metal-QEMU-TDX");
    writeHostFile(fx.hostRoot, "etc/containerd/config.toml", CUSTOM_V3);
    await runNodeInstaller(config({ restart: false }), { run: recordingRunner().run, now: () => NOW });
    expect(Object.keys(runtimesOf(join(fx.hostRoot, "etc/containerd/config.toml"), 3)).sort()).toEqual([
      handler,
      "runc",
    ]);
  });

  test("no containerd config yet → fresh v2 config, no backup", async () => {
    const { handler } = setup();
    const res = await runNodeInstaller(config({ restart: false }), {
      run: recordingRunner().run,
      now: () => NOW,
    });
    expect(res.backupPath).toBeUndefined();
    expect(Object.keys(runtimesOf(join(fx.hostRoot, "etc/containerd/config.toml"), 2))).toEqual([handler]);
  });

  test("--no-restart → config changed, runner never called", async () => {
    setup();
    const r = recordingRunner();
    const res = await runNodeInstaller(config({ restart: false }), { run: r.run, now: () => NOW });
    expect(res.containerdChanged).toBe(true);
    expect(r.calls).toEqual([]);
  });

  test("an installed file tampered with → tree reinstalled, containerd left alone", async () => {
    const { installDir } = setup();
    await runNodeInstaller(config(), { run: recordingRunner().run, now: () => NOW });
    writeFileSync(join(installDir, "share/kata-kernel"), "tampered");
    const r = recordingRunner();
    const res = await runNodeInstaller(config(), { run: r.run, now: () => NOW });
    expect([res.artifactsChanged, res.containerdChanged]).toEqual([true, false]);
    expect(new Uint8Array(readFileSync(join(installDir, "share/kata-kernel")))).toEqual(
      artifactBytes("share/kata-kernel"),
    );
    expect(r.calls).toEqual([]);
  });
});

describe("runNodeInstaller on K3s and RKE2", () => {
  test("K3s agent without template → template seeded from the rendered config, rendered file untouched, k3s-agent restarted", async () => {
    const { handler } = setup("CLH-SNP");
    const rendered = `version = 3\nroot = "/var/lib/rancher/k3s/agent/containerd"\n[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]\nruntime_type = "io.containerd.runc.v2"\n`;
    writeHostFile(fx.hostRoot, `${K3S}/config.toml`, rendered);
    const r = recordingRunner(["k3s-agent.service"]);
    const res = await runNodeInstaller(config(), { run: r.run, now: () => NOW });
    expect(res.containerdConfigPath).toBe(`/${K3S}/config.toml.tmpl`);
    expect(res.restartedUnit).toBe("k3s-agent.service");
    expect(res.backupPath).toBeUndefined();
    expect(readFileSync(join(fx.hostRoot, K3S, "config.toml"), "utf8")).toBe(rendered);
    expect(Object.keys(runtimesOf(join(fx.hostRoot, K3S, "config.toml.tmpl"), 3)).sort()).toEqual([
      handler,
      "runc",
    ]);
  });

  test("RKE2 server with a Go template → block appended, template backed up, rke2-server restarted; rerun no-op", async () => {
    const { handler } = setup("Metal-QEMU-SNP");
    writeHostFile(
      fx.hostRoot,
      `${RKE2}/config.toml`,
      `version = 2\nroot = "/var/lib/rancher/rke2/agent/containerd"\n`,
    );
    writeHostFile(fx.hostRoot, `${RKE2}/config.toml.tmpl`, `{{ template "base" . }}\n`);
    const r = recordingRunner(["rke2-server.service"]);
    const res = await runNodeInstaller(config(), { run: r.run, now: () => NOW });
    expect(res.restartedUnit).toBe("rke2-server.service");
    expect(readFileSync(res.backupPath!, "utf8")).toBe(`{{ template "base" . }}\n`);
    const tmpl = readFileSync(join(fx.hostRoot, RKE2, "config.toml.tmpl"), "utf8");
    expect(tmpl).toContain(`[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${handler}]`);
    const again = recordingRunner(["rke2-server.service"]);
    expect((await runNodeInstaller(config(), { run: again.run, now: () => NOW })).containerdChanged).toBe(
      false,
    );
    expect(again.calls).toEqual([]);
  });

  test("target config → its path and units are used instead of detection", async () => {
    const { handler } = setup();
    mkdirSync(join(fx.hostRoot, K3S), { recursive: true });
    writeHostFile(fx.hostRoot, "srv/containerd/custom.toml", CUSTOM_V2);
    const target = join(fx.root, "target-config");
    mkdirSync(target);
    writeFileSync(join(target, "containerd-config-path"), "srv/containerd/custom.toml");
    writeFileSync(join(target, "systemd-unit-name"), "my-containerd.service");
    const r = recordingRunner(["my-containerd.service"]);
    const res = await runNodeInstaller(config({ targetConfigPath: target }), { run: r.run, now: () => NOW });
    expect(res.restartedUnit).toBe("my-containerd.service");
    expect(Object.keys(runtimesOf(join(fx.hostRoot, "srv/containerd/custom.toml"), 2))).toContain(handler);
    expect(existsSync(join(fx.hostRoot, K3S, "config.toml.tmpl"))).toBe(false);
  });
});

describe("runNodeInstaller failures leave the host as it was", () => {
  async function expectHostUnchanged(
    prepare: () => void,
    cfg: () => NodeInstallerConfig,
    cls: ErrorClass,
    code: string,
  ) {
    prepare();
    const before = snapshotTree(fx.hostRoot);
    const r = recordingRunner();
    await expectCode(runNodeInstaller(cfg(), { run: r.run, now: () => NOW }), cls, code);
    expect(snapshotTree(fx.hostRoot)).toEqual(before);
    expect(r.calls).toEqual([]);
  }

  test("corrupted artifact in the image → VerificationError integrity_mismatch", async () => {
    setup();
    await expectHostUnchanged(
      () => {
        writeHostFile(fx.hostRoot, "etc/containerd/config.toml", CUSTOM_V2);
        const shim = fx.lock.files.find((f) => f.role === "shim")!;
        writeFileSync(join(fx.imageRoot, shim.source), "not the locked shim");
      },
      config,
      VerificationError,
      "integrity_mismatch",
    );
  });

  test("lock without integrity (as shipped) → ConfigError artifact_integrity_missing", async () => {
    setup();
    const { lock, ...rest } = config();
    await expectHostUnchanged(
      () => {},
      () => ({ ...rest, platform: "Metal-QEMU-SNP" }),
      ConfigError,
      "artifact_integrity_missing",
    );
  });

  // One row a containerd config the installer must refuse before it touches anything.
  const badConfigs: [string, () => void, string][] = [
    [
      "containerd config that is a directory → ConfigError containerd_config_unreadable",
      () => mkdirSync(join(fx.hostRoot, "etc/containerd/config.toml"), { recursive: true }),
      "containerd_config_unreadable",
    ],
    [
      "containerd config that is not TOML → ConfigError containerd_config_invalid",
      () => writeHostFile(fx.hostRoot, "etc/containerd/config.toml", "version = 2\n[plugins\n"),
      "containerd_config_invalid",
    ],
    [
      "containerd config version 1 → ConfigError containerd_config_version_unsupported",
      () => writeHostFile(fx.hostRoot, "etc/containerd/config.toml", "[plugins.cri]\n"),
      "containerd_config_version_unsupported",
    ],
  ];
  for (const [name, prepare, code] of badConfigs) {
    test(name, async () => {
      setup();
      await expectHostUnchanged(prepare, config, ConfigError, code);
    });
  }

  test("lock of another platform → ConfigError lock_platform_mismatch", async () => {
    setup();
    await expectHostUnchanged(
      () => {},
      () => config({ platform: "Metal-QEMU-TDX" }),
      ConfigError,
      "lock_platform_mismatch",
    );
  });

  test("missing host root → ConfigError host_root_missing", async () => {
    setup();
    const r = recordingRunner();
    await expectCode(
      runNodeInstaller(config({ hostRoot: join(fx.root, "absent") }), { run: r.run, now: () => NOW }),
      ConfigError,
      "host_root_missing",
    );
    expect(existsSync(join(fx.root, "absent"))).toBe(false);
  });

  test("restart fails → UnavailableError containerd_restart_failed, old config restored so a retry restarts", async () => {
    setup();
    writeHostFile(fx.hostRoot, "etc/containerd/config.toml", CUSTOM_V2);
    const failing = recordingRunner(["containerd.service"], 1);
    await expectCode(
      runNodeInstaller(config(), { run: failing.run, now: () => NOW }),
      UnavailableError,
      "containerd_restart_failed",
    );
    expect(readFileSync(join(fx.hostRoot, "etc/containerd/config.toml"), "utf8")).toBe(CUSTOM_V2);
    const retry = recordingRunner(["containerd.service"]);
    expect((await runNodeInstaller(config(), { run: retry.run, now: () => NOW })).restartedUnit).toBe(
      "containerd.service",
    );
  });
});

const containerd = Bun.which("containerd");
describe("installed config accepted by containerd", () => {
  if (!containerd)
    console.warn("containerd not installed: skipping `containerd config dump` of the installed config");
  test.skipIf(!containerd)(
    "config written by a run → `containerd config dump` lists the runtime",
    async () => {
      const { handler } = setup();
      writeHostFile(fx.hostRoot, "etc/containerd/config.toml", CUSTOM_V2);
      await runNodeInstaller(config({ restart: false }), { run: recordingRunner().run, now: () => NOW });
      const proc = Bun.spawnSync([
        containerd!,
        "--config",
        join(fx.hostRoot, "etc/containerd/config.toml"),
        "config",
        "dump",
      ]);
      expect(proc.exitCode).toBe(0);
      const dump = parse(proc.stdout.toString()) as Doc;
      const entry = dump.plugins[CRI_PLUGIN[2]].containerd.runtimes[handler];
      expect(entry.runtime_type).toBe("io.containerd.contrast-cc.v2");
      expect(entry.options.ConfigPath).toBe(`/opt/edgeless/${handler}/etc/configuration-qemu-snp.toml`);
    },
  );
});
