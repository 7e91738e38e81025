// The evidence verifier the CLI commands use: KDS/PCS collateral with an on-disk cache in the user's cache dir.

import { homedir } from "node:os";
import { join } from "node:path";
import { createCollateralCache } from "../attestation/collateral-cache.ts";
import { createKdsClient } from "../attestation/snp/kds.ts";
import { createPcsClient } from "../attestation/tdx/pcs.ts";
import { createEvidenceVerifier, type EvidenceVerifier } from "../manifest/verify-evidence.ts";

/** `$CONTRAST_CACHE_DIR`, else `$XDG_CACHE_HOME/contrast`, else `~/.cache/contrast`. */
export function cacheDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.CONTRAST_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "contrast");
}

export function createCliVerifier(
  env: Readonly<Record<string, string | undefined>>,
  now?: () => Date,
): EvidenceVerifier {
  const cache = createCollateralCache(cacheDir(env));
  return createEvidenceVerifier({
    kds: createKdsClient({ cache }),
    pcs: createPcsClient({ cache }),
    ...(now ? { now } : {}),
  });
}

export const SIM_MANIFEST_WARNING =
  "warning: this manifest trusts a simulated TEE (SimulatedARK): for development only, it proves nothing about hardware";
