// Byte-exact goldens for what the Coordinator encodes per admission: the mesh leaf's TBSCertificate and the report
// claims. Recorded with the asn1js encoders these replaced (test/testdata/crypto/README.md); UPDATE_GOLDEN=1 rewrites.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { snpClaims, tdxClaims } from "../../src/attestation/claims.ts";
import { parseSnpReport } from "../../src/attestation/snp/abi.ts";
import { parseTdxQuote } from "../../src/attestation/tdx/abi.ts";
import { fromHex, toHex } from "../../src/common/bytes.ts";
import { encodeBoolean, encodeOctetString, encodeUnsignedInteger } from "../../src/crypto/der.ts";
import { encodeLeafTbs } from "../../src/crypto/leaf-der.ts";
import { parseSubjectAltNames } from "../../src/crypto/san.ts";
import { expectGolden } from "../support/golden.ts";
import { testdata } from "../support/testdata.ts";

const GOLDEN = testdata("crypto");
const golden = (name: string, actual: string) => expectGolden(join(GOLDEN, name), actual);

const claimsText = (claims: readonly { oid: string; value: Uint8Array }[]) =>
  `${claims.map((c) => `${c.oid} ${toHex(c.value)}`).join("\n")}\n`;

// CN=system:coordinator:intermediate, as the mesh CA's subject is encoded.
const ISSUER = fromHex(
  "302a3128302606035504030c1f73797374656d3a636f6f7264696e61746f723a696e7465726d656469617465",
  "issuer",
);
// A P-256 SubjectPublicKeyInfo (the generator point G).
const SPKI = fromHex(
  "3059301306072a8648ce3d020106082a8648ce3d030107034200046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
  "spki",
);

describe("snpClaims / tdxClaims", () => {
  test("a real Genoa report → the recorded 46 claim extensions, byte for byte", () => {
    const report = parseSnpReport(
      new Uint8Array(readFileSync(testdata("attestation", "snp", "genoa_v3_coco_e2e_report.bin"))),
      { product: "Genoa" },
    );
    const claims = snpClaims(report);
    expect(claims.length).toBe(46);
    golden("snp-claims.txt", claimsText(claims));
  });

  test("a real TDX quote → the recorded 16 claim extensions, byte for byte", () => {
    const quote = parseTdxQuote(
      new Uint8Array(readFileSync(testdata("attestation", "tdx", "quote_v4_coco_debugtd.dat"))),
    );
    const claims = tdxClaims(quote);
    expect(claims.length).toBe(16);
    golden("tdx-claims.txt", claimsText(claims));
  });
});

describe("encodeUnsignedInteger / encodeBoolean / encodeOctetString", () => {
  test("edge values → the recorded DER", () => {
    const ints = [
      0n,
      1n,
      0x7fn,
      0x80n,
      0xffn,
      0x100n,
      0x7fffn,
      0x8000n,
      2n ** 32n - 1n,
      2n ** 64n - 1n,
      2n ** 64n,
    ];
    const lines = [
      ...ints.map((v) => `int ${v} ${toHex(encodeUnsignedInteger(v))}`),
      `bool true ${toHex(encodeBoolean(true))}`,
      `bool false ${toHex(encodeBoolean(false))}`,
      `octets 0 ${toHex(encodeOctetString(new Uint8Array(0)))}`,
      `octets 200 ${toHex(encodeOctetString(new Uint8Array(200).fill(7)))}`,
      `octets 70000 ${toHex(encodeOctetString(new Uint8Array(70000).fill(1)).subarray(0, 8))}`,
    ];
    golden("der-primitives.txt", `${lines.join("\n")}\n`);
  });
});

describe("encodeLeafTbs", () => {
  const base = {
    serialHex: "5a1b2c3d4e5f60718293a4b5c6d7e8f9",
    issuerName: ISSUER,
    authorityKeyId: fromHex("00112233445566778899aabbccddeeff00112233", "aki"),
    notBefore: new Date("2026-11-29T23:00:00Z"),
    notAfter: new Date("2027-11-29T23:59:59Z"),
    spki: SPKI,
    hash: "SHA-384" as const,
  };

  test("every SAN kind, the claims of a real report and a workload secret ID → the recorded TBSCertificate", () => {
    const report = parseSnpReport(
      new Uint8Array(readFileSync(testdata("attestation", "snp", "genoa_v3_coco_e2e_report.bin"))),
      { product: "Genoa" },
    );
    const tbs = encodeLeafTbs({
      ...base,
      commonName: "web",
      sans: parseSubjectAltNames(["web", "*", "10.0.0.1", "fd00::1", "spiffe://cluster/ns/web"]),
      extensions: [
        ...snpClaims(report),
        {
          oid: "1.3.9901.3.1",
          value: encodeOctetString(new TextEncoder().encode("apps/v1/Deployment/default/web")),
        },
      ],
    });
    golden("leaf-tbs-claims.hex", `${toHex(tbs)}\n`);
  });

  test("no common name, one IP SAN, a 2050 notAfter, a critical extension, SHA-256 → the recorded TBSCertificate", () => {
    const tbs = encodeLeafTbs({
      ...base,
      serialHex: "00ff",
      notAfter: new Date("2051-01-02T03:04:05Z"),
      commonName: undefined,
      sans: parseSubjectAltNames(["10.1.2.3"]),
      extensions: [{ oid: "1.2.3.4.5", value: encodeBoolean(true), critical: true }],
      hash: "SHA-256",
    });
    golden("leaf-tbs-minimal.hex", `${toHex(tbs)}\n`);
  });
});
