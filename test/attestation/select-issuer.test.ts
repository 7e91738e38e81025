// The --tee rules the Coordinator and the Initializer share.

import { describe, expect, test } from "bun:test";
import { checkSimFlags, parseTeeChoice } from "../../src/attestation/select-issuer.ts";
import { UsageError } from "../../src/common/errors.ts";
import { expectCode } from "../support/expect-error.ts";

describe("parseTeeChoice", () => {
  for (const ok of ["auto", "snp", "tdx", "sim"] as const)
    test(`${ok} → ${ok}`, () => expect(parseTeeChoice(ok)).toBe(ok));
  for (const bad of ["SNP", "", "sev"]) {
    test(`${JSON.stringify(bad)} → UsageError invalid_flag`, () =>
      expectCode(() => parseTeeChoice(bad), UsageError, "invalid_flag"));
  }
});

describe("checkSimFlags", () => {
  const coordinator = (tee: "sim" | "auto", dir?: string, hostData?: string) =>
    checkSimFlags(tee, { "--sim-dir": dir, "--sim-host-data": hostData }, ["--sim-dir"]);
  test("--tee sim with the required flags → accepted; optional ones may be left out", () => {
    expect(() => coordinator("sim", "d")).not.toThrow();
  });
  test("--tee sim without a required flag → UsageError naming it", async () => {
    const e = await expectCode(() => coordinator("sim", undefined, "00"), UsageError, "invalid_flag");
    expect(e.message).toStartWith("--sim-dir: required with --tee sim");
  });
  test("a sim flag without --tee sim → UsageError naming the flags given", async () => {
    const e = await expectCode(() => coordinator("auto", undefined, "00"), UsageError, "invalid_flag");
    expect(e.message).toBe("--sim-host-data: only with --tee sim, got --tee auto");
  });
  test("hardware without sim flags → accepted", () => expect(() => coordinator("auto")).not.toThrow());
});
