// vCPU model names → CPUID signature (leaf 1 EAX), the RDX value of QEMU VMSAs (virtee/sev-snp-measure vmsa.py).

import { ConfigError } from "../../common/errors.ts";

/**
 * CPUID leaf 1 EAX from family/model/stepping: families above 0xF use base family 0xF plus the
 * extended family in bits 27:20; the model's high nibble goes to bits 19:16 (virtee/sev-snp-measure vmsa.py).
 */
export function computeCpuSignature(family: number, model: number, stepping: number): number {
  const baseFamily = Math.min(family, 0xf);
  const extFamily = family > 0xf ? family - 0xf : 0;
  return (
    ((extFamily << 20) | ((model >> 4) << 16) | (baseFamily << 8) | ((model & 0xf) << 4) | stepping) >>> 0
  );
}

const EPYC = computeCpuSignature(23, 1, 2);
const ROME = computeCpuSignature(23, 49, 0);
const MILAN = computeCpuSignature(25, 1, 1);
const GENOA = computeCpuSignature(25, 17, 0);
const TURIN = computeCpuSignature(26, 0, 0);

/** QEMU model names (lower case) and the product aliases Contrast uses. */
const SIGNATURES: ReadonlyMap<string, number> = new Map([
  ["epyc", EPYC],
  ["epyc-v1", EPYC],
  ["epyc-v2", EPYC],
  ["epyc-v3", EPYC],
  ["epyc-v4", EPYC],
  ["epyc-ibpb", EPYC],
  ["epyc-rome", ROME],
  ["epyc-rome-v1", ROME],
  ["epyc-rome-v2", ROME],
  ["epyc-rome-v3", ROME],
  ["epyc-rome-v4", ROME],
  ["rome", ROME],
  ["epyc-milan", MILAN],
  ["epyc-milan-v1", MILAN],
  ["epyc-milan-v2", MILAN],
  ["epyc-milan-v3", MILAN],
  ["milan", MILAN],
  ["epyc-genoa", GENOA],
  ["epyc-genoa-v1", GENOA],
  ["epyc-genoa-v2", GENOA],
  ["genoa", GENOA],
  ["epyc-turin", TURIN],
  ["epyc-turin-v1", TURIN],
  ["turin", TURIN],
]);

export const VCPU_TYPE_NAMES: readonly string[] = [...SIGNATURES.keys()];

/** Resolves a vCPU type name (case-insensitive) or a raw hex signature ("0x00a00f11"). */
export function resolveVcpuSignature(type: string): number {
  const known = SIGNATURES.get(type.toLowerCase());
  if (known !== undefined) return known;
  if (/^0x[0-9a-f]{1,8}$/i.test(type)) return Number.parseInt(type.slice(2), 16);
  throw new ConfigError(
    "invalid_vcpu_type",
    `vcpu type: expected a model name (EPYC, EPYC-v1..v4, EPYC-Rome, EPYC-Milan, EPYC-Genoa, EPYC-Turin, Milan, Genoa, Turin) or a hex signature, got ${JSON.stringify(type)}`,
    { field: "vcpuType" },
  );
}
