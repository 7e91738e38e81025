// The evidence verifier of a component (Coordinator, Initializer, CLI): KDS/PCS clients over one disk cache, bounded
// VCEK fetches, CRLs of every chain fetched (the sim's only from its own KDS), warnings to the component's log.

import { type CollateralEndpoints, createCollateralClients } from "../attestation/collateral-endpoints.ts";
import { createKdsCrlSource } from "../attestation/snp/crl-source.ts";
import { createVcekFetcher } from "../attestation/snp/vcek-fetcher.ts";
import { createEvidenceVerifier, type EvidenceVerifier } from "./verify-evidence.ts";

export interface CollateralVerifierOptions {
  /** Directory of the on-disk collateral cache (created on first write). */
  readonly cacheDir: string;
  readonly endpoints: CollateralEndpoints;
  /** Called for every relaxation an admitted evidence relied on (a missing CRL accepted by AllowMissingCRL). */
  readonly warn?: (message: string) => void;
  readonly now?: () => Date;
}

export function createCollateralVerifier(o: CollateralVerifierOptions): EvidenceVerifier {
  const clients = createCollateralClients({
    cacheDir: o.cacheDir,
    endpoints: o.endpoints,
    ...(o.now ? { now: o.now } : {}),
  });
  return createEvidenceVerifier({
    vcek: createVcekFetcher(clients.kds),
    crls: createKdsCrlSource({
      amd: clients.kds,
      ...(clients.simKds ? { simulated: clients.simKds } : {}),
      ...(o.now ? { now: o.now } : {}),
    }),
    pcs: clients.pcs,
    ...(o.warn ? { warn: o.warn } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
}
