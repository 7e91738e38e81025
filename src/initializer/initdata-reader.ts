// Reads the pod's initdata document where the guest keeps it: the TOML itself (as the Kata agent writes it), or the
// initdata block-device image (Kata Containers src/libs/kata-types/src/initdata.rs: ASCII "initdata" ‖ u64 little-endian gzip length ‖ gzip, padded).
// Nothing read here is trusted yet: own-initdata.ts compares its SHA-256 with the pod's own HOST_DATA.

import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { view } from "../common/bytes.ts";
import { ConfigError, ParseError } from "../common/errors.ts";
import { gunzipLimited } from "../policy/deterministic-gzip.ts";
import { MAX_INITDATA_BYTES } from "../policy/initdata.ts";

const MAGIC = new TextEncoder().encode("initdata");
const HEADER = 16;

export interface InitdataFile {
  readonly path: string;
  /** The exact TOML bytes (what the runtime hashed into HOST_DATA). */
  readonly toml: Uint8Array;
}

/** The document at the first of `paths` that exists; ConfigError `initdata_not_found` when none does. */
export function readInitdataDocument(paths: readonly string[]): InitdataFile {
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const bytes = readBounded(path, HEADER + MAX_INITDATA_BYTES);
    return { path, toml: isDeviceImage(bytes) ? unpackDeviceImage(bytes, path) : bytes };
  }
  throw new ConfigError(
    "initdata_not_found",
    `initdata: expected the pod's initdata document at ${paths.join(" or ")}, got none (set --initdata-path or CONTRAST_INITDATA_PATH)`,
  );
}

function isDeviceImage(b: Uint8Array): boolean {
  return b.length >= HEADER && MAGIC.every((c, i) => b[i] === c);
}

function unpackDeviceImage(b: Uint8Array, path: string): Uint8Array {
  const length = view(b).getBigUint64(8, true);
  if (length > BigInt(b.length - HEADER)) {
    throw new ParseError(
      "initdata_malformed",
      `${path}: expected a gzip blob of at most ${b.length - HEADER} bytes after the header, got length ${length}`,
    );
  }
  return gunzipLimited(b.subarray(HEADER, HEADER + Number(length)), MAX_INITDATA_BYTES);
}

/** Reads at most `max` bytes (a block device has no useful size; a file larger than that is refused). */
function readBounded(path: string, max: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(max + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) {
        if (isDeviceImage(buf)) return buf.subarray(0, max); // trailing padding of a device beyond the bound
        throw new ParseError("initdata_too_large", `${path}: expected at most ${max} bytes, got more`);
      }
    }
    return buf.slice(0, n);
  } finally {
    closeSync(fd);
  }
}
