// Deciding which SNP product a report belongs to: CPUID (v3+), then the caller, then the leaf productName (google/go-sev-guest verify).

import type * as x509 from "@peculiar/x509";
import { VerificationError } from "../../common/errors.ts";
import type { SnpReport } from "./abi.ts";
import { AMD_LEAF_OIDS } from "./leaf-extensions.ts";
import { parseProductName, productFromCpuid, type SnpProduct, type SnpProductName } from "./product.ts";

/** Reads only the productName extension (IA5String) so the product can be known before the TCB layout is. */
export function readLeafProductName(cert: x509.X509Certificate): SnpProductName | undefined {
  const ext = cert.extensions.find((e) => e.type === AMD_LEAF_OIDS.productName);
  if (!ext) return undefined;
  const v = new Uint8Array(ext.value);
  if (v[0] !== 0x16 || v[1] !== v.length - 2) return undefined;
  return parseProductName(new TextDecoder().decode(v.subarray(2)));
}

export function chooseProduct(
  report: SnpReport,
  hint: SnpProduct | undefined,
  leafName: SnpProductName | undefined,
): SnpProduct {
  const fromCpuid = report.cpuid ? productFromCpuid(report.cpuid.family, report.cpuid.model) : undefined;
  if (fromCpuid && hint && hint !== fromCpuid) {
    throw new VerificationError(
      "snp_product_mismatch",
      `product: expected ${hint}, got ${fromCpuid} from the report cpuid`,
      {
        field: "product",
      },
    );
  }
  const product = fromCpuid ?? hint ?? leafName?.product;
  if (!product) {
    throw new VerificationError(
      "snp_product_unknown",
      "product: expected it from the report cpuid, the caller or the leaf productName, got nothing",
      { field: "product" },
    );
  }
  return product;
}
