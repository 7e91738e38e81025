// Verifies Intel CRLs (PCK CRL by the PCK CA, root CA CRL by the root; google/go-tdx-guest verify, as Intel's QVL).

import { X509Crl } from "@peculiar/x509";
import { ParseError, VerificationError } from "../../common/errors.ts";
import { canonicalSerial } from "../../crypto/serial.ts";
import { verifyP256 } from "./ecdsa.ts";
import type { IntelCert } from "./intel-cert.ts";
import { splitSignedCrl } from "./signed-der.ts";

/** A CRL whose signature by `issuer` has been checked; time is checked per use. */
export interface VerifiedCrl {
  readonly issuer: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revokedSerials: ReadonlySet<string>;
}

function parseCrl(der: Uint8Array, field: string): X509Crl {
  try {
    const crl = new X509Crl(der);
    void crl.issuer;
    return crl;
  } catch {
    throw new ParseError("tdx_bad_crl", `${field}: expected a DER X.509 CRL, got malformed data`, { field });
  }
}

function readEntries(crl: X509Crl, field: string): Set<string> {
  try {
    return new Set(crl.entries.map((e) => canonicalSerial(e.serialNumber)));
  } catch {
    throw new ParseError("tdx_bad_crl", `${field}: expected well-formed revoked-certificate entries`, {
      field,
    });
  }
}

/** Checks issuer name and signature; the result can be cached per (CRL bytes, issuer). */
export async function verifyCrl(der: Uint8Array, issuer: IntelCert, field: string): Promise<VerifiedCrl> {
  const signed = splitSignedCrl(der, field);
  const crl = parseCrl(der, field);
  if (crl.issuer !== issuer.cert.subject) {
    throw new VerificationError(
      "tdx_crl_issuer_mismatch",
      `${field} issuer: expected ${JSON.stringify(issuer.cert.subject)}, got ${JSON.stringify(crl.issuer)}`,
      { field },
    );
  }
  if (!(await verifyP256(issuer.key, signed.signature, signed.tbs)))
    throw new VerificationError(
      "tdx_bad_crl_signature",
      `${field}: signature by ${issuer.commonName} invalid`,
      { field },
    );
  const nextUpdate = crl.nextUpdate;
  if (nextUpdate === undefined) {
    throw new ParseError("tdx_bad_crl", `${field}: expected nextUpdate, got nothing`, { field });
  }
  return {
    issuer: crl.issuer,
    thisUpdate: crl.thisUpdate,
    nextUpdate,
    revokedSerials: readEntries(crl, field),
  };
}

/** Throws unless `now` lies in [thisUpdate, nextUpdate] and `cert` is not listed. */
export function assertNotRevoked(crl: VerifiedCrl, cert: IntelCert, now: Date, field: string): void {
  if (now < crl.thisUpdate || now > crl.nextUpdate) {
    throw new VerificationError(
      "tdx_crl_expired",
      `${field}: expected thisUpdate ${crl.thisUpdate.toISOString()} … nextUpdate ${crl.nextUpdate.toISOString()} to include ${now.toISOString()}`,
      { field },
    );
  }
  const serial = canonicalSerial(cert.cert.serialNumber);
  if (crl.revokedSerials.has(serial)) {
    throw new VerificationError("tdx_revoked", `${field}: ${cert.commonName} serial ${serial} is revoked`, {
      field,
    });
  }
}
