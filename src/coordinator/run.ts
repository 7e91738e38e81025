// Entry of the `coordinator` component: config → dependencies → listeners, until the process is stopped.

import { join } from "node:path";
import { createLogger } from "../common/log.ts";
import { createCollateralVerifier } from "../manifest/collateral-verifier.ts";
import type { CoordinatorConfig } from "./config.ts";
import { type RunningCoordinator, startCoordinator } from "./server.ts";

export async function run(config: CoordinatorConfig, version: string): Promise<RunningCoordinator> {
  const log = createLogger({ level: config.logLevel, format: "json" }, { component: "coordinator" });
  const verifier = createCollateralVerifier({
    cacheDir: config.cacheDir ?? join(config.stateDir, "collateral-cache"),
    endpoints: config.collateral,
    warn: (detail) => log.warn("evidence admitted with a relaxation", { detail }),
  });
  const running = await startCoordinator(config, { log, verifier, version });
  const stop = async (signal: string) => {
    log.info("stopping", { signal });
    await running.stop();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  return running;
}
