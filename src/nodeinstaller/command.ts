// `contrast node-installer PLATFORM`: installs the Kata runtime on this node (runs in the node-installer DaemonSet).

import type { CAC } from "cac";
import { runAction } from "../command/command.ts";
import { UsageError } from "../common/errors.ts";
import { spawnRunner } from "./restart.ts";
import { runNodeInstaller } from "./run.ts";

interface NodeInstallerFlags {
  hostRoot: string;
  imageRoot: string;
  config?: string;
  restart: boolean;
  fetch: boolean;
  kernelParams?: string;
  json?: boolean;
}

export function registerNodeInstaller(cli: CAC): void {
  cli
    .command(
      "node-installer [platform]",
      "install the confidential runtime on this node and register it with containerd",
    )
    .example("  contrast node-installer Metal-QEMU-SNP")
    .example(
      "  contrast node-installer Metal-QEMU-TDX --host-root /host --config /etc/contrast/target --json",
    )
    .option("--host-root <dir>", "the host's / as mounted into the installer", { default: "/host" })
    .option("--image-root <dir>", "root for artifact paths inside the node-installer image", { default: "/" })
    .option(
      "--config <path>",
      "target config: ConfigMap directory or YAML file (containerd-config-path, systemd-unit-name)",
    )
    .option("--no-restart", "do not restart containerd after changing its config")
    .option("--fetch", "allow http(s):// and file:// artifact sources (integrity is always required)")
    .option("--kernel-params <params>", "replace the guest kernel command line parameters")
    .option("--json", "print the result as JSON")
    .action((platform: string | undefined, flags: NodeInstallerFlags) =>
      runAction(async () => {
        if (!platform)
          throw new UsageError(
            "missing_platform",
            "platform: expected CLH-SNP|Metal-QEMU-SNP|Metal-QEMU-TDX, got nothing",
          );
        const result = await runNodeInstaller(
          Object.freeze({
            platform,
            hostRoot: flags.hostRoot,
            imageRoot: flags.imageRoot,
            targetConfigPath: flags.config,
            restart: flags.restart !== false,
            allowFetch: flags.fetch === true,
            kernelParams: flags.kernelParams,
          }),
          { run: spawnRunner, now: () => new Date() },
        );
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          [
            `runtime ${result.handler} ${result.artifactsChanged ? "installed" : "already installed"} at ${result.installDir}`,
            `containerd config ${result.containerdConfigPath} ${result.containerdChanged ? "updated" : "unchanged"}${result.backupPath ? ` (backup ${result.backupPath})` : ""}`,
            result.restartedUnit ? `restarted ${result.restartedUnit}` : "containerd not restarted",
          ].join("\n") + "\n",
        );
      }),
    );
}
