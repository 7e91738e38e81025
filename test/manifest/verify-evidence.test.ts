// The evidence verifiers the Coordinator (createCollateralVerifier) and the CLI (createCliVerifier) build: revocation
// through the sim chain (CRLs signed by the sim ARK, served by a local KDS on loopback), bounded VCEK fetches.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCollateralEndpoints } from "../../src/attestation/collateral-endpoints.ts";
import type { Evidence } from "../../src/attestation/evidence.ts";
import {
  buildSimReportFields,
  issueSimReport,
  signSnpReport,
} from "../../src/attestation/sim/issue-report.ts";
import type { InitSimDirResult } from "../../src/attestation/sim/sim-dir.ts";
import { createKdsClient } from "../../src/attestation/snp/kds.ts";
import { createVcekFetcher } from "../../src/attestation/snp/vcek-fetcher.ts";
import { createCliVerifier } from "../../src/cli/cli-verifier.ts";
import { toHex } from "../../src/common/bytes.ts";
import { PolicyError, UnavailableError, VerificationError } from "../../src/common/errors.ts";
import { createCollateralVerifier } from "../../src/manifest/collateral-verifier.ts";
import type { ReferenceValues } from "../../src/manifest/schema.ts";
import { createEvidenceVerifier, type EvidenceVerifier } from "../../src/manifest/verify-evidence.ts";
import {
  createTestSim,
  HOST_DATA,
  REPORT_DATA,
  SIM_NOW,
  SIM_TIMEOUT_MS,
  simCrl,
  simSerials,
} from "../attestation/sim/fixture.ts";
import { expectCode } from "../support/expect-error.ts";

const DAY = 86_400_000;
const tmp = mkdtempSync(join(tmpdir(), "contrast-verify-evidence-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A KDS on loopback: the CRL path serves `crl` (404 when unset); VCEK paths serve `vceks` or hang until released. */
function startKds() {
  const hits = new Map<string, number>();
  const state: { crl: Uint8Array | undefined; vceks: Map<string, Uint8Array>; release: () => void } = {
    crl: undefined,
    vceks: new Map(),
    release: () => {},
  };
  let released = false;
  const hanging = new Promise<void>((r) => {
    state.release = () => {
      released = true;
      r();
    };
  });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path.endsWith("/crl"))
        return state.crl ? new Response(state.crl) : new Response("no", { status: 404 });
      const chip = path.split("/").pop() ?? "";
      const vcek = state.vceks.get(chip);
      if (vcek) return new Response(vcek);
      if (!released) await hanging;
      return new Response("unknown chip", { status: 404 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    state,
    hits: (p: string) => hits.get(p) ?? 0,
    vcekRequests: () =>
      [...hits.entries()].filter(([p]) => !p.endsWith("/crl")).reduce((n, [, c]) => n + c, 0),
    stop: () => {
      state.release();
      server.stop(true);
    },
  };
}

let sim: InitSimDirResult;
let kds: ReturnType<typeof startKds>;
let cacheN = 0;
const CRL_PATH = "/vcek/v1/Milan/crl";

beforeAll(async () => {
  sim = await createTestSim();
  kds = startKds();
}, SIM_TIMEOUT_MS);
afterAll(() => kds.stop());

/** The Coordinator's verifier (as run.ts builds it) with the sim KDS on loopback and a pinned clock. */
function coordinatorVerifier(opts: { simKdsUrl?: string; clock?: { t: number }; warnings?: string[] } = {}) {
  const clock = opts.clock ?? { t: SIM_NOW.getTime() + DAY };
  return createCollateralVerifier({
    cacheDir: join(tmp, `cache-${cacheN++}`),
    endpoints: readCollateralEndpoints({ CONTRAST_SIM_KDS_URL: opts.simKdsUrl ?? kds.url }),
    warn: (m) => opts.warnings?.push(m),
    now: () => new Date(clock.t),
  });
}

async function simEvidence(opts: { crl?: Uint8Array | null } = {}): Promise<Evidence> {
  const e = await issueSimReport(sim, HOST_DATA, REPORT_DATA);
  const crl = opts.crl === undefined ? e.crl : opts.crl;
  return {
    platform: "snp",
    report: e.report,
    certs: { vcek: e.vcek, ask: e.ask, ark: e.ark, ...(crl ? { crl } : {}) },
  };
}

function rv(extra: Record<string, unknown> = {}): ReferenceValues {
  return { snp: [{ ...sim.referenceValues.snp[0]!, ...extra }] } as unknown as ReferenceValues;
}

describe("Coordinator verifier (createCollateralVerifier): revocation", () => {
  test("sim KDS revokes the VCEK, evidence carries the old clean CRL → VerificationError snp_revoked", async () => {
    kds.state.crl = await simCrl(sim, { revoked: [simSerials(sim).vcek] });
    const before = kds.hits(CRL_PATH);
    await expectCode(
      coordinatorVerifier().verify(await simEvidence(), rv(), REPORT_DATA),
      VerificationError,
      "snp_revoked",
    );
    expect(kds.hits(CRL_PATH)).toBe(before + 1);
  });

  test("sim KDS revokes the ASK → VerificationError snp_revoked", async () => {
    kds.state.crl = await simCrl(sim, { revoked: [simSerials(sim).ask] });
    const e = await expectCode(
      coordinatorVerifier().verify(await simEvidence(), rv(), REPORT_DATA),
      VerificationError,
      "snp_revoked",
    );
    expect(e.field).toBe("ask");
  });

  test(
    "sim KDS serves a CRL signed by another ARK → VerificationError snp_crl_bad_signature",
    async () => {
      kds.state.crl = await simCrl(await createTestSim("Genoa"));
      await expectCode(
        coordinatorVerifier().verify(await simEvidence(), rv(), REPORT_DATA),
        VerificationError,
        "snp_crl_bad_signature",
      );
    },
    SIM_TIMEOUT_MS,
  );

  test("sim KDS unreachable, no CRL in the evidence → UnavailableError snp_crl_unavailable naming the entry", async () => {
    const v = coordinatorVerifier({ simKdsUrl: "http://127.0.0.1:1" });
    const e = await expectCode(
      v.verify(await simEvidence({ crl: null }), rv(), REPORT_DATA),
      UnavailableError,
      "snp_crl_unavailable",
    );
    expect(e.message).toContain("snp[0]: crl:");
  });

  test("sim KDS without a CRL (404), AllowMissingCRL → admitted, one warning passed to warn", async () => {
    kds.state.crl = undefined;
    const warnings: string[] = [];
    const v = coordinatorVerifier({ warnings });
    const ok = await v.verify(await simEvidence({ crl: null }), rv({ AllowMissingCRL: true }), REPORT_DATA);
    expect(ok.matched).toBe("snp[0]");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("snp[0]: accepted without a current crl (AllowMissingCRL)");
  });

  test("sim KDS without a CRL, evidence carries the sim dir's current CRL → admitted (as make demo offline)", async () => {
    kds.state.crl = undefined;
    const v = coordinatorVerifier();
    expect((await v.verify(await simEvidence(), rv(), REPORT_DATA)).matched).toBe("snp[0]");
  });

  test("CRL cached until its nextUpdate, then fetched again", async () => {
    const clock = { t: SIM_NOW.getTime() };
    kds.state.crl = await simCrl(sim, { nextUpdate: new Date(SIM_NOW.getTime() + 2 * DAY) });
    const v = coordinatorVerifier({ clock });
    const ev = await simEvidence({ crl: null });
    const before = kds.hits(CRL_PATH);
    await v.verify(ev, rv(), REPORT_DATA);
    clock.t += DAY / 2;
    await v.verify(ev, rv(), REPORT_DATA);
    expect(kds.hits(CRL_PATH)).toBe(before + 1);
    // Past nextUpdate (2 days) although the cache's 24 h max age would not have expired from the last fetch.
    kds.state.crl = await simCrl(sim, { now: new Date(SIM_NOW.getTime() + 2 * DAY) });
    clock.t = SIM_NOW.getTime() + 2 * DAY + 3_600_000;
    await v.verify(ev, rv(), REPORT_DATA);
    expect(kds.hits(CRL_PATH)).toBe(before + 2);
  });

  test("the CLI verifier (createCliVerifier) refuses the revoked VCEK too", async () => {
    kds.state.crl = await simCrl(sim, { revoked: [simSerials(sim).vcek] });
    const env = { CONTRAST_CACHE_DIR: join(tmp, "cli-cache"), CONTRAST_SIM_KDS_URL: kds.url };
    const v = createCliVerifier(
      env,
      () => new Date(SIM_NOW.getTime() + DAY),
      () => {},
    );
    await expectCode(v.verify(await simEvidence(), rv(), REPORT_DATA), VerificationError, "snp_revoked");
  });

  test("two entries that both fail → every entry's reasons in the error", async () => {
    kds.state.crl = await simCrl(sim);
    const base = sim.referenceValues.snp[0]!;
    const two = {
      snp: [
        { ...base, TrustedMeasurement: "ab".repeat(48) },
        { ...base, MinimumTCB: { ...base.MinimumTCB, SNPVersion: 200 } },
      ],
    } as unknown as ReferenceValues;
    const e = await expectCode(
      coordinatorVerifier().verify(await simEvidence(), two, REPORT_DATA),
      PolicyError,
      "reference_values_mismatch",
    );
    expect(e.message).toContain("snp[0]: measurement");
    expect(e.message).toContain("snp[1]: reportedTcb");
  });
});

describe("Coordinator verifier: VCEK fetches for reports without a certificate", () => {
  /** A report signed by the sim VCEK, with its chip ID replaced (the signature no longer matters: fetch comes first). */
  async function reportForChip(chipId: Uint8Array): Promise<Evidence> {
    const fields = { ...buildSimReportFields(sim, HOST_DATA, REPORT_DATA), chipId };
    const report = await signSnpReport(fields, sim.vcekSigningKey);
    return {
      platform: "snp",
      report,
      certs: { ask: sim.ask, ark: sim.ark, ...(sim.crl ? { crl: sim.crl } : {}) },
    };
  }

  test("100 reports with distinct chip IDs at once → 2 fetches in flight, 8 queued, 90 refused; a known chip is still admitted", async () => {
    const local = startKds();
    try {
      const fetcher = createVcekFetcher(createKdsClient({ baseUrl: local.url, retries: 0 }));
      const v: EvidenceVerifier = createEvidenceVerifier({
        vcek: fetcher,
        now: () => new Date(SIM_NOW.getTime() + DAY),
      });
      // The honest pod's chip: its VCEK was fetched once before the flood.
      local.state.vceks.set(toHex(sim.chipId), sim.vcek);
      const honest = await reportForChip(sim.chipId);
      expect((await v.verify(honest, rv(), REPORT_DATA)).matched).toBe("snp[0]");
      const flood = await Promise.all(
        Array.from({ length: 100 }, (_, i) => reportForChip(new Uint8Array(64).fill(i + 1))),
      );
      const settled = Promise.allSettled(flood.map((ev) => v.verify(ev, rv(), REPORT_DATA)));
      // While 10 fetches hang, the honest pod is admitted from the remembered VCEK.
      expect((await v.verify(honest, rv(), REPORT_DATA)).matched).toBe("snp[0]");
      local.state.release();
      const results = await settled;
      const codes = results.map((r) =>
        r.status === "rejected" ? (r.reason as { code: string }).code : "ok",
      );
      expect(codes.filter((c) => c === "collateral_busy")).toHaveLength(90);
      expect(codes.filter((c) => c === "collateral_not_found")).toHaveLength(10);
      expect(local.vcekRequests()).toBe(11);
      expect(fetcher.stats()).toMatchObject({ fetches: 11, refused: 90, peakInFlight: 2 });
      // The same unknown chips again: remembered failures, no new request.
      await Promise.allSettled(flood.slice(0, 10).map((ev) => v.verify(ev, rv(), REPORT_DATA)));
      expect(local.vcekRequests()).toBe(11);
    } finally {
      local.stop();
    }
  });

  test("3000 distinct chip IDs one after another → memory bounded by maxEntries", async () => {
    const local = startKds();
    local.state.release();
    try {
      const fetcher = createVcekFetcher(createKdsClient({ baseUrl: local.url, retries: 0 }), {
        maxEntries: 64,
      });
      const v = createEvidenceVerifier({ vcek: fetcher, now: () => new Date(SIM_NOW.getTime() + DAY) });
      const ev = await reportForChip(new Uint8Array(64));
      for (let i = 0; i < 3000; i++) {
        const chip = new Uint8Array(64);
        new DataView(chip.buffer).setUint32(0, i + 1);
        ev.report.set(chip, 0x1a0);
        await v.verify(ev, rv(), REPORT_DATA).catch(() => {});
      }
      expect(fetcher.stats().fetches).toBe(3000);
      expect(fetcher.stats().entries).toBe(64);
    } finally {
      local.stop();
    }
  });
});
