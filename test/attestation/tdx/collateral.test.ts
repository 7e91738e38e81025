import { describe, expect, test } from "bun:test";
import {
  authenticateTdQeIdentity,
  authenticateTdxTcbInfo,
  verifyTdQeIdentity,
  verifyTdxTcbInfo,
} from "../../../src/attestation/tdx/collateral.ts";
import { TdxVerifier } from "../../../src/attestation/tdx/verify.ts";
import { toHex, utf8 } from "../../../src/common/bytes.ts";
import { ParseError, VerificationError } from "../../../src/common/errors.ts";
import { type ErrorClass, expectCode } from "../../support/expect-error.ts";
import {
  NOW_2023,
  NOW_2026,
  QE_IDENTITY_2023,
  readTdx,
  readTdxText,
  SIGNING_CHAIN_2018,
  SIGNING_CHAIN_REISSUED,
  TCB_INFO_2023,
  TCB_INFO_2026,
} from "./vectors.ts";

const chain2018 = readTdxText(SIGNING_CHAIN_2018);
const chainReissued = readTdxText(SIGNING_CHAIN_REISSUED);
const tcb2023 = readTdx(TCB_INFO_2023);
const tcb2026 = readTdx(TCB_INFO_2026);
const qe2023 = readTdx(QE_IDENTITY_2023);

/** Flips one byte inside the signed `tcbInfo` value (a digit of tcbEvaluationDataNumber). */
function flipInsideValue(body: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(body);
  const at = text.indexOf('"tcbEvaluationDataNumber":') + '"tcbEvaluationDataNumber":'.length + 1;
  const out = body.slice();
  out[at] = out[at]! ^ 0x01;
  return out;
}

describe("verifyTdxTcbInfo", () => {
  test("2023 tcbInfo with the 2018 chain at a 2023 now → valid, fields read", async () => {
    const v = await verifyTdxTcbInfo(tcb2023, chain2018, { now: NOW_2023 });
    expect(v.tcbInfo.fmspc).toBe("50806f000000");
    expect(v.tcbInfo.tcbEvaluationDataNumber).toBe(15);
    expect(v.tcbInfo.tdxModuleIdentities.length).toBe(0);
    expect(v.signingChain[0]!.commonName).toBe("Intel SGX TCB Signing");
  });

  test("2026 tcbInfo with the re-issued chain at a 2026 now → valid, module identities TDX_03 and TDX_01", async () => {
    const v = await verifyTdxTcbInfo(tcb2026, chainReissued, { now: NOW_2026 });
    expect(v.tcbInfo.fmspc).toBe("90c06f000000");
    expect(v.tcbInfo.tcbEvaluationDataNumber).toBe(18);
    expect(v.tcbInfo.tdxModuleIdentities.map((m) => m.id)).toEqual(["TDX_03", "TDX_01"]);
  });

  test("2026 tcbInfo signature under the 2018 certificate (same key) → authentic", async () => {
    expect((await authenticateTdxTcbInfo(tcb2026, chain2018)).tcbInfo.version).toBe(3);
  });

  test("2023 tcbInfo and QE identity under the re-issued certificate (same key) → authentic", async () => {
    expect((await authenticateTdxTcbInfo(tcb2023, chainReissued)).tcbInfo.id).toBe("TDX");
    expect((await authenticateTdQeIdentity(qe2023, chainReissued)).qeIdentity.id).toBe("TD_QE");
  });

  test("whitespace outside the signed value → still valid (signature covers the value bytes only)", async () => {
    const text = new TextDecoder().decode(tcb2026);
    const spaced = utf8(
      ` \n${text.replace('{"tcbInfo":', '{ "tcbInfo" : ').replace(',"signature"', ' ,\n"signature"')}\n`,
    );
    expect((await verifyTdxTcbInfo(spaced, chainReissued, { now: NOW_2026 })).tcbInfo.id).toBe("TDX");
  });

  test("valid at the root CRL → not revoked", async () => {
    const rootCrl = await new TdxVerifier().verifyRootCrl(readTdx("rootcacrl_2023.der"));
    expect((await verifyTdxTcbInfo(tcb2023, chain2018, { now: NOW_2023, rootCrl })).tcbInfo.id).toBe("TDX");
  });

  const rows: [string, () => Promise<unknown>, ErrorClass, string][] = [
    [
      "a flipped byte in tcbInfo",
      () => verifyTdxTcbInfo(flipInsideValue(tcb2023), chain2018, { now: NOW_2023 }),
      VerificationError,
      "tdx_bad_collateral_signature",
    ],
    [
      "a flipped byte in tcbInfo (re-issued chain)",
      () => verifyTdxTcbInfo(flipInsideValue(tcb2026), chainReissued, { now: NOW_2026 }),
      VerificationError,
      "tdx_bad_collateral_signature",
    ],
    [
      "a flipped signature digit",
      () => verifyTdxTcbInfo(flipSignature(tcb2023), chain2018, { now: NOW_2023 }),
      VerificationError,
      "tdx_bad_collateral_signature",
    ],
    [
      "2026 tcbInfo with the 2018 chain at a 2026 now",
      () => verifyTdxTcbInfo(tcb2026, chain2018, { now: NOW_2026 }),
      VerificationError,
      "tdx_cert_expired",
    ],
    [
      "2023 tcbInfo at a 2026 now (past nextUpdate)",
      () => verifyTdxTcbInfo(tcb2023, chainReissued, { now: NOW_2026 }),
      VerificationError,
      "tdx_collateral_expired",
    ],
    [
      "2026 tcbInfo before its issueDate",
      () => verifyTdxTcbInfo(tcb2026, chainReissued, { now: new Date("2026-01-01T00:00:00Z") }),
      VerificationError,
      "tdx_collateral_expired",
    ],
    [
      "QE identity given as tcbInfo",
      () => verifyTdxTcbInfo(qe2023, chain2018, { now: NOW_2023 }),
      ParseError,
      "tdx_bad_collateral",
    ],
    [
      "PCK CRL issuer chain as signing chain",
      () => verifyTdxTcbInfo(tcb2023, readTdxText("pckcrl_issuer_chain.pem"), { now: NOW_2023 }),
      VerificationError,
      "tdx_chain_invalid",
    ],
    [
      "signing chain without root",
      () =>
        verifyTdxTcbInfo(tcb2023, chain2018.slice(0, chain2018.indexOf("-----END CERTIFICATE-----") + 25), {
          now: NOW_2023,
        }),
      ParseError,
      "tdx_bad_chain_length",
    ],
    [
      "duplicate tcbInfo member",
      () => verifyTdxTcbInfo(duplicateMember(tcb2023), chain2018, { now: NOW_2023 }),
      ParseError,
      "tdx_bad_collateral_json",
    ],
    [
      "extra top-level member",
      () =>
        verifyTdxTcbInfo(utf8(new TextDecoder().decode(tcb2023).replace(/}\s*$/, ',"x":1}')), chain2018, {
          now: NOW_2023,
        }),
      ParseError,
      "tdx_bad_collateral",
    ],
    [
      "not JSON",
      () => verifyTdxTcbInfo(utf8("{tcbInfo"), chain2018, { now: NOW_2023 }),
      ParseError,
      "tdx_bad_collateral_json",
    ],
  ];
  for (const [name, run, cls, code] of rows) {
    test(`${name} → ${cls.name} ${code}`, () => expectCode(run(), cls, code));
  }
});

describe("verifyTdQeIdentity", () => {
  test("2023 TD_QE identity with the 2018 chain at a 2023 now → valid, mrsigner and isvprodid read", async () => {
    const v = await verifyTdQeIdentity(qe2023, chain2018, { now: NOW_2023 });
    expect(v.qeIdentity.isvProdId).toBe(2);
    expect(toHex(v.qeIdentity.mrSigner)).toBe(
      "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5",
    );
    expect(v.qeIdentity.tcbLevels[0]!.isvSvn).toBe(4);
    expect(v.qeIdentity.miscselectMask).toBe(0xffffffff);
  });

  test("a flipped byte in enclaveIdentity → tdx_bad_collateral_signature", async () => {
    const text = new TextDecoder().decode(qe2023);
    const out = qe2023.slice();
    const at = text.indexOf('"isvprodid":') + '"isvprodid":'.length;
    out[at] = out[at]! ^ 0x01;
    await expectCode(
      verifyTdQeIdentity(out, chain2018, { now: NOW_2023 }),
      VerificationError,
      "tdx_bad_collateral_signature",
    );
  });

  test("tcbInfo given as QE identity → ParseError tdx_bad_collateral", async () => {
    await expectCode(
      verifyTdQeIdentity(tcb2023, chain2018, { now: NOW_2023 }),
      ParseError,
      "tdx_bad_collateral",
    );
  });
});

function flipSignature(body: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(body);
  const at = text.indexOf('"signature":"') + '"signature":"'.length;
  const out = body.slice();
  out[at] = out[at] === 0x30 ? 0x31 : 0x30;
  return out;
}

function duplicateMember(body: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(body);
  return utf8(text.replace('{"tcbInfo":', '{"tcbInfo":{},"tcbInfo":'));
}
