// The SEV-SNP launch-digest chain: LD ← SHA-384(PAGE_INFO) per 4 KiB page (virtee/sev-snp-measure gctx.py, SNP ABI PAGE_INFO).

import { createSha384Into } from "../../common/digest.ts";
import { ParseError } from "../../common/errors.ts";

/** PAGE_INFO.PAGE_TYPE values (virtee/sev-snp-measure gctx.py "Page types"). */
export const PageType = {
  Normal: 1,
  Vmsa: 2,
  Zero: 3,
  Unmeasured: 4,
  Secrets: 5,
  Cpuid: 6,
} as const;
export type PageType = (typeof PageType)[keyof typeof PageType];

export const LD_SIZE = 48;
const PAGE_SIZE = 4096;
const PAGE_INFO_SIZE = 0x70;
/** Highest GPA accepted: 52-bit physical address space (Genoa), page-aligned. */
const MAX_GPA = 2 ** 52 - PAGE_SIZE;
const ZERO_CONTENTS = new Uint8Array(LD_SIZE);

/**
 * A running launch digest. Starts at 48 zero bytes (SNP_LAUNCH_START) or at a seed: the LD after
 * any prefix of updates, since the chain is resumable (virtee/sev-snp-measure gctx.py).
 */
export class SnpLaunchDigest {
  readonly #pageInfo = new Uint8Array(PAGE_INFO_SIZE);
  readonly #dv = new DataView(this.#pageInfo.buffer);
  readonly #hash = createSha384Into();
  readonly #pageHash = createSha384Into();

  constructor(seed?: Uint8Array) {
    if (seed !== undefined && seed.length !== LD_SIZE) {
      throw new ParseError("invalid_length", `seed: expected ${LD_SIZE} bytes, got ${seed.length}`, {
        field: "seed",
      });
    }
    if (seed) this.#pageInfo.set(seed, 0);
    this.#dv.setUint16(0x60, PAGE_INFO_SIZE, true);
  }

  /** The current LD (a copy). */
  digest(): Uint8Array {
    return this.#pageInfo.slice(0, LD_SIZE);
  }

  /** One SNP_LAUNCH_UPDATE of a 4 KiB page: `contents` is the page's SHA-384 or zeros, by type. */
  updatePage(type: PageType, gpa: number, contents: Uint8Array = ZERO_CONTENTS): void {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || gpa > MAX_GPA || gpa % PAGE_SIZE !== 0) {
      throw new ParseError("invalid_gpa", `gpa: expected a page-aligned address below 2^52, got ${gpa}`, {
        field: "gpa",
      });
    }
    const info = this.#pageInfo;
    info.set(contents, 0x30);
    info[0x62] = type;
    this.#dv.setUint32(0x68, gpa % 0x1_0000_0000, true);
    this.#dv.setUint32(0x6c, Math.floor(gpa / 0x1_0000_0000), true);
    info.set(this.#hash(info), 0);
  }

  /** NORMAL pages for `data` (a multiple of 4 KiB) starting at `gpa`. */
  updateNormalPages(gpa: number, data: Uint8Array): void {
    if (data.length % PAGE_SIZE !== 0) {
      throw new ParseError("invalid_length", `pages: expected a multiple of 4096 bytes, got ${data.length}`);
    }
    for (let off = 0; off < data.length; off += PAGE_SIZE) {
      this.updatePage(PageType.Normal, gpa + off, this.#pageHash(data.subarray(off, off + PAGE_SIZE)));
    }
  }

  /** `size / 4096` pages of a content-less type (ZERO, UNMEASURED, …) starting at `gpa`. */
  updateEmptyPages(type: PageType, gpa: number, size: number): void {
    for (let off = 0; off < size; off += PAGE_SIZE) this.updatePage(type, gpa + off);
  }

  /** A VMSA page; `vmsaDigest` is SHA-384 of the 4096-byte VMSA. */
  updateVmsaPage(gpa: number, vmsaDigest: Uint8Array): void {
    this.updatePage(PageType.Vmsa, gpa, vmsaDigest);
  }
}
