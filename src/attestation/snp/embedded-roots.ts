// The embedded AMD trust anchors per product, parsed once on first use (spec §1.6: pin the ARK per product).

import type * as x509 from "@peculiar/x509";
import { AMD_ROOTS_PEM } from "./amd-roots.ts";
import type { SnpSigningKey, TrustAnchor } from "./chain.ts";
import type { SnpProduct } from "./product.ts";
import { parseCertificate, sha256Hex, splitPem } from "./x509-util.ts";

export interface PinnedIntermediate {
  readonly der: Uint8Array;
  readonly sha256: string;
  readonly cert: x509.X509Certificate;
}

export interface EmbeddedProductRoots {
  readonly ark: TrustAnchor;
  readonly intermediates: Readonly<Record<SnpSigningKey, PinnedIntermediate>>;
}

const cache = new Map<SnpProduct, EmbeddedProductRoots>();

function pemToDer(pem: string): Uint8Array {
  const [der] = splitPem(pem);
  if (!der) throw new Error("embedded amd root: expected one pem certificate");
  return der;
}

function pinned(pem: string, field: string): PinnedIntermediate {
  const der = pemToDer(pem);
  return Object.freeze({ der, sha256: sha256Hex(der), cert: parseCertificate(der, field) });
}

/** ARK, ASK and ASVK of one product as shipped in the binary. The VCEK and VLEK bundles share the ARK. */
export function embeddedRoots(product: SnpProduct): EmbeddedProductRoots {
  let r = cache.get(product);
  if (!r) {
    const pems = AMD_ROOTS_PEM[product];
    const arkDer = pemToDer(pems.vcek.ark);
    r = Object.freeze({
      ark: Object.freeze({
        cert: parseCertificate(arkDer, `ark-${product}`),
        der: arkDer,
        sha256: sha256Hex(arkDer),
        source: "amd" as const,
      }),
      intermediates: Object.freeze({
        vcek: pinned(pems.vcek.intermediate, `ask-${product}`),
        vlek: pinned(pems.vlek.intermediate, `asvk-${product}`),
      }),
    });
    cache.set(product, r);
  }
  return r;
}
