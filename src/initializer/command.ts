// `contrast initializer`: the init container that fetches the pod's mesh certificate and workload secret.

import type { CAC } from "cac";
import { runAction } from "../command/command.ts";
import { createLogger } from "../common/log.ts";
import { readInitializerConfig } from "./config.ts";
import { run } from "./run.ts";

export function registerInitializer(cli: CAC): void {
  cli
    .command("initializer", "attest this pod to the Coordinator and write its mesh certificate and secrets")
    .example(
      "  COORDINATOR_HOST=coordinator.default.svc.cluster.local contrast initializer   # mesh API port 7777 when none is given",
    )
    .example(
      "  COORDINATOR_HOST=127.0.0.1:7777 contrast initializer --tee sim --sim-dir sim --sim-initdata policies/<digest>.toml --out-dir pod",
    )
    .option("--tee <kind>", "auto|snp|tdx|sim (env CONTRAST_TEE)")
    .option("--sim-dir <dir>", "sim TEE directory (only with --tee sim)")
    .option(
      "--sim-initdata <file>",
      "the pod's initdata document; the simulated launch binds its SHA-256 as HOST_DATA (only with --tee sim)",
    )
    .option(
      "--initdata-path <path>",
      "where the guest keeps this pod's initdata document, TOML or block device (env CONTRAST_INITDATA_PATH; default /run/confidential-containers/initdata/initdata.toml, then /dev/disk/by-id/virtio-initdata)",
    )
    .option("--out-dir <dir>", "shared volume to write into (default /contrast)")
    .option("--timeout <duration>", "give up after this long, e.g. 30s (default: retry forever)")
    .action((flags: Record<string, string | undefined>) =>
      runAction(async () => {
        const config = readInitializerConfig(flags, process.env);
        const log = createLogger({ level: config.logLevel, format: "json" }, { component: "initializer" });
        await run(config, log);
        return 0;
      }),
    );
}
