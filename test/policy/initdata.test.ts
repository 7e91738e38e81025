import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { parse } from "smol-toml";
import { fromUtf8, toBase64, utf8 } from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";
import { gunzipLimited, gzipDeterministic } from "../../src/policy/deterministic-gzip.ts";
import {
  decodeInitdataAnnotation,
  encodeInitdataAnnotation,
  initdataDigest,
  serializeInitdata,
} from "../../src/policy/initdata.ts";
import { expectError } from "../support/expect-error.ts";

describe("serializeInitdata", () => {
  test("policy text → exact TOML layout with a multi-line literal string", () => {
    const toml = fromUtf8(serializeInitdata([["policy.rego", "package agent_policy\n"]]));
    expect(toml).toBe(
      "version = \"0.1.0\"\nalgorithm = \"sha256\"\n\n[data]\n\"policy.rego\" = '''\npackage agent_policy\n'''\n",
    );
  });

  test("awkward values → a TOML parser reads back exactly the same string", () => {
    const values = [
      "a'''b\n",
      "x\r\ny\n",
      "\u0001\n",
      "single line",
      "ends with '\n",
      "tab\tand \\ backslash\n",
      "ünïcödé\n",
    ];
    let ran = 0;
    for (const v of values) {
      const doc = parse(fromUtf8(serializeInitdata([["policy.rego", v]]))) as {
        data: Record<string, string>;
      };
      expect(doc.data["policy.rego"]).toBe(v);
      ran++;
    }
    expect(ran).toBe(values.length);
  });
});

describe("initdataDigest", () => {
  test("digest → sha256 hex of the TOML bytes", () => {
    const toml = serializeInitdata([["policy.rego", "p\n"]]);
    expect(initdataDigest(toml)).toBe(createHash("sha256").update(toml).digest("hex"));
  });
});

describe("encodeInitdataAnnotation", () => {
  test("same TOML twice → same annotation; decoder returns the same bytes and digest", () => {
    const toml = serializeInitdata([["policy.rego", "package agent_policy\n\nx := 1\n"]]);
    const a = encodeInitdataAnnotation(toml);
    expect(encodeInitdataAnnotation(toml)).toBe(a);
    const d = decodeInitdataAnnotation(a);
    expect(d.toml).toEqual(toml);
    expect(d.digest).toBe(initdataDigest(toml));
    expect(d.data["policy.rego"]).toBe("package agent_policy\n\nx := 1\n");
  });
});

describe("decodeInitdataAnnotation", () => {
  const encode = (text: string) => toBase64(new Uint8Array(gzipSync(utf8(text))));
  const rows: [string, string, string][] = [
    ["other version", 'version = "0.2.0"\nalgorithm = "sha256"\n[data]\n', "initdata_version"],
    ["sha384", 'version = "0.1.0"\nalgorithm = "sha384"\n[data]\n', "initdata_algorithm"],
    ["no data table", 'version = "0.1.0"\nalgorithm = "sha256"\n', "initdata_malformed"],
    [
      "non-string entry",
      'version = "0.1.0"\nalgorithm = "sha256"\n[data]\n"policy.rego" = 1\n',
      "initdata_malformed",
    ],
    ["not toml", "version = = =", "initdata_malformed"],
  ];
  for (const [what, text, code] of rows) {
    test(`${what} → ParseError ${code}`, () => {
      expectError(() => decodeInitdataAnnotation(encode(text)), ParseError, code);
    });
  }

  test("gzip bomb → ParseError gzip_malformed before inflating it all", () => {
    const bomb = toBase64(new Uint8Array(gzipSync(new Uint8Array(8 * 1024 * 1024))));
    expect(() => decodeInitdataAnnotation(bomb, 1024 * 1024)).toThrow(ParseError);
  });
});

describe("gzipDeterministic", () => {
  test("header → fixed mtime 0 and OS 255; gunzip by node and by us agree", () => {
    const data = utf8("hello hello hello");
    const gz = gzipDeterministic(data);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    expect(gunzipLimited(gz, 100)).toEqual(data);
  });

  test("corrupted trailer → ParseError gzip_malformed", () => {
    const gz = gzipDeterministic(utf8("abc"));
    gz[gz.length - 8] = (gz[gz.length - 8] ?? 0) ^ 1;
    try {
      gunzipLimited(gz, 100);
      throw new Error("expected an error");
    } catch (e) {
      expect((e as ParseError).code).toBe("gzip_malformed");
    }
  });
});
