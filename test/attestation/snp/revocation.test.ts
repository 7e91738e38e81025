// checkSnpRevocation through SnpVerifier: CRLs signed by the sim ARK (no AMD CRL exists in the testdata), fetched
// through a recording source and/or given with the evidence; the real AMD vectors for which PKI and kind are asked.

import { beforeAll, describe, expect, test } from "bun:test";
import { buildSimReportFields, signSnpReport } from "../../../src/attestation/sim/issue-report.ts";
import type { InitSimDirResult } from "../../../src/attestation/sim/sim-dir.ts";
import type { SnpCrlSource, SnpRevocationInput } from "../../../src/attestation/snp/revocation.ts";
import { SnpVerifier } from "../../../src/attestation/snp/verify.ts";
import { UnavailableError, VerificationError } from "../../../src/common/errors.ts";
import { expectCode } from "../../support/expect-error.ts";
import {
  createTestSim,
  HOST_DATA,
  REPORT_DATA,
  SIM_NOW,
  SIM_TIMEOUT_MS,
  seededRandom,
  simCrl,
  simSerials,
} from "../sim/fixture.ts";
import { readChain, readSnp } from "./testdata.ts";

const DAY = 86_400_000;
let sim: InitSimDirResult;
let report: Uint8Array;
let clean: Uint8Array;
let revokesVcek: Uint8Array;
let revokesAsk: Uint8Array;

beforeAll(async () => {
  sim = await createTestSim();
  report = await signSnpReport(
    buildSimReportFields(sim, HOST_DATA, REPORT_DATA, seededRandom(3)),
    sim.vcekSigningKey,
  );
  clean = await simCrl(sim);
  revokesVcek = await simCrl(sim, { revoked: [simSerials(sim).vcek] });
  revokesAsk = await simCrl(sim, { revoked: [simSerials(sim).ask] });
}, SIM_TIMEOUT_MS);

/** A CRL source that records what it was asked and answers `crl` or fails as KDS would. */
function source(crl: Uint8Array | undefined) {
  const asked: string[] = [];
  const src: SnpCrlSource = {
    async getCrl(pki, product, kind) {
      asked.push(`${pki}/${kind}/${product}`);
      if (crl === undefined)
        throw new UnavailableError("collateral_unavailable", "GET crl: connection refused");
      return crl;
    },
  };
  return { src, asked };
}

function verify(revocation: SnpRevocationInput, now = SIM_NOW) {
  return new SnpVerifier().verify({
    report,
    leaf: sim.vcek,
    intermediate: sim.ask,
    trustedArks: [sim.ark],
    now,
    revocation,
  });
}

describe("checkSnpRevocation (via SnpVerifier.verify)", () => {
  test("current CRL from the source → checked, the source asked for the trusted pki's vcek crl", async () => {
    const { src, asked } = source(clean);
    const v = await verify({ source: src });
    expect(v.leaf.revocation).toEqual({ checked: true, crls: ["fetched"] });
    expect(v.leaf.crlChecked).toBe(true);
    expect(asked).toEqual(["trusted/vcek/Milan"]);
  });

  test("source unavailable, current CRL given → checked from the given one", async () => {
    const v = await verify({ source: source(undefined).src, crl: clean });
    expect(v.leaf.revocation).toEqual({ checked: true, crls: ["given"] });
  });

  test("source unavailable, nothing given → UnavailableError snp_crl_unavailable with the fetch error", async () => {
    const e = await expectCode(
      verify({ source: source(undefined).src }),
      UnavailableError,
      "snp_crl_unavailable",
    );
    expect(e.message).toContain("connection refused");
  });

  test("no source, nothing given, allowUnchecked → verified with an unchecked status and the reason", async () => {
    const v = await verify({ allowUnchecked: true });
    expect(v.leaf.revocation.checked).toBe(false);
    expect(v.leaf.crlChecked).toBe(false);
    if (!v.leaf.revocation.checked) expect(v.leaf.revocation.error.code).toBe("snp_crl_unavailable");
  });

  test("fetched CRL lists the VCEK (serial 0) → snp_revoked on vcek", async () => {
    const e = await expectCode(verify({ source: source(revokesVcek).src }), VerificationError, "snp_revoked");
    expect(e.field).toBe("vcek");
  });

  test("fetched CRL lists the ASK → snp_revoked on ask", async () => {
    const e = await expectCode(verify({ source: source(revokesAsk).src }), VerificationError, "snp_revoked");
    expect(e.field).toBe("ask");
  });

  test("given CRL revokes the VCEK though the fetched one does not → snp_revoked (both are checked)", async () => {
    await expectCode(
      verify({ source: source(clean).src, crl: revokesVcek }),
      VerificationError,
      "snp_revoked",
    );
  });

  test("older clean CRL given, fetched one revokes → snp_revoked (the given one never replaces the fetch)", async () => {
    const older = await simCrl(sim, { now: new Date(SIM_NOW.getTime() - 10 * DAY) });
    await expectCode(
      verify({ source: source(revokesVcek).src, crl: older }),
      VerificationError,
      "snp_revoked",
    );
  });

  test("revoking CRL past its nextUpdate → still snp_revoked, even with allowUnchecked", async () => {
    const stale = await simCrl(sim, {
      revoked: [simSerials(sim).vcek],
      nextUpdate: new Date(SIM_NOW.getTime() - DAY),
      thisUpdate: new Date(SIM_NOW.getTime() - 2 * DAY),
    });
    await expectCode(verify({ crl: stale, allowUnchecked: true }), VerificationError, "snp_revoked");
  });

  test("clean CRL past its nextUpdate only → snp_crl_unavailable naming its window", async () => {
    const e = await expectCode(
      verify({ crl: clean }, new Date(SIM_NOW.getTime() + 400 * DAY)),
      UnavailableError,
      "snp_crl_unavailable",
    );
    expect(e.message).toContain("not current");
  });

  test(
    "fetched CRL signed by another ARK → snp_crl_bad_signature although a good one is given",
    async () => {
      const other = await createTestSim("Genoa");
      const forged = await simCrl(other);
      await expectCode(
        verify({ source: source(forged).src, crl: clean }),
        VerificationError,
        "snp_crl_bad_signature",
      );
    },
    SIM_TIMEOUT_MS,
  );
});

describe("checkSnpRevocation with the AMD vectors (no AMD CRL in the testdata)", () => {
  test("vcek report → the source is asked for AMD's Milan vcek crl", async () => {
    const { src, asked } = source(undefined);
    const v = await new SnpVerifier().verify({
      report: readSnp("milan_v2_gosevguest_report.bin"),
      leaf: readSnp("milan_v2_gosevguest_vcek.der"),
      now: new Date("2026-01-01T00:00:00Z"),
      revocation: { source: src, allowUnchecked: true },
    });
    expect(v.leaf.revocation.checked).toBe(false);
    expect(asked).toEqual(["amd/vcek/Milan"]);
  });

  test("vlek report → the source is asked for the ASVK's crl (/vlek/v1/Milan/crl)", async () => {
    const { src, asked } = source(undefined);
    const chain = readChain("milan_vlek_cert_chain.pem");
    await new SnpVerifier().verify({
      report: readSnp("milan_v3_vlek_aws_report.bin"),
      leaf: readSnp("milan_v3_vlek_aws_vlek.der"),
      ...chain,
      intermediate: chain.intermediate,
      now: new Date("2025-06-01T00:00:00Z"),
      revocation: { source: src, allowUnchecked: true },
    });
    expect(asked).toEqual(["amd/vlek/Milan"]);
  });

  test("a report with a bad signature → snp_bad_signature and no CRL fetched", async () => {
    const { src, asked } = source(undefined);
    const bad = readSnp("milan_v2_gosevguest_report.bin");
    bad[0x90] = bad[0x90]! ^ 1;
    await expectCode(
      new SnpVerifier().verify({
        report: bad,
        leaf: readSnp("milan_v2_gosevguest_vcek.der"),
        now: new Date("2026-01-01T00:00:00Z"),
        revocation: { source: src },
      }),
      VerificationError,
      "snp_bad_signature",
    );
    expect(asked).toEqual([]);
  });
});
