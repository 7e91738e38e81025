// Reads a P-384 private key (SEC1 "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY" PEM) for signing SNP ID blocks.

import { ParseError } from "../../common/errors.ts";
import { parseEcPrivateKeyPem } from "../../crypto/keys.ts";

/** Returns the 48-byte big-endian private scalar; rejects other curves and out-of-range scalars. */
export function parseP384PrivateKeyPem(pem: string, field = "key"): Uint8Array {
  let key: ReturnType<typeof parseEcPrivateKeyPem>;
  try {
    key = parseEcPrivateKeyPem(pem, field);
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError("invalid_private_key", e.message, { field });
    throw e;
  }
  if (key.curve !== "P-384")
    throw new ParseError("invalid_private_key", `${field}: expected curve P-384, got ${key.curve}`, {
      field,
    });
  return key.d;
}
