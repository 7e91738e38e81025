// The evidence verifier the CLI commands use: KDS/PCS collateral with an on-disk cache in the user's cache dir.

import { homedir } from "node:os";
import { join } from "node:path";
import { readCollateralEndpoints } from "../attestation/collateral-endpoints.ts";
import { createCollateralVerifier } from "../manifest/collateral-verifier.ts";
import type { EvidenceVerifier } from "../manifest/verify-evidence.ts";

/** `$CONTRAST_CACHE_DIR`, else `$XDG_CACHE_HOME/contrast`, else `~/.cache/contrast`. */
export function cacheDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.CONTRAST_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "contrast");
}

/**
 * Collateral from `CONTRAST_KDS_URL`, `CONTRAST_SIM_KDS_URL`, `CONTRAST_PCS_URL` (defaults: AMD and Intel). Every
 * warning of an accepted evidence (a missing CRL accepted by the manifest's AllowMissingCRL) goes to `warn`.
 */
export function createCliVerifier(
  env: Readonly<Record<string, string | undefined>>,
  now?: () => Date,
  warn: (message: string) => void = (m) => void process.stderr.write(`warning: ${m}\n`),
): EvidenceVerifier {
  return createCollateralVerifier({
    cacheDir: cacheDir(env),
    endpoints: readCollateralEndpoints(env),
    warn,
    ...(now ? { now } : {}),
  });
}

export const SIM_MANIFEST_WARNING =
  "warning: this manifest trusts a simulated TEE (SimulatedARK): for development only, it proves nothing about hardware";
