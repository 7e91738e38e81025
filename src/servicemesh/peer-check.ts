// Egress peer identity: after the chain verified against the mesh CA, the certificate must name the dialed host.

import { VerificationError } from "../common/errors.ts";
import { type CertificateNames, namesMatchHost, readCertificateNames } from "../crypto/peer-name.ts";

const CACHE_LIMIT = 256;
/** Parsed names by certificate DER (base64): peers present the same certificate on every connection. */
const cache = new Map<string, CertificateNames>();

function namesOf(raw: Uint8Array): CertificateNames {
  const key = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64");
  let names = cache.get(key);
  if (names === undefined) {
    names = readCertificateNames(raw);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, names);
  }
  return names;
}

function describeNames(names: CertificateNames): string {
  const ips = names.ips.map((b) => (b.length === 4 ? b.join(".") : Buffer.from(b).toString("hex")));
  return `dns [${names.dns.join(", ")}] ip [${ips.join(", ")}]`;
}

/**
 * `checkServerIdentity` for egress connections: undefined when the leaf names `host`, else the error that ends
 * the handshake. A certificate without DER, or one that does not parse, is refused.
 */
export function checkPeerName(host: string, cert: { raw?: Uint8Array } | undefined): Error | undefined {
  if (!cert?.raw) {
    return new VerificationError(
      "peer_name_mismatch",
      `peer certificate: expected one naming ${host}, got none`,
    );
  }
  let names: CertificateNames;
  try {
    names = namesOf(cert.raw);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  if (namesMatchHost(names, host)) return undefined;
  return new VerificationError(
    "peer_name_mismatch",
    `peer certificate subjectAltName: expected a name matching ${host}, got ${describeNames(names)}`,
  );
}
