// SEV-SNP product identification: CPUID family/model → product, and VCEK productName strings (AMD VCEK/KDS interface spec #57230, certificate chain).

export type SnpProduct = "Milan" | "Genoa" | "Turin";

export const SNP_PRODUCTS: readonly SnpProduct[] = ["Milan", "Genoa", "Turin"];

/** Which TCB_VERSION byte layout a product uses (AMD SEV-SNP Firmware ABI #56860, TCB_VERSION): family 19h vs family 1Ah. */
export type SnpTcbLayout = "milan" | "turin";

export interface SnpCpuid {
  readonly family: number;
  readonly model: number;
  readonly stepping: number;
}

export const CPUID_FAMILY_ZEN3_ZEN4 = 0x19;
export const CPUID_FAMILY_ZEN5 = 0x1a;

/** Maps report CPUID_FAM_ID/CPUID_MOD_ID to a KDS product; undefined when the pair is not a known SNP part. */
export function productFromCpuid(family: number, model: number): SnpProduct | undefined {
  if (family === CPUID_FAMILY_ZEN3_ZEN4) {
    if (model <= 0x0f) return "Milan";
    // Genoa, and the Genoa-family Bergamo/Siena parts that share the KDS path `Genoa`.
    if ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)) return "Genoa";
    return undefined;
  }
  if (family === CPUID_FAMILY_ZEN5 && model <= 0x11) return "Turin";
  return undefined;
}

/** TCB layout implied by a CPUID family; undefined for families the spec does not cover. */
export function layoutFromFamily(family: number): SnpTcbLayout | undefined {
  if (family === CPUID_FAMILY_ZEN3_ZEN4) return "milan";
  if (family === CPUID_FAMILY_ZEN5) return "turin";
  return undefined;
}

export function layoutForProduct(product: SnpProduct): SnpTcbLayout {
  return product === "Turin" ? "turin" : "milan";
}

export interface SnpProductName {
  readonly product: SnpProduct;
  /** Stepping suffix when present, e.g. `B0` in `Milan-B0`. */
  readonly stepping: string | undefined;
}

/**
 * Parses a VCEK/VLEK `productName` extension value: `Milan`, `Milan-B0`, `Genoa`, `Genoa-B1`, `Turin-B0` …
 * Returns undefined for anything else (the caller decides whether that is an error).
 */
export function parseProductName(name: string): SnpProductName | undefined {
  const m = /^(Milan|Genoa|Turin)(?:-([A-Z][0-9]))?$/.exec(name);
  if (!m) return undefined;
  return { product: m[1] as SnpProduct, stepping: m[2] };
}
