// `contrast coordinator`: runs the attested Coordinator service (user API 1313, mesh API 7777, probes 9102).

import type { CAC } from "cac";
import { VERSION } from "../command/build-info.ts";
import { runAction } from "../command/command.ts";
import { readCoordinatorConfig } from "./config.ts";
import { run } from "./run.ts";

export function registerCoordinator(cli: CAC): void {
  cli
    .command("coordinator", "run the Coordinator (attestation service, CA, manifest history)")
    .example("  contrast coordinator --state-dir /var/lib/contrast")
    .example(
      "  contrast coordinator --tee sim --sim-dir sim --sim-host-data <policy digest> --state-dir state",
    )
    .option("--state-dir <dir>", "persistent state directory (env CONTRAST_STATE_DIR)", {
      default: undefined,
    })
    .option("--tee <kind>", "auto|snp|tdx|sim (env CONTRAST_TEE; auto detects configfs-tsm)")
    .option("--sim-dir <dir>", "sim TEE directory from `contrast sim init` (only with --tee sim)")
    .option("--sim-host-data <hex>", "32-byte host data a launch would bind (only with --tee sim)")
    .option("--user-api-addr <addr>", "listen address of the user API (default 0.0.0.0:1313)")
    .option("--mesh-api-addr <addr>", "listen address of the mesh API (default 0.0.0.0:7777)")
    .option("--probe-addr <addr>", "listen address of probes and metrics (default 0.0.0.0:9102)")
    .option(
      "--max-connections <n>",
      "open connections per listener (env CONTRAST_MAX_CONNECTIONS; default 1024)",
    )
    .option("--header-timeout <duration>", "request headers, TLS handshake included (default 10s)")
    .option("--body-timeout <duration>", "request body after the headers (default 30s)")
    .option("--idle-timeout <duration>", "keep-alive connection without a request (default 15s)")
    .action((flags: Record<string, string | undefined>) =>
      runAction(async () => {
        const config = readCoordinatorConfig(flags, process.env);
        await run(config, VERSION);
        await new Promise(() => {}); // serve until a signal stops the process
      }),
    );
}
