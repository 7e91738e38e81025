// AMD CRL checks: DER CRL signed by the ARK (RSA-PSS), its update window, listed serials (AMD VCEK/KDS interface spec #57230, KDS URLs, google/go-sev-guest verify).

import * as x509 from "@peculiar/x509";
import { ParseError, VerificationError } from "../../common/errors.ts";
import { canonicalSerial } from "../../crypto/serial.ts";
import type { PssAlgorithm, TrustAnchor } from "./chain.ts";
import { MAX_DER_SIZE } from "./x509-util.ts";

/** A CRL whose signature has been checked against one ARK; independent of time, so it can be cached. */
export interface CheckedCrl {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly revokedSerials: ReadonlySet<string>;
}

export function parseCrl(der: Uint8Array): x509.X509Crl {
  if (!(der instanceof Uint8Array) || der.length === 0 || der.length > MAX_DER_SIZE) {
    throw new ParseError("snp_crl_invalid", `crl: expected 1..${MAX_DER_SIZE} bytes of der`, {
      field: "crl",
    });
  }
  try {
    const crl = new x509.X509Crl(der);
    void crl.issuer;
    void crl.thisUpdate;
    void crl.entries;
    return crl;
  } catch (e) {
    throw new ParseError(
      "snp_crl_invalid",
      "crl: expected a der certificate revocation list, got undecodable der",
      {
        field: "crl",
        cause: e,
      },
    );
  }
}

export async function checkCrlSignature(der: Uint8Array, ark: TrustAnchor): Promise<CheckedCrl> {
  const crl = parseCrl(der);
  let ok = false;
  try {
    const alg = crl.signatureAlgorithm as unknown as PssAlgorithm;
    ok = crl.issuer === ark.cert.subject && alg.name === "RSA-PSS" && alg.hash?.name === "SHA-384";
    ok = ok && alg.saltLength === 48 && (await crl.verify({ publicKey: ark.cert.publicKey }));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new VerificationError(
      "snp_crl_bad_signature",
      `crl: expected an rsa-pss sha-384 signature by ${JSON.stringify(ark.cert.subject)}, got issuer ${JSON.stringify(crl.issuer)} with a signature that does not verify`,
      { field: "crl" },
    );
  }
  return Object.freeze({
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    revokedSerials: new Set(crl.entries.map((e) => canonicalSerial(e.serialNumber))),
  });
}

/** True when `now` lies in [thisUpdate, nextUpdate]; a CRL without nextUpdate is never current. */
export function isCrlCurrent(crl: CheckedCrl, now: Date): boolean {
  const t = now.getTime();
  return crl.nextUpdate !== undefined && t <= crl.nextUpdate.getTime() && t >= crl.thisUpdate.getTime();
}

/** Fails with `snp_revoked` when the CRL lists `serial` (normalised hex), whatever its update window. */
export function assertNotListed(crl: CheckedCrl, serial: string, field: string): void {
  if (crl.revokedSerials.has(serial)) {
    throw new VerificationError("snp_revoked", `${field}: serial ${serial} is revoked by the crl`, { field });
  }
}
