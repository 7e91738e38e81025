// Entry of the `coordinator` component: config → dependencies → listeners, until the process is stopped.

import { join } from "node:path";
import { createCollateralCache } from "../attestation/collateral-cache.ts";
import { createKdsClient } from "../attestation/snp/kds.ts";
import { createPcsClient } from "../attestation/tdx/pcs.ts";
import { createLogger } from "../common/log.ts";
import { createEvidenceVerifier } from "../manifest/verify-evidence.ts";
import type { CoordinatorConfig } from "./config.ts";
import { type RunningCoordinator, startCoordinator } from "./server.ts";

export async function run(config: CoordinatorConfig, version: string): Promise<RunningCoordinator> {
  const log = createLogger({ level: config.logLevel, format: "json" }, { component: "coordinator" });
  const cache = createCollateralCache(config.cacheDir ?? join(config.stateDir, "collateral-cache"));
  const verifier = createEvidenceVerifier({
    kds: createKdsClient({ cache }),
    pcs: createPcsClient({ cache }),
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
