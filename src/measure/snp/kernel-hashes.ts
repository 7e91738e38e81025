// QEMU's SEV kernel/initrd/cmdline hash table and the page it is measured in (virtee/sev-snp-measure sev_hashes.py).

import { concatBytes, utf8 } from "../../common/bytes.ts";
import { sha256 } from "../../common/digest.ts";
import { ConfigError } from "../../common/errors.ts";
import { encodeGuid } from "../../common/guid.ts";

const TABLE_GUID = "9438d606-4f22-4cc9-b479-a793d411fd21";
const CMDLINE_GUID = "97d02dd8-bd20-4c94-aa78-e7714d36ab2a";
const INITRD_GUID = "44baf731-3a2f-4bd7-9af1-41e29169781d";
const KERNEL_GUID = "4de79437-abd2-427f-b835-d5b172d2045b";
const ENTRY_SIZE = 50;
const TABLE_SIZE = 18 + 3 * ENTRY_SIZE; // 168, before padding
/** The table as measured: zero-padded to a multiple of 16. */
export const SEV_HASH_TABLE_SIZE = 176;

export interface KernelInputs {
  /** The kernel file as given to QEMU `-kernel`. */
  readonly kernel: Uint8Array;
  /** The initrd file; absent hashes as empty input. */
  readonly initrd?: Uint8Array;
  /** The kernel command line; absent hashes like "" (a single NUL). */
  readonly cmdline?: string;
}

function encodeEntry(guid: string, digest: Uint8Array): Uint8Array {
  const length = new Uint8Array([ENTRY_SIZE & 0xff, ENTRY_SIZE >> 8]);
  return concatBytes(encodeGuid(guid, "efi"), length, digest);
}

/** Builds the 176-byte SEV hash table: header, then cmdline, initrd and kernel SHA-256 entries. */
export function buildSevHashTable(inputs: KernelInputs): Uint8Array {
  const cmdline = concatBytes(utf8(inputs.cmdline ?? ""), new Uint8Array(1));
  const table = concatBytes(
    encodeGuid(TABLE_GUID, "efi"),
    new Uint8Array([TABLE_SIZE & 0xff, TABLE_SIZE >> 8]),
    encodeEntry(CMDLINE_GUID, sha256(cmdline)),
    encodeEntry(INITRD_GUID, sha256(inputs.initrd ?? new Uint8Array(0))),
    encodeEntry(KERNEL_GUID, sha256(inputs.kernel)),
  );
  const padded = new Uint8Array(SEV_HASH_TABLE_SIZE);
  padded.set(table, 0);
  return padded;
}

/** A zero page with the table at `offsetInPage` (the hash-table GPA's offset within its page). */
export function buildKernelHashesPage(table: Uint8Array, offsetInPage: number): Uint8Array {
  if (!Number.isInteger(offsetInPage) || offsetInPage < 0 || offsetInPage + table.length > 4096) {
    throw new ConfigError(
      "snp_bad_hash_table_location",
      `ovmf hash table: expected ${table.length} bytes to fit in the page at offset ${offsetInPage}`,
      { field: "ovmf" },
    );
  }
  const page = new Uint8Array(4096);
  page.set(table, offsetInPage);
  return page;
}
