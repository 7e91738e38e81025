// Issuer for real hardware: SNP reports and TDX quotes through Linux configfs-tsm (Linux Documentation/ABI/testing/configfs-tsm).

import { ConfigError, ParseError, UnavailableError } from "../common/errors.ts";
import type { Evidence, Issuer } from "./evidence.ts";
import { TEE_NAMES, TEE_PLATFORMS, type Tee, teeOfTsmProvider } from "./platforms.ts";
import { createTsmClient, type TsmClientOptions } from "./tsm.ts";

/**
 * Creates an issuer for the provider configfs-tsm reports. The SNP certificate table (auxblob) is passed along as
 * evidence certs; the verifier treats them as untrusted and fetches from the KDS when they are missing.
 */
export function createTsmIssuer(opts: TsmClientOptions & { expect?: Tee } = {}): Issuer & {
  probe(): Promise<void>;
} {
  const client = createTsmClient(opts);
  let platform: Tee = opts.expect ?? "snp";
  return {
    get platform() {
      return platform;
    },
    description: "configfs-tsm",
    async probe() {
      const r = await client.getReport(new Uint8Array(64));
      platform = providerToPlatform(r.provider);
      if (opts.expect && opts.expect !== platform) {
        throw new ConfigError(
          "tee_mismatch",
          `--tee: expected ${opts.expect}, got configfs-tsm provider ${r.provider}`,
        );
      }
    },
    async issue(reportData: Uint8Array): Promise<Evidence> {
      if (reportData.length !== 64) {
        throw new ParseError("invalid_length", `report data: expected 64 bytes, got ${reportData.length}`);
      }
      const r = await client.getReport(reportData);
      return TEE_PLATFORMS[providerToPlatform(r.provider)].evidenceFromTsm(r.outblob, r.auxblob);
    },
  };
}

function providerToPlatform(provider: string): Tee {
  const tee = teeOfTsmProvider(provider);
  if (tee !== undefined) return tee;
  throw new UnavailableError(
    "tsm_unsupported_provider",
    `configfs-tsm provider: expected ${TEE_NAMES.map((t) => TEE_PLATFORMS[t].tsmProvider).join(" or ")}, got ${JSON.stringify(provider)}`,
  );
}
