// Public entry of SNP launch measurement: file bytes + options in, lowercase hex out (plus the typed building blocks).

import { toHex } from "../../common/bytes.ts";
import { computeSnpLaunchDigest, type SnpOvmfOptions } from "./snp-launch-digest.ts";

export { computeAmdKeyDigest, encodeAmdPublicKey } from "./amd-public-key.ts";
export { type ApExtension, extendSnpLaunchDigest } from "./extend-launch-digest.ts";
export { buildSnpIdBlock, encodeIdBlock, type IdBlockFields, type SnpIdBlock } from "./id-block.ts";
export type { KernelInputs } from "./kernel-hashes.ts";
export { parseP384PrivateKeyPem } from "./p384-private-key.ts";
export { computeSevEsLaunchDigest, computeSevLaunchDigest } from "./sev-launch-digest.ts";
export {
  computeSnpLaunchDigest,
  computeSnpOvmfHash,
  type SnpOvmfOptions,
  traceSnpLaunchDigest,
} from "./snp-launch-digest.ts";
export { resolveVcpuSignature, VCPU_TYPE_NAMES } from "./vcpu-types.ts";
export { VMM_TYPES, type VmmType } from "./vmsa.ts";

/** SNP MEASUREMENT (96 hex) of an OVMF guest: the reference value a manifest pins. */
export function measureSnpOvmf(ovmf: Uint8Array, options: SnpOvmfOptions): string {
  return toHex(computeSnpLaunchDigest(ovmf, options));
}
