// The guest initdata reader on a constructed directory tree standing in for the guest's root.

import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { toHex } from "../../src/common/bytes.ts";
import { ConfigError, ParseError } from "../../src/common/errors.ts";
import { DEFAULT_INITDATA_PATHS, readInitializerConfig } from "../../src/initializer/config.ts";
import { readInitdataDocument } from "../../src/initializer/initdata-reader.ts";
import { gzipDeterministic } from "../../src/policy/deterministic-gzip.ts";
import { serializeInitdata } from "../../src/policy/initdata.ts";
import { expectCode } from "../support/expect-error.ts";

const TOML = serializeInitdata([["policy.rego", "package agent_policy\n"]]);

/** A fresh guest root; `files` maps absolute guest paths to contents. */
function guest(files: Record<string, Uint8Array>): { root: string; paths: string[] } {
  const root = mkdtempSync(join(tmpdir(), "guest-"));
  for (const [p, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), bytes);
  }
  return { root, paths: DEFAULT_INITDATA_PATHS.map((p) => join(root, p)) };
}

/** The initdata block-device image: "initdata" ‖ u64 LE gzip length ‖ gzip ‖ zero padding to 512 bytes. */
function deviceImage(toml: Uint8Array, lengthOverride?: number): Uint8Array {
  const gz = gzipDeterministic(toml);
  const size = Math.ceil((16 + gz.length) / 512) * 512;
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode("initdata"));
  new DataView(out.buffer).setBigUint64(8, BigInt(lengthOverride ?? gz.length), true);
  out.set(gz, 16);
  return out;
}

const [AGENT_TOML, DEVICE] = DEFAULT_INITDATA_PATHS as readonly [string, string];

describe("readInitdataDocument", () => {
  test("TOML where the Kata agent writes it → those exact bytes", () => {
    const g = guest({ [AGENT_TOML]: TOML });
    const r = readInitdataDocument(g.paths);
    expect(r.path).toBe(join(g.root, AGENT_TOML));
    expect(toHex(r.toml)).toBe(toHex(TOML));
  });

  test("only the initdata block device → the TOML unpacked from its image", () => {
    const g = guest({ [DEVICE]: deviceImage(TOML) });
    const r = readInitdataDocument(g.paths);
    expect(r.path).toBe(join(g.root, DEVICE));
    expect(toHex(r.toml)).toBe(toHex(TOML));
  });

  test("both present → the first path wins", () => {
    const other = serializeInitdata([["policy.rego", "other\n"]]);
    const g = guest({ [AGENT_TOML]: TOML, [DEVICE]: deviceImage(other) });
    expect(toHex(readInitdataDocument(g.paths).toml)).toBe(toHex(TOML));
  });

  test("device image whose length field exceeds the image → ParseError initdata_malformed", async () => {
    const g = guest({ [DEVICE]: deviceImage(TOML, 1 << 20) });
    await expectCode(() => readInitdataDocument(g.paths), ParseError, "initdata_malformed");
  });

  test("device image with a corrupt gzip body → ParseError gzip_malformed", async () => {
    const image = deviceImage(TOML);
    image[40] = (image[40] ?? 0) ^ 0xff;
    const g = guest({ [DEVICE]: image });
    await expectCode(() => readInitdataDocument(g.paths), ParseError, "gzip_malformed");
  });

  test("nothing at any path → ConfigError initdata_not_found naming the paths", async () => {
    const g = guest({});
    const e = await expectCode(() => readInitdataDocument(g.paths), ConfigError, "initdata_not_found");
    expect(e.message).toContain(join(g.root, AGENT_TOML));
  });
});

describe("readInitializerConfig (initdata location)", () => {
  test("default → the guest paths; --initdata-path or CONTRAST_INITDATA_PATH → only that one", () => {
    expect(readInitializerConfig({}, {}).initdataPaths).toEqual([...DEFAULT_INITDATA_PATHS]);
    expect(readInitializerConfig({ initdataPath: "/x" }, {}).initdataPaths).toEqual(["/x"]);
    expect(readInitializerConfig({}, { CONTRAST_INITDATA_PATH: "/y" }).initdataPaths).toEqual(["/y"]);
  });
});
