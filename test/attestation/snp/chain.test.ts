// Tests for the AMD chain bundles, the Turin chain-only vector, the known-bad legacy VCEK and leaf-extension decoding.

import { describe, expect, test } from "bun:test";
import { AMD_ROOTS_PEM } from "../../../src/attestation/snp/amd-roots.ts";
import { checkPssSignature } from "../../../src/attestation/snp/chain.ts";
import { decodeHwId, parseAmdLeafExtensions } from "../../../src/attestation/snp/leaf-extensions.ts";
import type { SnpProduct } from "../../../src/attestation/snp/product.ts";
import { type SnpSigningKey, SnpVerifier } from "../../../src/attestation/snp/verify.ts";
import { parseCertificate } from "../../../src/attestation/snp/x509-util.ts";
import { toHex } from "../../../src/common/bytes.ts";
import { sha256Hex } from "../../../src/common/digest.ts";
import { ParseError, VerificationError } from "../../../src/common/errors.ts";
import { decodePemDers } from "../../../src/crypto/pem.ts";
import { expectCode } from "../../support/expect-error.ts";
import { NO_REVOCATION } from "./no-revocation.ts";
import { AMD_CHAIN_FILES, NOW_2026, readChain, readSnp } from "./testdata.ts";

/** SHA-256 fingerprints from AMD VCEK/KDS interface spec #57230, certificate chain (ARK, then ASK/ASVK) per bundle. */
const FINGERPRINTS: Record<(typeof AMD_CHAIN_FILES)[number], [string, string]> = {
  "milan_vcek_cert_chain.pem": [
    "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
    "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b",
  ],
  "milan_vlek_cert_chain.pem": [
    "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
    "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5",
  ],
  "genoa_vcek_cert_chain.pem": [
    "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
    "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521",
  ],
  "genoa_vlek_cert_chain.pem": [
    "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
    "197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372",
  ],
  "turin_vcek_cert_chain.pem": [
    "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a",
    "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185",
  ],
  "turin_vlek_cert_chain.pem": [
    "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a",
    "104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c",
  ],
};

describe("checkPssSignature", () => {
  test("every amd bundle → ark self-signed, intermediate signed by ark, fingerprints as in AMD VCEK/KDS interface spec #57230, certificate chain", async () => {
    let ran = 0;
    for (const file of AMD_CHAIN_FILES) {
      const { intermediate, ark } = readChain(file);
      const arkCert = parseCertificate(ark, "ark");
      const intCert = parseCertificate(intermediate, "intermediate");
      expect(await checkPssSignature(arkCert, arkCert)).toBe(true);
      expect(await checkPssSignature(intCert, arkCert)).toBe(true);
      expect([sha256Hex(ark), sha256Hex(intermediate)]).toEqual(FINGERPRINTS[file]);
      ran++;
    }
    expect(ran).toBe(6);
  });

  test("milan ask with one bit of its signature or of its signed tbs flipped → false", async () => {
    const { intermediate, ark } = readChain("milan_vcek_cert_chain.pem");
    const arkCert = parseCertificate(ark, "ark");
    // The signature is the last bytes of the certificate; the subject CN (inside the tbs) ends well before it.
    const badSig = intermediate.slice();
    badSig[badSig.length - 10] = (badSig[badSig.length - 10] ?? 0) ^ 1;
    const badTbs = intermediate.slice();
    const cn = new TextEncoder().encode("SEV-Milan");
    const at = badTbs.findIndex((_, i) => cn.every((b, j) => badTbs[i + j] === b));
    badTbs[at + 4] = 0x6e; // "SEV-Milan" → "SEV-nilan"
    expect(await checkPssSignature(parseCertificate(badSig, "i"), arkCert)).toBe(false);
    expect(await checkPssSignature(parseCertificate(badTbs, "i"), arkCert)).toBe(false);
  });

  test("milan ask checked against the genoa ark → false", async () => {
    const milan = readChain("milan_vcek_cert_chain.pem");
    const genoa = readChain("genoa_vcek_cert_chain.pem");
    expect(
      await checkPssSignature(parseCertificate(milan.intermediate, "i"), parseCertificate(genoa.ark, "a")),
    ).toBe(false);
  });
});

describe("AMD_ROOTS_PEM", () => {
  test("embedded pem text → byte-identical to every testdata bundle, each a canonical DER certificate", () => {
    let ran = 0;
    for (const file of AMD_CHAIN_FILES) {
      const [product, kind] = file.split("_") as [string, "vcek" | "vlek"];
      const name = (product[0]!.toUpperCase() + product.slice(1)) as "Milan" | "Genoa" | "Turin";
      const embedded = AMD_ROOTS_PEM[name][kind];
      const chain = readChain(file);
      expect(toHex(decodePemDers(embedded.intermediate, "CERTIFICATE")[0]!)).toBe(toHex(chain.intermediate));
      expect(toHex(decodePemDers(embedded.ark, "CERTIFICATE")[0]!)).toBe(toHex(chain.ark));
      // embedded-roots.ts skips the canonical-DER check at run time because of this line.
      for (const pem of [embedded.intermediate, embedded.ark])
        parseCertificate(decodePemDers(pem, "CERTIFICATE")[0]!, "embedded");
      ran++;
    }
    expect(ran).toBe(6);
  });
});

describe("SnpVerifier.verifyChain", () => {
  const verifier = new SnpVerifier();

  test("turin vcek chain-only vector → valid, extensions decoded with the Turin layout", async () => {
    for (const input of [{}, readChain("turin_vcek_cert_chain.pem")]) {
      const leaf = await verifier.verifyChain({
        revocation: NO_REVOCATION,
        leaf: readSnp("turin_virtee_vcek.der"),
        ...input,
        product: "Turin",
        signingKey: "vcek",
        now: NOW_2026,
      });
      expect(leaf.extensions.structVersion).toBe(1);
      expect(leaf.extensions.tcb).toEqual({ fmc: 0, bootloader: 0, tee: 0, snp: 0, microcode: 9 });
      expect(toHex(leaf.extensions.hwId!)).toBe("1e550a8ee5cf9f4d");
      expect(leaf.ark.sha256).toBe(FINGERPRINTS["turin_vcek_cert_chain.pem"][0]);
    }
  });

  // One row a refusal: leaf file, product, signing key, time → the chain error.
  const refusals: [string, string, SnpProduct, SnpSigningKey, Date, string][] = [
    [
      "turin vcek after its notAfter (2031-11-06) → snp_cert_expired",
      "turin_virtee_vcek.der",
      "Turin",
      "vcek",
      new Date("2032-01-01T00:00:00Z"),
      "snp_cert_expired",
    ],
    [
      "turin vcek under the milan chain → snp_chain_invalid",
      "turin_virtee_vcek.der",
      "Milan",
      "vcek",
      NOW_2026,
      "snp_chain_invalid",
    ],
    [
      "known-bad legacy vcek → chain fails under SEV-Milan",
      "bad_vcek_coco_invalid_legacy.der",
      "Milan",
      "vcek",
      NOW_2026,
      "snp_chain_invalid",
    ],
    [
      "vlek under the genoa asvk → snp_chain_invalid",
      "milan_v3_vlek_aws_vlek.der",
      "Genoa",
      "vlek",
      new Date("2025-06-01T00:00:00Z"),
      "snp_chain_invalid",
    ],
  ];
  for (const [name, leaf, product, signingKey, now, code] of refusals) {
    test(name, async () => {
      await expectCode(
        verifier.verifyChain({ revocation: NO_REVOCATION, leaf: readSnp(leaf), product, signingKey, now }),
        VerificationError,
        code,
      );
    });
  }
});

describe("parseAmdLeafExtensions", () => {
  const leaves: [string, "milan" | "turin", Record<string, unknown>][] = [
    [
      "milan_v2_gosevguest_vcek.der",
      "milan",
      { productNameRaw: "Milan-B0", tcb: { bootloader: 2, tee: 0, snp: 5, microcode: 68 } },
    ],
    [
      "milan_v2_virtee_vcek.der",
      "milan",
      { productNameRaw: "Milan-B0", tcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 } },
    ],
    [
      "milan_v2_coco_vcek.der",
      "milan",
      { productNameRaw: "Milan-B0", tcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 } },
    ],
    [
      "milan_v3_vlek_aws_vlek.der",
      "milan",
      { productNameRaw: "Milan", tcb: { bootloader: 4, tee: 0, snp: 24, microcode: 217 } },
    ],
    [
      "genoa_v3_coco_e2e_vcek.der",
      "milan",
      { productNameRaw: "Genoa", tcb: { bootloader: 10, tee: 0, snp: 23, microcode: 25 } },
    ],
    [
      "turin_virtee_vcek.der",
      "turin",
      { productNameRaw: "Turin", tcb: { fmc: 0, bootloader: 0, tee: 0, snp: 0, microcode: 9 } },
    ],
    ["bad_vcek_coco_invalid_legacy.der", "milan", {}],
  ];

  test("every leaf vector → readable extensions", () => {
    let ran = 0;
    for (const [file, layout, want] of leaves) {
      const ext = parseAmdLeafExtensions(parseCertificate(readSnp(file), file), layout);
      expect(ext).toMatchObject(want);
      expect(ext.hwId === undefined).toBe(ext.cspId !== undefined);
      ran++;
    }
    expect(ran).toBe(7);
  });

  test("known-bad legacy vcek → hwID 00 01 … 3f as 64 raw bytes and ucodeSPL 0x00a9 = 169", () => {
    const ext = parseAmdLeafExtensions(
      parseCertificate(readSnp("bad_vcek_coco_invalid_legacy.der"), "leaf"),
      "milan",
    );
    expect(toHex(ext.hwId!)).toBe(toHex(Uint8Array.from({ length: 64 }, (_, i) => i)));
    expect(ext.tcb.microcode).toBe(169);
  });

  test("gosevguest vcek (raw 64-byte hwID) → equals the report chip id prefix 3ac3fe21", () => {
    const ext = parseAmdLeafExtensions(
      parseCertificate(readSnp("milan_v2_gosevguest_vcek.der"), "leaf"),
      "milan",
    );
    expect(toHex(ext.hwId!).slice(0, 8)).toBe("3ac3fe21");
    expect(toHex(ext.hwId!).endsWith("006b5d")).toBe(true);
  });
});

describe("decodeHwId", () => {
  test("64 raw, der octet string of 64, 8 raw → decoded; other shapes → snp_cert_extension_invalid", async () => {
    const id = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
    expect(decodeHwId(id)).toEqual(id);
    expect(decodeHwId(new Uint8Array([0x04, 0x40, ...id]))).toEqual(id);
    expect(decodeHwId(id.subarray(0, 8))).toEqual(id.subarray(0, 8));
    await expectCode(() => decodeHwId(id.subarray(0, 32)), ParseError, "snp_cert_extension_invalid");
    await expectCode(
      () => decodeHwId(new Uint8Array([0x04, 0x41, ...id])),
      ParseError,
      "snp_cert_extension_invalid",
    );
  });
});

describe("parseCertificate", () => {
  test("a vcek parsed, then the same vcek with a non-minimal (BER) length → the second refused, snp_cert_invalid", () => {
    const der = readSnp("milan_v2_virtee_vcek.der");
    expect(der[0]).toBe(0x30);
    expect(der[1]).toBe(0x82);
    const first = parseCertificate(der, "vcek");
    expect(parseCertificate(der.slice(), "vcek")).toBe(first); // same bytes: parsed once
    const ber = new Uint8Array(der.length + 1);
    ber.set([0x30, 0x83, 0x00, der[2] as number, der[3] as number]);
    ber.set(der.subarray(4), 5);
    expect(() => parseCertificate(ber, "vcek")).toThrow(ParseError);
    try {
      parseCertificate(ber, "vcek");
    } catch (e) {
      expect((e as ParseError).code).toBe("snp_cert_invalid");
    }
  });
});
