// Registry hosts in image references are checked as hosts (found by the CLI fuzzing of issue 15 §2: a mutated host
// became "Invalid URL" when fetched, reported as an unreachable registry instead of invalid input).

import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../../src/common/errors.ts";
import { parseImageReference } from "../../../src/policy/image/image-reference.ts";
import { expectCode } from "../../support/expect-error.ts";

describe("parseImageReference", () => {
  const hosts: [string, string | undefined][] = [
    ["registry.example/web:1.0", "registry.example"],
    ["localhost:5000/a/b", "localhost:5000"],
    ["[::1]:5000/web", "[::1]:5000"],
    ["reg{istry.example/web:1.0", undefined],
    ["regi stry.example/web", undefined],
    ["registry.example:99x/web", undefined],
    ["-bad.example/web", undefined],
  ];
  for (const [ref, host] of hosts) {
    test(`${ref} → ${host ?? "image_reference_invalid"}`, async () => {
      if (host === undefined)
        await expectCode(() => parseImageReference(ref), ConfigError, "image_reference_invalid");
      else expect(parseImageReference(ref).registry).toBe(host);
    });
  }
});
