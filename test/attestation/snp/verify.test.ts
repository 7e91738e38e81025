// Tests for SnpVerifier / verifySnpReport against every SNP vector in test/testdata/attestation/{snp,amd}.

import { describe, expect, test } from "bun:test";
import { OFF } from "../../../src/attestation/snp/report-layout.ts";
import { SnpVerifier, type SnpVerifyInput, verifySnpReport } from "../../../src/attestation/snp/verify.ts";
import { toHex } from "../../../src/common/bytes.ts";
import { ConfigError, ParseError, VerificationError } from "../../../src/common/errors.ts";
import { type ErrorClass, expectCode } from "../../support/expect-error.ts";
import { NO_REVOCATION } from "./no-revocation.ts";
import { GOOD_REPORTS, NOW_2025, NOW_2026, readChain, readSnp } from "./testdata.ts";

function flipped(bytes: Uint8Array, offset: number, delta = 1): Uint8Array {
  const b = bytes.slice();
  b[offset] = (b[offset]! + delta) & 0xff;
  return b;
}

describe("SnpVerifier.verify", () => {
  const verifier = new SnpVerifier();
  const virtee = (extra: Partial<SnpVerifyInput> = {}) => ({
    report: readSnp("milan_v2_virtee_report.bin"),
    leaf: readSnp("milan_v2_virtee_vcek.der"),
    now: NOW_2026,
    ...extra,
  });
  const vlekAws = {
    report: readSnp("milan_v3_vlek_aws_report.bin"),
    leaf: readSnp("milan_v3_vlek_aws_vlek.der"),
  };

  test("every good report with its cert and the README's chain bundle → valid", async () => {
    let ran = 0;
    for (const g of GOOD_REPORTS) {
      const chain = readChain(g.chain);
      const v = await verifier.verify({
        revocation: NO_REVOCATION,
        report: readSnp(g.report),
        leaf: readSnp(g.leaf),
        ...chain,
        now: g.now,
      });
      expect(v.product).toBe(g.product);
      expect(v.signingKey).toBe(g.signingKey);
      expect(v.ark.source).toBe("amd");
      expect(v.leafTcb).toEqual(g.reportedTcb);
      expect(toHex(v.report.measurement)).toBe(g.measurement);
      ran++;
    }
    expect(ran).toBe(5);
  });

  test("every good report with only its cert (embedded roots) → valid", async () => {
    let ran = 0;
    for (const g of GOOD_REPORTS) {
      const v = await verifySnpReport({
        revocation: NO_REVOCATION,
        report: readSnp(g.report),
        leaf: readSnp(g.leaf),
        now: g.now,
      });
      expect(v.product).toBe(g.product);
      ran++;
    }
    expect(ran).toBe(5);
  });

  test("ark fingerprints of the embedded roots → the values in AMD VCEK/KDS interface spec #57230, certificate chain", async () => {
    const v = await verifier.verify({ revocation: NO_REVOCATION, ...virtee() });
    expect(v.ark.sha256).toBe("69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd");
    const g = await verifier.verify({
      revocation: NO_REVOCATION,
      report: readSnp("genoa_v3_coco_e2e_report.bin"),
      leaf: readSnp("genoa_v3_coco_e2e_vcek.der"),
      now: NOW_2026,
    });
    expect(g.ark.sha256).toBe("4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1");
  });

  test("flipped MEASUREMENT byte in each good report → snp_bad_signature", async () => {
    let ran = 0;
    for (const g of GOOD_REPORTS) {
      const report = flipped(readSnp(g.report), OFF.measurement + 7);
      await expectCode(
        verifier.verify({ revocation: NO_REVOCATION, report, leaf: readSnp(g.leaf), now: g.now }),
        VerificationError,
        "snp_bad_signature",
      );
      ran++;
    }
    expect(ran).toBe(5);
  });

  const expectBadSignature = (report: Uint8Array, leaf: Uint8Array) =>
    expectCode(
      verifier.verify({ revocation: NO_REVOCATION, report, leaf, now: NOW_2026 }),
      VerificationError,
      "snp_bad_signature",
    );

  test("coco negatives: byte 42 + 1 and byte 0x180 (REPORTED_TCB.bl) + 1 → fail", async () => {
    const report = readSnp("milan_v2_coco_report.bin");
    const leaf = readSnp("milan_v2_coco_vcek.der");
    await expectBadSignature(flipped(report, 42), leaf);
    await expectBadSignature(flipped(report, 0x180), leaf);
  });

  test("virtee negatives: report byte 21 flipped → snp_bad_signature; vcek byte 40 flipped → fails", async () => {
    const report = readSnp("milan_v2_virtee_report.bin");
    const leaf = readSnp("milan_v2_virtee_vcek.der");
    await expectBadSignature(flipped(report, 21), leaf);
    let err: unknown;
    try {
      await verifier.verify({ revocation: NO_REVOCATION, report, leaf: flipped(leaf, 40), now: NOW_2026 });
    } catch (e) {
      err = e;
    }
    expect(err instanceof VerificationError || err instanceof ParseError).toBe(true);
  });

  test("vlek report at a 2026 time (vlek expired 2025-12-10) → snp_cert_expired; same verifier at 2025 → valid", async () => {
    const input = {
      report: readSnp("milan_v3_vlek_aws_report.bin"),
      leaf: readSnp("milan_v3_vlek_aws_vlek.der"),
    };
    const v = await verifier.verify({ revocation: NO_REVOCATION, ...input, now: NOW_2025 });
    expect(v.signingKey).toBe("vlek");
    expect(v.leaf.extensions.cspId).toBe("CN=cc-us-east-2.amazonaws.com");
    await expectCode(
      verifier.verify({ revocation: NO_REVOCATION, ...input, now: NOW_2026 }),
      VerificationError,
      "snp_cert_expired",
    );
  });

  // One row a refusal: the inputs that must not verify, and the error class and code they fail with.
  const malleatedLeaf = () => {
    const leaf = readSnp("milan_v2_virtee_vcek.der");
    expect(leaf[801]).toBe(0x05);
    leaf[801] = 0x04;
    return leaf;
  };
  const unsignedReport = () => {
    const report = readSnp("milan_v2_virtee_report.bin");
    report[OFF.signerInfo] = 7 << 2;
    return report;
  };
  const noEmbeddedRoots = new SnpVerifier({ trustEmbeddedAmdRoots: false });
  const refusals: [string, () => Omit<SnpVerifyInput, "revocation">, ErrorClass, string, SnpVerifier?][] = [
    [
      "vcek before its notBefore → snp_cert_not_yet_valid",
      () => virtee({ now: new Date("2023-01-01T00:00:00Z") }),
      VerificationError,
      "snp_cert_not_yet_valid",
    ],
    [
      "vlek under the milan ASK instead of the ASVK → snp_chain_invalid",
      () => ({ ...vlekAws, ...readChain("milan_vcek_cert_chain.pem"), now: NOW_2025 }),
      VerificationError,
      "snp_chain_invalid",
    ],
    [
      "gosevguest report with the virtee vcek (wrong pairing) → snp_bad_signature",
      () => virtee({ report: readSnp("milan_v2_gosevguest_report.bin") }),
      VerificationError,
      "snp_bad_signature",
    ],
    [
      "milan vcek under the genoa chain with product Genoa → snp_chain_invalid",
      () => virtee({ ...readChain("genoa_vcek_cert_chain.pem"), product: "Genoa" }),
      VerificationError,
      "snp_chain_invalid",
    ],
    [
      "milan vcek with the genoa ark passed in → snp_untrusted_root (ark must equal the pinned one)",
      () => virtee(readChain("genoa_vcek_cert_chain.pem")),
      VerificationError,
      "snp_untrusted_root",
    ],
    [
      "vcek report with a vlek leaf → snp_chain_invalid",
      () => virtee({ leaf: vlekAws.leaf, now: NOW_2025 }),
      VerificationError,
      "snp_chain_invalid",
    ],
    [
      "genoa v3 report with product hint Milan → snp_product_mismatch",
      () => ({
        report: readSnp("genoa_v3_coco_e2e_report.bin"),
        leaf: readSnp("genoa_v3_coco_e2e_vcek.der"),
        product: "Milan",
        now: NOW_2026,
      }),
      VerificationError,
      "snp_product_mismatch",
    ],
    [
      "no embedded roots trusted and no trusted ark → snp_untrusted_root",
      () => virtee(readChain("milan_vcek_cert_chain.pem")),
      VerificationError,
      "snp_untrusted_root",
      noEmbeddedRoots,
    ],
    [
      "garbage leaf → ParseError snp_cert_invalid",
      () => virtee({ leaf: new Uint8Array([0x30, 1, 2]) }),
      ParseError,
      "snp_cert_invalid",
    ],
    [
      "vcek with a malleated outer signature algorithm (NULL → empty OCTET STRING at byte 801) → snp_cert_invalid",
      () => virtee({ leaf: malleatedLeaf() }),
      ParseError,
      "snp_cert_invalid",
    ],
    [
      "report signed by no key (signing key 7) → snp_unsigned_report",
      () => virtee({ report: unsignedReport() }),
      VerificationError,
      "snp_unsigned_report",
    ],
    [
      "invalid now → ConfigError snp_verify_options",
      () => virtee({ now: new Date(Number.NaN) }),
      ConfigError,
      "snp_verify_options",
    ],
  ];
  for (const [name, input, cls, code, v = verifier] of refusals) {
    test(name, async () => {
      await expectCode(v.verify({ revocation: NO_REVOCATION, ...input() }), cls, code);
    });
  }

  test("amd ark passed as explicitly trusted with embedded roots off → valid, source trusted", async () => {
    const chain = readChain("milan_vcek_cert_chain.pem");
    const v = await noEmbeddedRoots.verify({
      revocation: NO_REVOCATION,
      ...virtee({ ...chain, trustedArks: [chain.ark] }),
    });
    expect(v.ark.source).toBe("trusted");
  });

  test("leaf as pem → valid", async () => {
    const der = readSnp("milan_v2_virtee_vcek.der");
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE-----\n`;
    const v = await verifier.verify({
      revocation: NO_REVOCATION,
      ...virtee({ leaf: new TextEncoder().encode(pem) }),
    });
    expect(v.signingKey).toBe("vcek");
  });
});
