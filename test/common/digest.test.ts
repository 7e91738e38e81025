// SHA-2 helpers against the FIPS 180-2 "abc" vectors, and streaming equal to one-shot.

import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/common/bytes.ts";
import { createDigest, sha256, sha256Hex, sha384, sha512 } from "../../src/common/digest.ts";

describe("sha256 / sha384 / sha512", () => {
  test('"abc" → the published digests', () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(toHex(sha384("abc"))).toStartWith(
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed",
    );
    expect(toHex(sha512("abc"))).toStartWith(
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a",
    );
  });
  test("text and its UTF-8 bytes, streamed in parts → the one-shot digest", () => {
    const h = createDigest("sha256").update("a").update(new TextEncoder().encode("bc")).digest();
    expect(toHex(h)).toBe(toHex(sha256(new TextEncoder().encode("abc"))));
  });
});
