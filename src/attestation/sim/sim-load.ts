// Loading a sim directory back: every file parsed and cross-checked (keys match certs, chain verifies), else ConfigError naming the file.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { constantTimeEqual, fromHex } from "../../common/bytes.ts";
import { ConfigError } from "../../common/errors.ts";
import { decodePemDers } from "../../crypto/pem.ts";
import type { SnpTcb } from "../snp/tcb.ts";
import { SnpVerifier } from "../snp/verify.ts";
import { buildSimReferenceValues, type SimReferenceValues } from "./reference-values.ts";
import type { SimProduct } from "./sim-chain.ts";
import { readSimCrl } from "./sim-crl.ts";
import { isSimProduct } from "./sim-product.ts";

export const SIM_FORMAT = "contrast-sim-snp/v1";

export const SIM_FILES = {
  meta: "sim.json",
  ark: "ark.pem",
  ask: "ask.pem",
  vcek: "vcek.pem",
  arkKey: "ark.key",
  askKey: "ask.key",
  vcekKey: "vcek.key",
  referenceValues: "reference-values.json",
  /** The sim "KDS" CRL, signed by the sim ARK; volunteered with every sim report. */
  crl: "crl.pem",
} as const;

/** A loaded, checked sim TEE. */
export interface SimTee {
  readonly dir: string;
  readonly product: SimProduct;
  readonly chipId: Uint8Array;
  readonly measurement: Uint8Array;
  /** The SPLs certified by the sim VCEK. */
  readonly tcb: SnpTcb;
  readonly ark: Uint8Array;
  readonly ask: Uint8Array;
  readonly vcek: Uint8Array;
  readonly arkPem: string;
  /** ECDSA P-384 private key of the VCEK (non-extractable). */
  readonly vcekSigningKey: CryptoKey;
  readonly referenceValuesPath: string;
  readonly referenceValues: SimReferenceValues;
  /** DER CRL signed by the sim ARK (DIR/crl.pem); undefined in a directory made before sim CRLs existed. */
  readonly crl: Uint8Array | undefined;
}

function invalid(path: string, message: string, cause?: unknown): never {
  throw new ConfigError("sim_dir_invalid", `${path}: ${message}`, { field: path, cause });
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    return invalid(path, "expected a readable file, got none", e);
  }
}

function readPem(path: string, label: string): Uint8Array {
  const blocks = decodePemDers(readText(path), label);
  if (blocks.length !== 1) invalid(path, `expected one pem ${label.toLowerCase()}, got ${blocks.length}`);
  return blocks[0]!;
}

interface SimMeta {
  readonly product: SimProduct;
  readonly chipId: Uint8Array;
  readonly measurement: Uint8Array;
}

function readMeta(path: string): SimMeta {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(readText(path)) as Record<string, unknown>;
  } catch (e) {
    return invalid(path, "expected json", e);
  }
  if (typeof m !== "object" || m === null || m.format !== SIM_FORMAT)
    invalid(path, `expected format ${SIM_FORMAT}`);
  if (!isSimProduct(m.product))
    invalid(path, `product: expected Milan or Genoa, got ${JSON.stringify(m.product)}`);
  try {
    return {
      product: m.product,
      chipId: fromHex(String(m.chipId), "chipId", 64),
      measurement: fromHex(String(m.measurement), "measurement", 48),
    };
  } catch (e) {
    return invalid(path, (e as Error).message, e);
  }
}

type KeyAlg = { name: "RSA-PSS"; hash: "SHA-384" } | { name: "ECDSA"; namedCurve: "P-384" };
type Jwk = { x?: string; y?: string; n?: string; e?: string };

/** Imports a PKCS#8 key and checks that its public part is the one in `certDer`'s SPKI. */
async function importMatchingKey(path: string, certDer: Uint8Array, alg: KeyAlg): Promise<CryptoKey> {
  const der = readPem(path, "PRIVATE KEY") as Uint8Array<ArrayBuffer>;
  const usage: ["sign"] = ["sign"];
  let priv: Jwk;
  let pub: Jwk;
  try {
    priv = await crypto.subtle.exportKey(
      "jwk",
      await crypto.subtle.importKey("pkcs8", der, alg, true, usage),
    );
    const spki = new x509.X509Certificate(certDer).publicKey.rawData;
    pub = await crypto.subtle.exportKey(
      "jwk",
      await crypto.subtle.importKey("spki", spki, alg, true, ["verify"]),
    );
  } catch (e) {
    return invalid(path, "expected a pkcs#8 private key for its certificate", e);
  }
  const same =
    alg.name === "ECDSA" ? priv.x === pub.x && priv.y === pub.y : priv.n === pub.n && priv.e === pub.e;
  if (!same) invalid(path, "expected the private key of its certificate, got a different key");
  return crypto.subtle.importKey("pkcs8", der, alg, false, usage);
}

/** Loads DIR as written by `initSimDir` and checks every file; throws `ConfigError('sim_dir_invalid')` naming the bad file. */
export async function loadSimDir(dir: string, opts: { now?: Date } = {}): Promise<SimTee> {
  const p = (name: string): string => join(dir, name);
  const meta = readMeta(p(SIM_FILES.meta));
  const ark = readPem(p(SIM_FILES.ark), "CERTIFICATE");
  const ask = readPem(p(SIM_FILES.ask), "CERTIFICATE");
  const vcek = readPem(p(SIM_FILES.vcek), "CERTIFICATE");
  const rsa = { name: "RSA-PSS", hash: "SHA-384" } as const;
  await importMatchingKey(p(SIM_FILES.arkKey), ark, rsa);
  await importMatchingKey(p(SIM_FILES.askKey), ask, rsa);
  const vcekSigningKey = await importMatchingKey(p(SIM_FILES.vcekKey), vcek, {
    name: "ECDSA",
    namedCurve: "P-384",
  });
  let tcb: SnpTcb;
  try {
    const leaf = await new SnpVerifier({ trustEmbeddedAmdRoots: false }).verifyChain({
      leaf: vcek,
      intermediate: ask,
      trustedArks: [ark],
      product: meta.product,
      signingKey: "vcek",
      now: opts.now ?? new Date(),
      // Loading checks that the files belong together; whether the chain is revoked is the verifier's question.
      revocation: { allowUnchecked: true },
    });
    const hw = leaf.extensions.hwId;
    if (!hw || !constantTimeEqual(hw, meta.chipId))
      invalid(p(SIM_FILES.vcek), "expected hwID equal to the chip id in sim.json");
    tcb = leaf.extensions.tcb;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return invalid(
      p(SIM_FILES.vcek),
      `expected a vcek chaining to ark.pem via ask.pem: ${(e as Error).message}`,
      e,
    );
  }
  const arkPem = readText(p(SIM_FILES.ark));
  const referenceValues = buildSimReferenceValues({
    product: meta.product,
    measurement: meta.measurement,
    tcb,
    arkPem,
  });
  const refPath = p(SIM_FILES.referenceValues);
  if (readText(refPath) !== `${JSON.stringify(referenceValues, null, 2)}\n`) {
    invalid(refPath, "expected the reference values of this sim chain, got different content");
  }
  const crl = await readSimCrl(p(SIM_FILES.crl), ark);
  return Object.freeze({
    dir,
    crl,
    product: meta.product,
    chipId: meta.chipId,
    measurement: meta.measurement,
    tcb,
    ark,
    ask,
    vcek,
    arkPem,
    vcekSigningKey,
    referenceValuesPath: refPath,
    referenceValues,
  });
}
