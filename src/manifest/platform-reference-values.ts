// Default reference values per runtime platform, with zero placeholders where this build knows no launch value (edgelesssys/contrast internal/manifest, edgelesssys/contrast packages/by-name/contrast/snp-launch-digests).
//
// A launch measurement comes from the runtime artifacts (firmware, kernel, initrd, command line). The values the
// binary carries are computed from the locked firmware (runtime/reference-values.json, `launchValuesFor`). Where it
// carries none (CLH-SNP's IGVM, TDX RTMRs), the entry holds all-zero placeholders that no report can match (deny by
// default) and `unknownLaunchValues` names them, so the CLI prints what to fill in.

import type { Tee } from "../attestation/platforms.ts";
import type { SnpProduct } from "../attestation/snp/product.ts";
import {
  DEFAULT_SNP_GUEST_POLICY,
  DEFAULT_SNP_PLATFORM_INFO,
  type SnpReferenceValue,
} from "../attestation/snp/reference-value.ts";
import type { TdxReferenceValue } from "../attestation/tdx/reference-value.ts";
import { launchValuesFor } from "./runtime-launch-values.ts";
import type { ReferenceValues } from "./schema.ts";

export interface ReferencePlatform {
  /** Canonical platform name, e.g. `Metal-QEMU-SNP`; stored in each entry's `Platform`. */
  readonly name: string;
  readonly tee: Tee;
}

/** Launch values measured for a platform (hex); any that are absent become zero placeholders. */
export interface KnownLaunchValues {
  readonly snp?: Partial<Record<SnpProduct, string>>;
  readonly tdx?: { readonly mrTd: string; readonly rtmrs?: readonly [string, string, string, string] };
}

const ZERO48 = "00".repeat(48);
/** x87, SSE, AVX, AVX-512 ×3, PKRU, AMX TILECFG/TILEDATA, little-endian (Intel SDM Vol. 1 §13.1, XSAVE state components). */
export const DEFAULT_XFAM = "e702060000000000";
const SNP_PRODUCTS: readonly SnpProduct[] = ["Milan", "Genoa"];

function snpEntry(platform: string, product: SnpProduct, measurement: string | undefined): SnpReferenceValue {
  return {
    Platform: platform,
    ProductName: product,
    TrustedMeasurement: measurement ?? ZERO48,
    // Only the operator knows the firmware of their hosts (edgelesssys/contrast internal/manifest: null = to be filled in).
    MinimumTCB: { BootloaderVersion: null, TEEVersion: null, SNPVersion: null, MicrocodeVersion: null },
    GuestPolicy: DEFAULT_SNP_GUEST_POLICY,
    PlatformInfo: DEFAULT_SNP_PLATFORM_INFO,
  };
}

function tdxEntry(platform: string, known: KnownLaunchValues["tdx"]): TdxReferenceValue {
  return {
    Platform: platform,
    MrTd: known?.mrTd ?? ZERO48,
    // The host's TDX module hash: user-fillable, zero placeholder (edgelesssys/contrast internal/manifest).
    MrSeam: ZERO48,
    Rtmrs: known?.rtmrs ?? [ZERO48, ZERO48, ZERO48, ZERO48],
    Xfam: DEFAULT_XFAM,
  };
}

/**
 * Reference values for one platform: one SNP entry per product (Milan, Genoa) or one TDX entry. `known` defaults to
 * the values this build computed from the platform's locked firmware (SNP: for the Kata template's default vCPUs).
 */
export function platformReferenceValues(
  platform: ReferencePlatform,
  known: KnownLaunchValues = launchValuesFor(platform.name),
): ReferenceValues {
  if (platform.tee === "tdx") return { tdx: [tdxEntry(platform.name, known.tdx)] };
  return { snp: SNP_PRODUCTS.map((p) => snpEntry(platform.name, p, known.snp?.[p])) };
}

/**
 * Launch values still at their zero placeholder, as path-named hints. These are not user values: they say the
 * build did not carry a measurement, and that `contrast measure` computes one from the runtime artifacts.
 */
export function unknownLaunchValues(refs: ReferenceValues): string[] {
  const hints: string[] = [];
  refs.snp?.forEach((e, i) => {
    if (e.TrustedMeasurement === ZERO48)
      hints.push(
        `ReferenceValues.snp[${i}].TrustedMeasurement: no ${e.Platform} ${e.ProductName} measurement in this build, got all zeros; compute it with \`contrast measure snp\` from the runtime artifacts`,
      );
  });
  refs.tdx?.forEach((e, i) => {
    if (e.MrTd === ZERO48)
      hints.push(
        `ReferenceValues.tdx[${i}].MrTd: no ${e.Platform} MRTD in this build, got all zeros; compute it with \`contrast measure tdx\` from the runtime artifacts`,
      );
    e.Rtmrs.forEach((r, j) => {
      if (r === ZERO48)
        hints.push(
          `ReferenceValues.tdx[${i}].Rtmrs[${j}]: no ${e.Platform} value in this build, got all zeros`,
        );
    });
  });
  return hints;
}
