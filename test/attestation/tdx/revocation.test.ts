// TDX revocation through verifyTdxWithCollateral (the path of the Coordinator, the CLI verifier and `attestation
// verify`): a constructed PKI whose PCK CRL lists the quote's PCK (no real CRL lists a testdata quote), CRLs fetched
// from a PCS when not given, and a PCS that cannot deliver them.

import { beforeAll, describe, expect, test } from "bun:test";
import { verifyTdxWithCollateral } from "../../../src/attestation/tdx/fetch-collateral.ts";
import type { PcsClient } from "../../../src/attestation/tdx/pcs.ts";
import { TdxVerifier } from "../../../src/attestation/tdx/verify.ts";
import { UnavailableError, VerificationError } from "../../../src/common/errors.ts";
import { expectCode } from "../../support/expect-error.ts";
import { type ConstructedPki, constructPki } from "./constructed-pki.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const DAY = 86_400_000;
const window = [new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 30 * DAY)] as const;
let pki: ConstructedPki;

beforeAll(async () => {
  pki = await constructPki(new Date(NOW.getTime() - 365 * DAY));
});

/** A PCS that serves the given CRLs (or fails like an unreachable one) and records what it was asked. */
function fakePcs(crls: { pck?: Uint8Array; root?: Uint8Array }) {
  const asked: string[] = [];
  const down = () => new UnavailableError("collateral_unavailable", "GET pcs: connection refused");
  const pcs: PcsClient = {
    getTdxTcbInfo: () => Promise.reject(down()),
    getTdxQeIdentity: () => Promise.reject(down()),
    async getPckCrl(ca) {
      asked.push(`pckcrl:${ca}`);
      if (!crls.pck) throw down();
      return { crl: crls.pck, issuerChain: "" };
    },
    async getRootCaCrl() {
      asked.push("rootcrl");
      if (!crls.root) throw down();
      return crls.root;
    },
  };
  return { pcs, asked };
}

function run(pcs: PcsClient | undefined, given: { pckCrl?: Uint8Array; rootCrl?: Uint8Array } = {}) {
  return verifyTdxWithCollateral(new TdxVerifier({ rootCa: pki.rootDer }), {
    quote: pki.quote,
    now: NOW,
    ...(pcs ? { pcs } : {}),
    collateral: "none",
    ...given,
  });
}

describe("verifyTdxWithCollateral revocation", () => {
  test("PCS serves clean CRLs → checked; both were fetched (the platform PCK CRL and the root CA CRL)", async () => {
    const { pcs, asked } = fakePcs({
      pck: await pki.pckCrl(["01"], ...window),
      root: await pki.rootCrl(...window),
    });
    const r = await run(pcs);
    expect(r.revocation).toEqual({ checked: true });
    expect(asked.sort()).toEqual(["pckcrl:platform", "rootcrl"]);
  });

  test("PCS serves a PCK CRL listing the quote's PCK → VerificationError tdx_revoked", async () => {
    const { pcs } = fakePcs({
      pck: await pki.pckCrl([pki.pckSerial], ...window),
      root: await pki.rootCrl(...window),
    });
    await expectCode(run(pcs), VerificationError, "tdx_revoked");
  });

  test("revoking PCK CRL given as a file → tdx_revoked without asking PCS for it", async () => {
    const { pcs, asked } = fakePcs({ root: await pki.rootCrl(...window) });
    const pckCrl = await pki.pckCrl([pki.pckSerial], ...window);
    await expectCode(run(pcs, { pckCrl }), VerificationError, "tdx_revoked");
    expect(asked).not.toContain("pckcrl:platform");
  });

  test("PCS unreachable, nothing given → unchecked with UnavailableError tdx_crl_unavailable naming both", async () => {
    const r = await run(fakePcs({}).pcs);
    expect(r.revocation.checked).toBe(false);
    if (r.revocation.checked) return;
    expect(r.revocation.error).toBeInstanceOf(UnavailableError);
    expect(r.revocation.error.code).toBe("tdx_crl_unavailable");
    expect(r.revocation.error.message).toContain("connection refused");
  });

  test("no PCS at all → unchecked (the caller refuses unless a reference value or flag allows it)", async () => {
    const r = await run(undefined);
    expect(r.revocation.checked).toBe(false);
  });

  test("PCS serves a PCK CRL past its nextUpdate → unchecked, not silently accepted", async () => {
    const old = await pki.pckCrl([], new Date(NOW.getTime() - 40 * DAY), new Date(NOW.getTime() - 10 * DAY));
    const r = await run(fakePcs({ pck: old, root: await pki.rootCrl(...window) }).pcs);
    expect(r.revocation.checked).toBe(false);
    if (!r.revocation.checked) expect(r.revocation.error.message).toContain("not current");
  });
});
