// Coordinator addresses as users write them: default ports filled in, anything that cannot be connected to refused.

import { describe, expect, test } from "bun:test";
import { parseEndpoint } from "../../src/api/endpoint.ts";
import { UsageError } from "../../src/common/errors.ts";
import { expectCode } from "../support/expect-error.ts";

describe("parseEndpoint", () => {
  const valid: [string, string][] = [
    ["10.0.0.5", "10.0.0.5:1313"],
    ["10.0.0.5:8443", "10.0.0.5:8443"],
    ["coordinator.default.svc.cluster.local", "coordinator.default.svc.cluster.local:1313"],
    ["localhost:01313", "localhost:1313"],
    ["[::1]", "[::1]:1313"],
    ["[fd00::5]:7777", "[fd00::5]:7777"],
    ["fd00::5", "[fd00::5]:1313"],
  ];
  for (const [given, want] of valid) {
    test(`${given} → ${want}`, () => {
      expect(parseEndpoint(given, 1313, "-c").text).toBe(want);
    });
  }

  const invalid = [
    ":99999",
    ":1313",
    "10.0.0.5:0",
    "10.0.0.5:65536",
    "10.0.0.5:99999",
    "10.0.0.5:port",
    "10.0.0.5:",
    "https://10.0.0.5",
    "tcp://10.0.0.5:1313",
    "[10.0.0.5]",
    "[::1",
    "10.0.0.5/v1",
    "a b:1313",
    "",
  ];
  for (const given of invalid) {
    test(`${JSON.stringify(given)} → UsageError invalid_endpoint naming the flag`, async () => {
      const e = await expectCode(() => parseEndpoint(given, 1313, "-c"), UsageError, "invalid_endpoint");
      expect(e.message).toStartWith("-c: expected ");
    });
  }

  test("no default port → HOST alone refused", async () => {
    await expectCode(() => parseEndpoint("10.0.0.5", undefined, "endpoint"), UsageError, "invalid_endpoint");
    expect(parseEndpoint("10.0.0.5:1", undefined, "endpoint").port).toBe(1);
  });
});
