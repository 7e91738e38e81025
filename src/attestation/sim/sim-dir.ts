// The simulated TEE's state directory: create a development chain once (keys 0600, dir 0700), load and check it after.

import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../common/atomic-file.ts";
import { toHex } from "../../common/bytes.ts";
import { ConfigError } from "../../common/errors.ts";
import { encodePem } from "../../crypto/pem.ts";
import { buildSimReferenceValues } from "./reference-values.ts";
import { createSimChain, type SimProduct } from "./sim-chain.ts";
import { createSimCrl, refreshSimCrl } from "./sim-crl.ts";
import { loadSimDir, SIM_FILES, SIM_FORMAT, type SimTee } from "./sim-load.ts";
import { SIM_PRODUCTS } from "./sim-product.ts";

export { loadSimDir, SIM_FILES, type SimTee } from "./sim-load.ts";

export interface InitSimDirOptions {
  readonly now?: Date;
  readonly product?: SimProduct;
  /** Randomness source for the chip ID and launch measurement (default WebCrypto). */
  readonly random?: (n: number) => Uint8Array;
}

export interface InitSimDirResult extends SimTee {
  /** false when DIR already held a sim chain, which was kept. */
  readonly created: boolean;
}

function defaultRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/**
 * Creates DIR with a development ARK → ASK → VCEK chain, its CRL, a random chip ID and launch measurement, and
 * `reference-values.json` trusting exactly this chain. Idempotent: an existing sim DIR is loaded, checked and kept;
 * only its CRL is issued again when it is missing or no longer current.
 */
export async function initSimDir(dir: string, opts: InitSimDirOptions = {}): Promise<InitSimDirResult> {
  const now = opts.now ?? new Date();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (e) {
    throw new ConfigError("sim_dir_invalid", `${dir}: expected a writable directory`, {
      field: dir,
      cause: e,
    });
  }
  // sim.json is written last, so its presence marks a complete directory; anything else is overwritten.
  if (existsSync(join(dir, SIM_FILES.meta))) {
    await loadSimDir(dir, { now }); // every file checked before the CRL is (re)signed with the ARK key
    await refreshSimCrl(dir, now, join(dir, SIM_FILES.arkKey), join(dir, SIM_FILES.ark));
    return { ...(await loadSimDir(dir, { now })), created: false };
  }
  const product = opts.product ?? "Milan";
  const spec = SIM_PRODUCTS[product];
  const random = opts.random ?? defaultRandom;
  const chipId = random(64);
  const measurement = random(48);
  const chain = await createSimChain({ product, chipId, tcb: spec.tcb, productName: spec.productName, now });
  const write = (name: string, data: string): void => writeFileAtomic(join(dir, name), data, { mode: 0o600 });
  write(SIM_FILES.arkKey, encodePem("PRIVATE KEY", chain.ark.pkcs8));
  write(SIM_FILES.askKey, encodePem("PRIVATE KEY", chain.ask.pkcs8));
  write(SIM_FILES.vcekKey, encodePem("PRIVATE KEY", chain.vcek.pkcs8));
  write(SIM_FILES.ark, chain.ark.pem);
  write(SIM_FILES.ask, chain.ask.pem);
  write(SIM_FILES.vcek, chain.vcek.pem);
  write(
    SIM_FILES.crl,
    encodePem("X509 CRL", await createSimCrl({ ark: chain.ark.der, arkKey: chain.arkSigningKey, now })),
  );
  const refs = buildSimReferenceValues({ product, measurement, tcb: spec.tcb, arkPem: chain.ark.pem });
  write(SIM_FILES.referenceValues, `${JSON.stringify(refs, null, 2)}\n`);
  const meta = {
    format: SIM_FORMAT,
    product,
    chipId: toHex(chipId),
    measurement: toHex(measurement),
    createdAt: now.toISOString(),
  };
  write(SIM_FILES.meta, `${JSON.stringify(meta, null, 2)}\n`);
  return { ...(await loadSimDir(dir, { now })), created: true };
}
