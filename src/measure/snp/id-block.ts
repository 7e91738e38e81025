// SNP ID block (96 B) and ID authentication info (4 KiB) for SNP_LAUNCH_FINISH, signed with P-384 (SNP firmware ABI).

import { ConfigError } from "../../common/errors.ts";
import { signEcdsaWithScalar } from "../../crypto/ecdsa.ts";
import { computeAmdKeyDigest, encodeAmdPublicKeyFromPrivate, writeLittleEndian } from "./amd-public-key.ts";

export const ID_BLOCK_SIZE = 0x60;
export const ID_AUTH_SIZE = 0x1000;
/** ID_KEY_ALGO / AUTH_KEY_ALGO: ECDSA P-384 with SHA-384. */
const ALGO_ECDSA_P384_SHA384 = 1;
/** Guest policy bit 17 is reserved and must be one. */
const POLICY_RESERVED_ONE = 1n << 17n;

export interface IdBlockFields {
  /** Expected launch digest (48 bytes). */
  readonly launchDigest: Uint8Array;
  readonly familyId?: Uint8Array;
  readonly imageId?: Uint8Array;
  /** ID block format version; 1 is the only defined one. */
  readonly version?: number;
  readonly guestSvn?: number;
  /** The guest policy the launch must use. */
  readonly policy: bigint;
}

export interface SnpIdBlock {
  readonly idBlock: Uint8Array;
  readonly idAuth: Uint8Array;
  /** What a deployment pins as ID_KEY_DIGEST. */
  readonly idKeyDigest: Uint8Array;
  /** AUTHOR_KEY_DIGEST, when an author key signed the ID key (launch with AUTHOR_KEY_EN). */
  readonly authorKeyDigest: Uint8Array | undefined;
}

function fixed(value: Uint8Array | undefined, size: number, field: string): Uint8Array {
  const v = value ?? new Uint8Array(size);
  if (v.length !== size)
    throw new ConfigError("invalid_id_block", `${field}: expected ${size} bytes, got ${v.length}`, { field });
  return v;
}

function u32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new ConfigError("invalid_id_block", `${field}: expected a u32, got ${value}`, { field });
  }
  return value;
}

/** ID block: LD ‖ FAMILY_ID ‖ IMAGE_ID ‖ VERSION u32 ‖ GUEST_SVN u32 ‖ POLICY u64. */
export function encodeIdBlock(f: IdBlockFields): Uint8Array {
  if (f.policy < 0n || f.policy >= 1n << 64n || (f.policy & POLICY_RESERVED_ONE) === 0n) {
    throw new ConfigError(
      "invalid_id_block",
      `policy: expected a u64 with reserved bit 17 set, got 0x${f.policy.toString(16)}`,
      {
        field: "policy",
      },
    );
  }
  const out = new Uint8Array(ID_BLOCK_SIZE);
  const dv = new DataView(out.buffer);
  out.set(fixed(f.launchDigest, 48, "launchDigest"), 0x00);
  out.set(fixed(f.familyId, 16, "familyId"), 0x30);
  out.set(fixed(f.imageId, 16, "imageId"), 0x40);
  dv.setUint32(0x50, u32(f.version ?? 1, "version"), true);
  dv.setUint32(0x54, u32(f.guestSvn ?? 0, "guestSvn"), true);
  dv.setBigUint64(0x58, f.policy, true);
  return out;
}

/** ECDSA P-384/SHA-384 signature in SNP format: R and S little-endian in 72-byte fields, 0x200 total. */
function signSnp(message: Uint8Array, privateScalar: Uint8Array): Uint8Array {
  const compact = signEcdsaWithScalar("P-384", privateScalar, message); // RFC 6979, SHA-384, r ‖ s big-endian
  const out = new Uint8Array(0x200);
  writeLittleEndian(out, 0x00, compact.subarray(0, 48));
  writeLittleEndian(out, 0x48, compact.subarray(48, 96));
  return out;
}

/**
 * Builds and signs the ID block and ID auth info. Layout of ID auth: ID_KEY_ALGO @0, AUTH_KEY_ALGO @4,
 * ID_BLOCK_SIG @0x40, ID_KEY @0x240, ID_KEY_SIG @0x680, AUTHOR_KEY @0x880.
 */
export function buildSnpIdBlock(
  fields: IdBlockFields,
  idKey: Uint8Array,
  authorKey?: Uint8Array,
): SnpIdBlock {
  const idBlock = encodeIdBlock(fields);
  const idAuth = new Uint8Array(ID_AUTH_SIZE);
  const dv = new DataView(idAuth.buffer);
  const idPublic = encodeAmdPublicKeyFromPrivate(idKey);
  dv.setUint32(0x00, ALGO_ECDSA_P384_SHA384, true);
  idAuth.set(signSnp(idBlock, idKey), 0x40);
  idAuth.set(idPublic, 0x240);
  let authorKeyDigest: Uint8Array | undefined;
  if (authorKey !== undefined) {
    const authorPublic = encodeAmdPublicKeyFromPrivate(authorKey);
    dv.setUint32(0x04, ALGO_ECDSA_P384_SHA384, true);
    idAuth.set(signSnp(idPublic, authorKey), 0x680);
    idAuth.set(authorPublic, 0x880);
    authorKeyDigest = computeAmdKeyDigest(authorPublic);
  }
  return { idBlock, idAuth, idKeyDigest: computeAmdKeyDigest(idPublic), authorKeyDigest };
}
