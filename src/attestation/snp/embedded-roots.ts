// The embedded AMD trust anchors per product, each parsed on first use (AMD VCEK/KDS interface spec #57230, certificate chain: pin the ARK per product).
//
// A verification needs one product's ARK and one intermediate (ASK for a VCEK, ASVK for a VLEK); parsing all six
// ARKs and twelve intermediates up front cost `attestation verify` more than the verification itself.

import type * as x509 from "@peculiar/x509";
import { sha256Hex } from "../../common/digest.ts";
import { decodePemDers } from "../../crypto/pem.ts";
import { AMD_ROOTS_PEM } from "./amd-roots.ts";
import type { SnpSigningKey, TrustAnchor } from "./chain.ts";
import type { SnpProduct } from "./product.ts";
import { parseEmbeddedCertificate } from "./x509-util.ts";

export interface PinnedIntermediate {
  readonly der: Uint8Array;
  readonly sha256: string;
  readonly cert: x509.X509Certificate;
}

const arks = new Map<SnpProduct, TrustAnchor>();
const intermediates = new Map<string, PinnedIntermediate>();

function pemToDer(pem: string): Uint8Array {
  const [der] = decodePemDers(pem, "CERTIFICATE");
  if (!der) throw new Error("embedded amd root: expected one pem certificate");
  return der;
}

/** The ARK of `product` as shipped in the binary (the VCEK and VLEK bundles share it). */
export function embeddedArk(product: SnpProduct): TrustAnchor {
  let a = arks.get(product);
  if (!a) {
    const der = pemToDer(AMD_ROOTS_PEM[product].vcek.ark);
    a = Object.freeze({
      cert: parseEmbeddedCertificate(der, `ark-${product}`),
      der,
      sha256: sha256Hex(der),
      source: "amd" as const,
    });
    arks.set(product, a);
  }
  return a;
}

/** The ASK (`vcek`) or ASVK (`vlek`) of `product` as shipped in the binary. */
export function embeddedIntermediate(product: SnpProduct, kind: SnpSigningKey): PinnedIntermediate {
  const key = `${product}/${kind}`;
  let i = intermediates.get(key);
  if (!i) {
    const der = pemToDer(AMD_ROOTS_PEM[product][kind].intermediate);
    i = Object.freeze({
      der,
      sha256: sha256Hex(der),
      cert: parseEmbeddedCertificate(der, `${kind === "vcek" ? "ask" : "asvk"}-${product}`),
    });
    intermediates.set(key, i);
  }
  return i;
}
