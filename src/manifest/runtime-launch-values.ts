// The launch values computed from the locked runtime firmware (runtime/reference-values.json), embedded into the binary.
//
// `make runtime-reference-values` writes the file with the measurement library (src/measure: SNP launch digests, TDX MRTD) from the
// integrity-checked firmware; CI recomputes it. Here it is only read and validated: a malformed file is a build defect.

import embedded from "../../runtime/reference-values.json";
import type { SnpProduct } from "../attestation/snp/product.ts";
import { ParseError } from "../common/errors.ts";

/** The locked firmware a value was computed from (the lock entry's source and SRI). */
export interface LaunchFirmware {
  readonly source: string;
  readonly integrity: string;
}

export interface SnpProductLaunchValues {
  /** QEMU `-cpu` model the digests assume, and its CPUID signature (the VMSA's RDX). */
  readonly vcpuType: string;
  readonly vcpuSignature: string;
  /** vCPU count (decimal string) → SNP MEASUREMENT (96 hex). */
  readonly launchDigests: Readonly<Record<string, string>>;
}

export interface SnpPlatformLaunchValues {
  readonly tee: "snp";
  readonly firmware: LaunchFirmware;
  /** What the digest covers and what it does not, in words. */
  readonly covers: string;
  readonly vmm: "qemu";
  readonly guestFeatures: string;
  /** `default_vcpus` of the platform's Kata template: what a pod without CPU limits boots with. */
  readonly defaultVcpus: number;
  /** `default_maxvcpus` of the template (0: the host's cores). */
  readonly maxVcpus: number;
  readonly products: Readonly<Partial<Record<SnpProduct, SnpProductLaunchValues>>>;
}

export interface TdxPlatformLaunchValues {
  readonly tee: "tdx";
  readonly firmware: LaunchFirmware;
  readonly covers: string;
  readonly pageOrder: "single-pass" | "two-pass";
  readonly mrTd: string;
}

export type PlatformLaunchValues = SnpPlatformLaunchValues | TdxPlatformLaunchValues;

export interface RuntimeLaunchValuesDocument {
  readonly comment: string;
  readonly platforms: Readonly<Record<string, PlatformLaunchValues>>;
}

const HEX48 = /^[0-9a-f]{96}$/;

function fail(field: string, expected: string, got: unknown): never {
  const shown = typeof got === "string" ? JSON.stringify(got.slice(0, 100)) : typeof got;
  throw new ParseError("invalid_runtime_reference_values", `${field}: expected ${expected}, got ${shown}`, {
    field,
  });
}

function checkHex48(v: unknown, field: string): void {
  if (typeof v !== "string" || !HEX48.test(v)) fail(field, "96 lowercase hex", v);
}

function checkSnp(p: Record<string, unknown>, field: string): void {
  if (!Number.isSafeInteger(p.defaultVcpus) || (p.defaultVcpus as number) < 1)
    fail(`${field}.defaultVcpus`, "integer ≥ 1", p.defaultVcpus);
  const products = p.products as Record<string, Record<string, unknown>> | undefined;
  if (typeof products !== "object" || products === null) fail(`${field}.products`, "object", products);
  for (const [name, v] of Object.entries(products)) {
    const digests = v.launchDigests as Record<string, unknown> | undefined;
    if (typeof digests !== "object" || digests === null)
      fail(`${field}.products.${name}.launchDigests`, "object", digests);
    for (const [n, d] of Object.entries(digests))
      checkHex48(d, `${field}.products.${name}.launchDigests.${n}`);
    if (digests[String(p.defaultVcpus)] === undefined)
      fail(`${field}.products.${name}.launchDigests`, `a digest for ${p.defaultVcpus} vCPUs`, "none");
  }
}

/** Validates the document's shape where values are used; the generator owns the rest. */
export function parseRuntimeLaunchValues(doc: unknown): RuntimeLaunchValuesDocument {
  const platforms = (doc as { platforms?: unknown } | null)?.platforms;
  if (typeof platforms !== "object" || platforms === null) fail("platforms", "object", platforms);
  for (const [name, raw] of Object.entries(platforms)) {
    const p = raw as Record<string, unknown>;
    const field = `platforms.${name}`;
    if (p.tee === "snp") checkSnp(p, field);
    else if (p.tee === "tdx") checkHex48(p.mrTd, `${field}.mrTd`);
    else fail(`${field}.tee`, "snp|tdx", p.tee);
  }
  return doc as RuntimeLaunchValuesDocument;
}

let cached: RuntimeLaunchValuesDocument | undefined;

/** The embedded document, validated once. */
export function loadRuntimeLaunchValues(): RuntimeLaunchValuesDocument {
  cached ??= parseRuntimeLaunchValues(embedded);
  return cached;
}

/** Launch values of `platform` in the shape platformReferenceValues takes; `{}` when none were computed. */
export function launchValuesFor(
  platform: string,
  doc: RuntimeLaunchValuesDocument = loadRuntimeLaunchValues(),
): {
  snp?: Partial<Record<SnpProduct, string>>;
  tdx?: { mrTd: string };
} {
  const p = doc.platforms[platform];
  if (p === undefined) return {};
  if (p.tee === "tdx") return { tdx: { mrTd: p.mrTd } };
  const snp: Partial<Record<SnpProduct, string>> = {};
  for (const [name, v] of Object.entries(p.products) as [SnpProduct, SnpProductLaunchValues][]) {
    const d = v.launchDigests[String(p.defaultVcpus)];
    if (d !== undefined) snp[name] = d;
  }
  return { snp };
}
