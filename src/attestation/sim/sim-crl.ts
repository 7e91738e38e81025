// The simulated TEE's CRL: what KDS publishes at /vcek/v1/{product}/crl, signed by the sim ARK in AMD's algorithm
// (RSA-PSS SHA-384 salt 48, AMD VCEK/KDS interface spec #57230, KDS URLs), so the sim chain goes through the same revocation check as AMD's.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { writeFileAtomic } from "../../common/atomic-file.ts";
import { ConfigError } from "../../common/errors.ts";
import { decodePemDers, encodePem } from "../../crypto/pem.ts";
import { checkCrlSignature, isCrlCurrent } from "../snp/crl.ts";
import { parseCertificate } from "../snp/x509-util.ts";

const PSS = { name: "RSA-PSS", hash: "SHA-384", saltLength: 48 } as const;
const DAY_MS = 86_400_000;
/** A fresh sim CRL is current for this long; `contrast sim init` on the directory issues a new one after that. */
export const SIM_CRL_VALIDITY_DAYS = 365;

export interface SimCrlParams {
  /** DER of the sim ARK (the CRL's issuer). */
  readonly ark: Uint8Array;
  /** The sim ARK's private key. */
  readonly arkKey: CryptoKey;
  readonly now: Date;
  /** Serial numbers (hex) of revoked sim certificates: an ASK, or a VCEK (serial 0). */
  readonly revokedSerials?: readonly string[];
  /** Default `now` − 1 day … `now` + SIM_CRL_VALIDITY_DAYS. */
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date;
}

/** A DER CRL signed by the sim ARK. */
export async function createSimCrl(p: SimCrlParams): Promise<Uint8Array> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: parseCertificate(p.ark, "ark").subject,
    thisUpdate: p.thisUpdate ?? new Date(p.now.getTime() - DAY_MS),
    nextUpdate: p.nextUpdate ?? new Date(p.now.getTime() + SIM_CRL_VALIDITY_DAYS * DAY_MS),
    entries: (p.revokedSerials ?? []).map((serialNumber) => ({ serialNumber, revocationDate: p.now })),
    signingKey: p.arkKey,
    signingAlgorithm: PSS,
  });
  return new Uint8Array(crl.rawData);
}

/** Reads DIR/crl.pem when present; it must be one CRL signed by `ark` (the sim ARK), else ConfigError naming the file. */
export async function readSimCrl(path: string, ark: Uint8Array): Promise<Uint8Array | undefined> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined; // a sim directory from before CRLs: `contrast sim init` adds one
  }
  const blocks = decodePemDers(text, "X509 CRL");
  if (blocks.length !== 1) invalid(path, `expected one pem x509 crl, got ${blocks.length}`);
  try {
    await checkCrlSignature(blocks[0]!, simAnchor(ark));
  } catch (e) {
    invalid(path, `expected a crl signed by ark.pem: ${(e as Error).message}`, e);
  }
  return blocks[0]!;
}

/**
 * Writes DIR/crl.pem when it is missing or no longer current at `now`: signed by the ARK key in DIR, listing the
 * serials the old CRL listed. Returns true when it wrote one.
 */
export async function refreshSimCrl(
  dir: string,
  now: Date,
  arkKeyPath: string,
  arkPath: string,
): Promise<boolean> {
  const crlPath = join(dir, "crl.pem");
  const ark = decodePemDers(readFileSync(arkPath, "utf8"), "CERTIFICATE")[0];
  if (ark === undefined) invalid(arkPath, "expected one pem certificate");
  const old = await readSimCrl(crlPath, ark);
  const anchor = simAnchor(ark);
  const checked = old === undefined ? undefined : await checkCrlSignature(old, anchor);
  if (checked !== undefined && isCrlCurrent(checked, now)) return false;
  const keyDer = decodePemDers(readFileSync(arkKeyPath, "utf8"), "PRIVATE KEY")[0];
  if (keyDer === undefined) invalid(arkKeyPath, "expected one pem private key");
  const arkKey = await crypto.subtle.importKey(
    "pkcs8",
    keyDer as Uint8Array<ArrayBuffer>,
    { name: "RSA-PSS", hash: "SHA-384" },
    false,
    ["sign"],
  );
  // CheckedCrl serials are normalised hex ("0", "100"): whole octets again for the generator.
  const revokedSerials = [...(checked?.revokedSerials ?? [])].map((h) => (h.length % 2 ? `0${h}` : h));
  const der = await createSimCrl({ ark, arkKey, now, revokedSerials });
  writeFileAtomic(crlPath, encodePem("X509 CRL", der), { mode: 0o600 });
  return true;
}

function simAnchor(ark: Uint8Array) {
  return { cert: parseCertificate(ark, "ark"), der: ark, sha256: "", source: "trusted" as const };
}

function invalid(path: string, message: string, cause?: unknown): never {
  throw new ConfigError("sim_dir_invalid", `${path}: ${message}`, { field: path, cause });
}
