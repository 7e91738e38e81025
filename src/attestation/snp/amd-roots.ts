// AMD's root (ARK) and intermediate (ASK, ASVK) certificates per product, embedded in the binary (AMD VCEK/KDS
// interface specification #57230: `GET https://kdsintf.amd.com/{vcek,vlek}/v1/{product}/cert_chain`).
//
// The files in amd-roots/ are those cert_chain bundles as KDS serves them (intermediate first, then the ARK; line
// endings normalised to LF), fetched for each product and key kind; amd-roots/README.md says how to refresh them.
// test/attestation/snp/chain.test.ts checks each against its copy in test/testdata/attestation/amd/.

import genoaVcek from "./amd-roots/genoa-vcek-cert-chain.pem" with { type: "text" };
import genoaVlek from "./amd-roots/genoa-vlek-cert-chain.pem" with { type: "text" };
import milanVcek from "./amd-roots/milan-vcek-cert-chain.pem" with { type: "text" };
import milanVlek from "./amd-roots/milan-vlek-cert-chain.pem" with { type: "text" };
import turinVcek from "./amd-roots/turin-vcek-cert-chain.pem" with { type: "text" };
import turinVlek from "./amd-roots/turin-vlek-cert-chain.pem" with { type: "text" };
import type { SnpProduct } from "./product.ts";

export interface AmdCertChainPem {
  /** ASK (VCEK chain) or ASVK (VLEK chain). */
  readonly intermediate: string;
  readonly ark: string;
}

export interface AmdProductRoots {
  readonly vcek: AmdCertChainPem;
  readonly vlek: AmdCertChainPem;
}

const BLOCK = /-----BEGIN CERTIFICATE-----\n[\s\S]*?-----END CERTIFICATE-----\n/g;

/** A cert_chain bundle's two PEM blocks, as text. */
function splitBundle(text: string): AmdCertChainPem {
  const [intermediate, ark, ...rest] = text.match(BLOCK) ?? [];
  if (intermediate === undefined || ark === undefined || rest.length > 0)
    throw new Error("embedded amd cert_chain: expected two certificates");
  return { intermediate, ark };
}

/** ARK and ASK/ASVK per product, exactly as served by https://kdsintf.amd.com/{vcek,vlek}/v1/<product>/cert_chain. */
export const AMD_ROOTS_PEM: Readonly<Record<SnpProduct, AmdProductRoots>> = {
  Milan: { vcek: splitBundle(milanVcek), vlek: splitBundle(milanVlek) },
  Genoa: { vcek: splitBundle(genoaVcek), vlek: splitBundle(genoaVlek) },
  Turin: { vcek: splitBundle(turinVcek), vlek: splitBundle(turinVlek) },
};
