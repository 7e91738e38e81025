// The TEE platform registry: everything outside a platform's folder needs to know about it, one entry per platform.
//
// Adding a TEE platform is one folder (src/attestation/<name>/: abi → verify → validate, reference-value.ts,
// platform.ts) plus one entry here; the compiler then asks for it wherever a per-platform table is keyed by `Tee`
// (the manifest's ReferenceValues, the runtime platforms). The README's development section has the checklist.

import type { Table } from "../common/fields.ts";
import type { Evidence } from "./evidence.ts";
import { SNP_PLATFORM } from "./snp/platform.ts";
import { TDX_PLATFORM } from "./tdx/platform.ts";

export const TEE_PLATFORMS = { snp: SNP_PLATFORM, tdx: TDX_PLATFORM } as const;

/** A TEE platform's name: `evidence.platform`, the key of its reference values, a `--tee` value. */
export type Tee = keyof typeof TEE_PLATFORMS;

export const TEE_NAMES = Object.keys(TEE_PLATFORMS) as readonly Tee[];

/** What every entry provides (checked below). */
export interface TeePlatform {
  readonly name: Tee;
  /** For messages: "AMD SEV-SNP". */
  readonly title: string;
  /** The configfs-tsm provider that issues its reports. */
  readonly tsmProvider: string;
  /** Evidence from a configfs-tsm report (outblob) and what the host added (auxblob). */
  evidenceFromTsm(outblob: Uint8Array, auxblob: Uint8Array | undefined): Evidence;
  /** The launch-time report field that carries the pod's initdata digest. */
  readonly initdataBinding: {
    /** Its name in messages (HOST_DATA, MRCONFIGID). */
    readonly field: string;
    /** The whole field, from a report. */
    read(report: Uint8Array): Uint8Array;
    /** What the field holds for a document with SHA-256 `digest`. */
    expected(digest: Uint8Array): Uint8Array;
  };
  /** One entry of the manifest's `ReferenceValues.<name>`: its field table and reader. */
  readonly referenceValue: { readonly fields: Table };
}

TEE_PLATFORMS satisfies Record<Tee, TeePlatform>;

export function isTee(v: unknown): v is Tee {
  return typeof v === "string" && Object.hasOwn(TEE_PLATFORMS, v);
}

/** The platform whose configfs-tsm provider is `provider`, if any. */
export function teeOfTsmProvider(provider: string): Tee | undefined {
  return TEE_NAMES.find((t) => TEE_PLATFORMS[t].tsmProvider === provider);
}
