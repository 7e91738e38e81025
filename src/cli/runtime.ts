// `contrast runtime` (runtime class names) and `contrast resources runtime` (RuntimeClass + node-installer DaemonSet).

import type { CAC } from "cac";
import { VERSION } from "../command/build-info.ts";
import { runAction } from "../command/command.ts";
import { ConfigError, UsageError } from "../common/errors.ts";
import { NODE_INSTALLER_IMAGE } from "../kube/release-images.ts";
import { renderRuntimeResources } from "../kube/runtime-resources.ts";
import {
  listPlatforms,
  parsePlatform,
  runtimeHandler,
  SIM_RUNTIME_ID,
  simRuntimeHandler,
} from "../platform/index.ts";

const TARGET_PRESETS: Record<string, { containerdConfigPath: string; systemdUnitNames: string[] }> = {
  k3s: {
    containerdConfigPath: "var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl",
    systemdUnitNames: ["k3s.service", "k3s-agent.service"],
  },
  rke2: {
    containerdConfigPath: "var/lib/rancher/rke2/agent/etc/containerd/config.toml.tmpl",
    systemdUnitNames: ["rke2-server.service", "rke2-agent.service"],
  },
};

export function registerRuntime(cli: CAC): void {
  cli
    .command(
      "runtime",
      "print the runtime class name (runtime handler) of each platform, and of pods on the simulated TEE (sim)",
    )
    .example("  contrast runtime")
    .example("  contrast runtime --platform Metal-QEMU-SNP --json")
    .option("--platform <platform>", "CLH-SNP, Metal-QEMU-SNP, Metal-QEMU-TDX or sim (case-insensitive)")
    .option("--json", "print JSON")
    .action((flags: { platform?: string; json?: boolean }) =>
      runAction(() => {
        const sim = { platform: SIM_RUNTIME_ID, handler: simRuntimeHandler() };
        const rows =
          flags.platform?.toLowerCase() === SIM_RUNTIME_ID
            ? [sim]
            : [
                ...(flags.platform ? [parsePlatform(flags.platform, "--platform")] : listPlatforms()).map(
                  (p) => ({ platform: p.name as string, handler: runtimeHandler(p) }),
                ),
                ...(flags.platform ? [] : [sim]),
              ];
        if (flags.json) process.stdout.write(`${JSON.stringify(flags.platform ? rows[0] : rows, null, 2)}\n`);
        else if (flags.platform) process.stdout.write(`${rows[0]!.handler}\n`);
        else process.stdout.write(rows.map((r) => `${r.platform}\t${r.handler}\n`).join(""));
      }),
    );
}

interface ResourcesFlags {
  platform?: string;
  imageRegistry?: string;
  nodeInstallerImage?: string;
  targetConfig?: string;
}

function targetConfigOption(v: string | undefined) {
  if (v === undefined) return undefined;
  if (v === "mount") return true;
  const preset = TARGET_PRESETS[v];
  if (!preset)
    throw new UsageError(
      "invalid_target_config",
      `--target-config: expected k3s|rke2|mount, got ${JSON.stringify(v)}`,
    );
  return preset;
}

/** Registers `runtime` inside the `resources` command group (the lead wires the group in src/main.ts). */
export function registerResourcesRuntime(sub: CAC): void {
  sub
    .command("runtime", "print the RuntimeClass and node-installer DaemonSet for a platform as YAML")
    .example("  contrast resources runtime --platform Metal-QEMU-SNP | kubectl apply -f -")
    .example("  contrast resources runtime --platform Metal-QEMU-TDX --target-config k3s")
    .option("--platform <platform>", "CLH-SNP, Metal-QEMU-SNP or Metal-QEMU-TDX (case-insensitive)")
    .option(
      "--image-registry <prefix>",
      "registry prefix of the node-installer image: <prefix>/node-installer:<version>",
    )
    .option(
      "--node-installer-image <ref>",
      `full node-installer image reference (default ${NODE_INSTALLER_IMAGE.reference})`,
    )
    .option(
      "--target-config <preset>",
      "k3s|rke2: add the target-config ConfigMap; mount: mount an existing one",
    )
    .action((flags: ResourcesFlags) =>
      runAction(() => {
        if (!flags.platform)
          throw new UsageError("missing_platform", "--platform: expected a platform name, got nothing");
        if (flags.platform.toLowerCase() === SIM_RUNTIME_ID)
          throw new ConfigError(
            "unknown_platform",
            "--platform: expected CLH-SNP, Metal-QEMU-SNP or Metal-QEMU-TDX, got sim: pods on the simulated TEE need no runtime installed",
            { field: "--platform" },
          );
        const platform = parsePlatform(flags.platform, "--platform");
        const image =
          flags.nodeInstallerImage ??
          (flags.imageRegistry === undefined
            ? NODE_INSTALLER_IMAGE.reference
            : `${flags.imageRegistry}/node-installer:${VERSION}`);
        const targetConfig = targetConfigOption(flags.targetConfig);
        process.stdout.write(
          renderRuntimeResources(platform, {
            nodeInstallerImage: image,
            ...(targetConfig ? { targetConfig } : {}),
          }),
        );
      }),
    );
}
