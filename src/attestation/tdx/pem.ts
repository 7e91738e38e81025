// Splits PEM certificate bundles (PCK chain, PCS issuer-chain headers) into DER, strictly (crypto/pem.ts).

import { ParseError } from "../../common/errors.ts";
import { decodePemBundle } from "../../crypto/pem.ts";

/** Returns the DER of every CERTIFICATE block; anything but whitespace between blocks is rejected (`tdx_bad_pem`). */
export function splitPemCertificates(text: string, field: string, maxCerts = 8): Uint8Array[] {
  try {
    return decodePemBundle(text, "CERTIFICATE", field, maxCerts);
  } catch (e) {
    if (e instanceof ParseError && e.code === "invalid_pem")
      throw new ParseError("tdx_bad_pem", e.message, { field });
    throw e;
  }
}
