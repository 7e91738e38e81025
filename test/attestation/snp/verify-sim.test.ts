// SnpVerifier checks that need a signing key: TCB and chip-ID mismatches, CRLs (no real AMD CRL exists in testdata).

import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import type { InitSimDirResult } from "../../../src/attestation/sim/sim-dir.ts";
import { SIM_FILES } from "../../../src/attestation/sim/sim-dir.ts";
import { SnpVerifier } from "../../../src/attestation/snp/verify.ts";
import { parseCertificate } from "../../../src/attestation/snp/x509-util.ts";
import { ParseError, UnavailableError, VerificationError } from "../../../src/common/errors.ts";
import { decodePemDers } from "../../../src/crypto/pem.ts";
import { expectCode } from "../../support/expect-error.ts";
import { createTestSim, SIM_NOW, SIM_TIMEOUT_MS, verifiedVariant } from "../sim/fixture.ts";

let sim: InitSimDirResult;
let arkKey: CryptoKey;
const PSS = { name: "RSA-PSS", hash: "SHA-384", saltLength: 48 } as const;

beforeAll(async () => {
  sim = await createTestSim();
  const pkcs8 = decodePemDers(readFileSync(join(sim.dir, SIM_FILES.arkKey), "utf8"), "PRIVATE KEY")[0]!;
  arkKey = await crypto.subtle.importKey(
    "pkcs8",
    new Uint8Array(pkcs8),
    { name: "RSA-PSS", hash: "SHA-384" },
    false,
    ["sign"],
  );
}, SIM_TIMEOUT_MS);

describe("SnpVerifier.verify leaf matching", () => {
  test("reported tcb differing from the vcek spls → snp_tcb_mismatch", async () => {
    await expectCode(
      verifiedVariant(sim, (f) => ({ ...f, reportedTcb: { ...f.reportedTcb, snp: 23 } })),
      VerificationError,
      "snp_tcb_mismatch",
    );
  });

  test("current tcb below the vcek spls → snp_tcb_mismatch", async () => {
    await expectCode(
      verifiedVariant(sim, (f) => ({ ...f, currentTcb: { ...f.currentTcb, microcode: 218 } })),
      VerificationError,
      "snp_tcb_mismatch",
    );
  });

  test("chip id differing from hwID → snp_chip_id_mismatch", async () => {
    await expectCode(
      verifiedVariant(sim, (f) => ({ ...f, chipId: new Uint8Array(64).fill(9) })),
      VerificationError,
      "snp_chip_id_mismatch",
    );
  });

  test("mask chip key set on a vcek-signed report → snp_signing_key_mismatch", async () => {
    await expectCode(
      verifiedVariant(sim, (f) => ({ ...f, signerInfo: { ...f.signerInfo, maskChipKey: true } })),
      VerificationError,
      "snp_signing_key_mismatch",
    );
  });

  test("report claiming vlek signed by the vcek → snp_chain_invalid", async () => {
    await expectCode(
      verifiedVariant(sim, (f) => ({ ...f, signerInfo: { ...f.signerInfo, signingKey: "vlek" } })),
      VerificationError,
      "snp_chain_invalid",
    );
  });

  test("genoa cpuid with the milan sim chain → snp_chain_invalid (ARK-Genoa expected)", async () => {
    await expectCode(
      verifiedVariant(sim, (f) => ({ ...f, cpuid: { family: 0x19, model: 0x11, stepping: 1 } })),
      VerificationError,
      "snp_chain_invalid",
    );
  });

  test("repeat verification on one verifier → cached chain, same result", async () => {
    const verifier = new SnpVerifier();
    const a = await verifiedVariant(sim, undefined, verifier);
    const b = await verifiedVariant(sim, undefined, verifier);
    expect(b.leaf.leafSha256).toBe(a.leaf.leafSha256);
    expect(b.ark.source).toBe("trusted");
  });
});

async function makeCrl(opts: {
  serials?: string[];
  nextUpdate?: Date;
  key?: CryptoKey;
  issuer?: string;
}): Promise<Uint8Array> {
  const ark = parseCertificate(sim.ark, "ark");
  const crl = await x509.X509CrlGenerator.create({
    issuer: opts.issuer ?? ark.subject,
    thisUpdate: new Date(SIM_NOW.getTime() - 86_400_000),
    nextUpdate: opts.nextUpdate ?? new Date(SIM_NOW.getTime() + 30 * 86_400_000),
    entries: (opts.serials ?? []).map((serialNumber) => ({ serialNumber, revocationDate: SIM_NOW })),
    signingKey: opts.key ?? arkKey,
    signingAlgorithm: PSS,
  });
  return new Uint8Array(crl.rawData);
}

describe("SnpVerifier.verifyChain with a crl", () => {
  const check = (crl: Uint8Array, now = SIM_NOW) =>
    new SnpVerifier().verifyChain({
      leaf: sim.vcek,
      intermediate: sim.ask,
      trustedArks: [sim.ark],
      revocation: { crl },
      product: "Milan",
      signingKey: "vcek",
      now,
    });
  const askSerial = () => parseCertificate(sim.ask, "ask").serialNumber;

  test("crl signed by the ark, not listing the ask → valid, crlChecked", async () => {
    expect((await check(await makeCrl({ serials: ["0badc0de"] }))).crlChecked).toBe(true);
  });

  test("crl listing the ask serial → snp_revoked", async () => {
    await expectCode(check(await makeCrl({ serials: [askSerial()] })), VerificationError, "snp_revoked");
  });

  test("crl past its nextUpdate, nothing else → UnavailableError snp_crl_unavailable", async () => {
    await expectCode(
      check(await makeCrl({}), new Date(SIM_NOW.getTime() + 60 * 86_400_000)),
      UnavailableError,
      "snp_crl_unavailable",
    );
  });

  test("crl signed by another key → snp_crl_bad_signature", async () => {
    const other = (await crypto.subtle.generateKey(
      { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" },
      false,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    await expectCode(
      check(await makeCrl({ key: other.privateKey })),
      VerificationError,
      "snp_crl_bad_signature",
    );
  });

  test("crl from another issuer name → snp_crl_bad_signature", async () => {
    await expectCode(
      check(await makeCrl({ issuer: "CN=ARK-Genoa" })),
      VerificationError,
      "snp_crl_bad_signature",
    );
  });

  test("garbage crl → ParseError snp_crl_invalid", async () => {
    await expectCode(check(new Uint8Array([0x30, 0x03, 1, 2, 3])), ParseError, "snp_crl_invalid");
  });
});
