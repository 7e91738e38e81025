// Where attestation collateral is fetched: AMD KDS, the simulated TEE's KDS, Intel PCS. Each component's config reader
// calls `readCollateralEndpoints` once; the clients share one on-disk cache.

import { ConfigError } from "../common/errors.ts";
import { createCollateralCache } from "./collateral-cache.ts";
import { createKdsClient, type KdsClient } from "./snp/kds.ts";
import { createPcsClient, type PcsClient } from "./tdx/pcs.ts";

export interface CollateralEndpoints {
  /** `CONTRAST_KDS_URL`: AMD KDS base URL (default https://kdsintf.amd.com): VCEKs and the CRLs of AMD's ARKs. */
  readonly kdsUrl: string | undefined;
  /**
   * `CONTRAST_SIM_KDS_URL`: base URL of a KDS-shaped server for the simulated ARK's CRL (`/vcek/v1/{product}/crl`).
   * Unset (the default), a sim chain is checked only against the CRL its evidence carries (`contrast sim init`'s).
   */
  readonly simKdsUrl: string | undefined;
  /** `CONTRAST_PCS_URL`: replaces both the Intel PCS API and the certificates base URL (mirrors, tests). */
  readonly pcsUrl: string | undefined;
}

export function readCollateralEndpoints(
  env: Readonly<Record<string, string | undefined>>,
): CollateralEndpoints {
  return Object.freeze({
    kdsUrl: checkUrl(env.CONTRAST_KDS_URL, "CONTRAST_KDS_URL"),
    simKdsUrl: checkUrl(env.CONTRAST_SIM_KDS_URL, "CONTRAST_SIM_KDS_URL"),
    pcsUrl: checkUrl(env.CONTRAST_PCS_URL, "CONTRAST_PCS_URL"),
  });
}

function checkUrl(v: string | undefined, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== "https:" && u.protocol !== "http:") || u.search || u.hash) {
    throw new ConfigError("invalid_env", `${name}: expected an http(s) base url, got ${JSON.stringify(v)}`, {
      field: name,
    });
  }
  return v;
}

export interface CollateralClients {
  readonly kds: KdsClient;
  /** Only when `simKdsUrl` is set. */
  readonly simKds: KdsClient | undefined;
  readonly pcs: PcsClient;
}

export function createCollateralClients(o: {
  cacheDir: string;
  endpoints: CollateralEndpoints;
  now?: () => Date;
}): CollateralClients {
  const cache = createCollateralCache(o.cacheDir);
  const common = { cache, ...(o.now ? { now: o.now } : {}) };
  const e = o.endpoints;
  return {
    kds: createKdsClient({ ...common, ...(e.kdsUrl ? { baseUrl: e.kdsUrl } : {}) }),
    simKds: e.simKdsUrl ? createKdsClient({ ...common, baseUrl: e.simKdsUrl }) : undefined,
    pcs: createPcsClient({ ...common, ...(e.pcsUrl ? { baseUrl: e.pcsUrl, certsBaseUrl: e.pcsUrl } : {}) }),
  };
}
