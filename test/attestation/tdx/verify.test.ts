import { describe, expect, test } from "bun:test";
import { parseTdxQuote } from "../../../src/attestation/tdx/abi.ts";
import { assertNotRevoked, type VerifiedCrl, verifyCrl } from "../../../src/attestation/tdx/crl.ts";
import {
  loadIntelRoot,
  parseIntelCertChain,
  verifyIntelChain,
} from "../../../src/attestation/tdx/intel-cert.ts";
import {
  INTEL_SGX_ROOT_CA_PEM,
  INTEL_SGX_ROOT_CA_SHA256,
} from "../../../src/attestation/tdx/intel-root-ca.ts";
import { verifyPckChain } from "../../../src/attestation/tdx/pck-chain.ts";
import type { TdxQuote } from "../../../src/attestation/tdx/quote-types.ts";
import { TdxVerifier, type TdxVerifyInput } from "../../../src/attestation/tdx/verify.ts";
import { toHex } from "../../../src/common/bytes.ts";
import { ParseError, VerificationError } from "../../../src/common/errors.ts";
import { canonicalSerial } from "../../../src/crypto/serial.ts";
import { type ErrorClass, expectCode } from "../../support/expect-error.ts";
import {
  flipByte,
  NOW_2023,
  NOW_2026,
  QUOTE_NOW,
  QUOTES,
  readIntelText,
  readTdx,
  readTdxText,
  withPckChainBytes,
} from "./vectors.ts";

const verifier = new TdxVerifier();

const verify = (input: TdxVerifyInput) => verifier.verify(input);
const spr = readTdx(QUOTES.spr);
const sprQuote = parseTdxQuote(spr);
const pems = (q: TdxQuote) =>
  q.pckChainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!;

/** Offset of MRTD (body 0x88) in a v4 or v5 quote. */
const mrTdOffset = (version: number) => 48 + (version === 5 ? 6 : 0) + 0x88;

describe("INTEL_SGX_ROOT_CA_PEM", () => {
  test("embedded root → byte-identical to intel/intel_sgx_root_ca.pem with the published SHA-256", async () => {
    expect(INTEL_SGX_ROOT_CA_PEM.trim()).toBe(readIntelText("intel_sgx_root_ca.pem").trim());
    const root = await loadIntelRoot();
    expect(
      toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", root.der as Uint8Array<ArrayBuffer>))),
    ).toBe(INTEL_SGX_ROOT_CA_SHA256);
    expect(await root.cert.verify({ publicKey: root.key, signatureOnly: true })).toBe(true);
  });
});

describe("TdxVerifier.verify", () => {
  test("all four quotes at a time inside their PCK validity → valid signatures and chain", async () => {
    let n = 0;
    for (const [k, name] of Object.entries(QUOTES) as [keyof typeof QUOTES, string][]) {
      const v = await verify({ quote: readTdx(name), now: QUOTE_NOW[k] });
      expect(v.pck.ca).toBe("platform");
      expect(v.tcbStatus).toBeNull();
      n++;
    }
    expect(n).toBe(4);
  });

  test("a flipped MRTD byte in each quote → tdx_bad_quote_signature", async () => {
    let n = 0;
    for (const [k, name] of Object.entries(QUOTES) as [keyof typeof QUOTES, string][]) {
      const bytes = readTdx(name);
      const flipped = flipByte(bytes, mrTdOffset(parseTdxQuote(bytes).header.version));
      await expectCode(
        verify({ quote: flipped, now: QUOTE_NOW[k] }),
        VerificationError,
        "tdx_bad_quote_signature",
      );
      n++;
    }
    expect(n).toBe(4);
  });

  test("SPR quote with PCK and root CRLs of 2023 → valid (PCK serial not listed)", async () => {
    const v = await verify({
      quote: spr,
      now: NOW_2023,
      pckCrl: readTdx("pckcrl_platform_2023.der"),
      rootCrl: readTdx("rootcacrl_2023.der"),
    });
    expect(v.pck.serial).toBe("bba6c175d838b8df3900cc3411f24f512d104102");
  });

  test("debug TD quote with both CRLs → valid (serial 99c17120…5b19 not listed)", async () => {
    const v = await verify({
      quote: readTdx(QUOTES.debug),
      now: NOW_2023,
      pckCrl: readTdx("pckcrl_platform_2023.der"),
    });
    expect(v.pck.serial.startsWith("99c17120")).toBe(true);
    expect(v.pck.serial.endsWith("5b19")).toBe(true);
  });

  test("parsed quote whose MRTD was edited after parsing → re-parsed from raw, edit ignored", async () => {
    const edited = { ...sprQuote, body: { ...sprQuote.body, mrTd: new Uint8Array(48) } };
    const v = await verify({ quote: edited, now: NOW_2023 });
    expect(toHex(v.quote.body.mrTd)).toBe(toHex(sprQuote.body.mrTd));
  });

  test("pre-parsed quote → same result as bytes", async () => {
    const v = await verify({ quote: sprQuote, now: NOW_2023 });
    expect(toHex(v.quote.body.mrTd)).toBe(toHex(sprQuote.body.mrTd));
  });

  const rows: [string, () => TdxVerifyInput, ErrorClass, string][] = [
    [
      "QE report byte flipped",
      () => ({ quote: flipByte(spr, 0x27c + 134 + 0x102), now: NOW_2023 }),
      VerificationError,
      "tdx_bad_qe_signature",
    ],
    [
      "QE report signature flipped",
      () => ({ quote: flipByte(spr, 0x27c + 134 + 384 + 5), now: NOW_2023 }),
      VerificationError,
      "tdx_bad_qe_signature",
    ],
    [
      "QE auth data flipped",
      () => ({ quote: flipByte(spr, 0x27c + 134 + 384 + 64 + 2), now: NOW_2023 }),
      VerificationError,
      "tdx_qe_binding",
    ],
    [
      "attestation key flipped",
      () => ({ quote: flipByte(spr, 0x27c + 64 + 3), now: NOW_2023 }),
      VerificationError,
      "tdx_qe_binding",
    ],
    [
      "quote signature flipped",
      () => ({ quote: flipByte(spr, 0x27c + 10), now: NOW_2023 }),
      VerificationError,
      "tdx_bad_quote_signature",
    ],
    [
      "QE vendor ID not Intel",
      () => ({ quote: flipByte(spr, 0x0c), now: NOW_2023 }),
      VerificationError,
      "tdx_unknown_qe_vendor",
    ],
    [
      "now before the PCK notBefore (2022-09-20)",
      () => ({ quote: spr, now: new Date("2022-01-01T00:00:00Z") }),
      VerificationError,
      "tdx_cert_expired",
    ],
    [
      "now after the PCK notAfter (2029-09-20)",
      () => ({ quote: spr, now: new Date("2030-01-01T00:00:00Z") }),
      VerificationError,
      "tdx_cert_expired",
    ],
    ["invalid now", () => ({ quote: spr, now: new Date(Number.NaN) }), ParseError, "invalid_time"],
    [
      "root replaced by the TCB signing cert",
      () => ({ quote: withChain([0, 1], readTdxText("tcb_signing_issuer_chain.pem")), now: NOW_2023 }),
      VerificationError,
      "tdx_untrusted_root",
    ],
    [
      "intermediate and leaf swapped",
      () => ({ quote: withOrder([1, 0, 2]), now: NOW_2023 }),
      VerificationError,
      "tdx_chain_invalid",
    ],
    [
      "leaf of another platform (debug TD PCK)",
      () => ({
        quote: withPckChainBytes(spr, 0x278, parseTdxQuote(readTdx(QUOTES.debug)).pckChainPem),
        now: NOW_2023,
      }),
      VerificationError,
      "tdx_bad_qe_signature",
    ],
    [
      "two certificates only",
      () => ({ quote: withOrder([0, 1]), now: NOW_2023 }),
      ParseError,
      "tdx_bad_chain_length",
    ],
    [
      "PCK CRL past nextUpdate (2026)",
      () => ({ quote: readTdx(QUOTES.v5), now: NOW_2026, pckCrl: readTdx("pckcrl_platform_2023.der") }),
      VerificationError,
      "tdx_crl_expired",
    ],
    [
      "root CRL past nextUpdate (2026)",
      () => ({ quote: readTdx(QUOTES.v5), now: NOW_2026, rootCrl: readTdx("rootcacrl_2023.der") }),
      VerificationError,
      "tdx_crl_expired",
    ],
    [
      "root CRL given as PCK CRL",
      () => ({ quote: spr, now: NOW_2023, pckCrl: readTdx("rootcacrl_2023.der") }),
      VerificationError,
      "tdx_crl_issuer_mismatch",
    ],
    [
      "PCK CRL given as root CRL",
      () => ({ quote: spr, now: NOW_2023, rootCrl: readTdx("pckcrl_platform_2023.der") }),
      VerificationError,
      "tdx_crl_issuer_mismatch",
    ],
    [
      "PCK CRL signature flipped",
      () => ({ quote: spr, now: NOW_2023, pckCrl: flipLast(readTdx("pckcrl_platform_2023.der")) }),
      VerificationError,
      "tdx_bad_crl_signature",
    ],
    [
      "PCK CRL garbage",
      () => ({ quote: spr, now: NOW_2023, pckCrl: new Uint8Array([1, 2, 3]) }),
      ParseError,
      "tdx_bad_crl",
    ],
    [
      "collateral without issuer chain",
      () => ({
        quote: spr,
        now: NOW_2023,
        collateral: { tcbInfo: new Uint8Array(2), qeIdentity: new Uint8Array(2) },
      }),
      ParseError,
      "tdx_bad_collateral",
    ],
  ];
  for (const [name, make, cls, code] of rows) {
    test(`${name} → ${cls.name} ${code}`, () => expectCode(verify(make()), cls, code));
  }

  test("a failed chain is not cached: the good chain still verifies afterwards", async () => {
    const fresh = new TdxVerifier();
    await expectCode(
      fresh.verify({ quote: withOrder([1, 0, 2]), now: NOW_2023 }),
      VerificationError,
      "tdx_chain_invalid",
    );
    expect((await fresh.verify({ quote: spr, now: NOW_2023 })).pck.ca).toBe("platform");
  });
});

describe("verifyCrl", () => {
  test("pckcrl_issuer_chain.pem → Platform CA ← root valid, equal to the SPR quote's intermediate, signs the PCK CRL", async () => {
    const chain = await parseIntelCertChain(readTdxText("pckcrl_issuer_chain.pem"), "pckCrlIssuerChain", 2);
    await verifyIntelChain(
      chain,
      [["Intel SGX PCK Platform CA"], ["Intel SGX Root CA"]],
      await loadIntelRoot(),
      "pckCrlIssuerChain",
      true,
    );
    const pck = await verifyPckChain(sprQuote.pckChainPem);
    expect(toHex(chain[0]!.der)).toBe(toHex(pck.intermediate.der));
    const crl = await verifyCrl(readTdx("pckcrl_platform_2023.der"), chain[0]!, "pckCrl");
    expect(crl.revokedSerials.size).toBe(44);
    expect(crl.revokedSerials.has(canonicalSerial(pck.leaf.cert.serialNumber))).toBe(false);
  });

  test("root CA CRL → signed by the root, 0 entries, 2023-04-03 … 2024-04-02", async () => {
    const crl = await verifyCrl(readTdx("rootcacrl_2023.der"), await loadIntelRoot(), "rootCrl");
    expect(crl.revokedSerials.size).toBe(0);
    expect(crl.thisUpdate.toISOString().startsWith("2023-04-03")).toBe(true);
    expect(crl.nextUpdate.toISOString().startsWith("2024-04-02")).toBe(true);
  });

  test("PCK CRL checked against the root instead of the Platform CA → tdx_crl_issuer_mismatch", async () => {
    await expectCode(
      verifyCrl(readTdx("pckcrl_platform_2023.der"), await loadIntelRoot(), "pckCrl"),
      VerificationError,
      "tdx_crl_issuer_mismatch",
    );
  });
});

describe("assertNotRevoked", () => {
  test("serial listed (with a leading zero octet) → tdx_revoked", async () => {
    const pck = await verifyPckChain(sprQuote.pckChainPem);
    const crl: VerifiedCrl = {
      issuer: pck.intermediate.cert.subject,
      thisUpdate: new Date("2023-06-01T00:00:00Z"),
      nextUpdate: new Date("2023-08-01T00:00:00Z"),
      revokedSerials: new Set([canonicalSerial(`00${pck.leaf.cert.serialNumber}`)]),
    };
    expect(() => assertNotRevoked(crl, pck.leaf, NOW_2023, "pckCrl")).toThrow(VerificationError);
    try {
      assertNotRevoked(crl, pck.leaf, NOW_2023, "pckCrl");
    } catch (e) {
      expect((e as VerificationError).code).toBe("tdx_revoked");
    }
    expect(() => assertNotRevoked(crl, pck.intermediate, NOW_2023, "pckCrl")).not.toThrow();
  });
});

function withOrder(order: number[]): Uint8Array {
  const certs = pems(sprQuote);
  return withPckChainBytes(spr, 0x278, order.map((i) => certs[i]).join("\n"));
}

function withChain(keep: number[], extra: string): Uint8Array {
  const certs = pems(sprQuote);
  const signing = extra.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)![0]!;
  return withPckChainBytes(spr, 0x278, [...keep.map((i) => certs[i]), signing].join("\n"));
}

function flipLast(b: Uint8Array): Uint8Array {
  return flipByte(b, b.length - 3);
}
