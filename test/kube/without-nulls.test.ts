// `key: null` is unset, as the API server treats it (found by the CLI fuzzing of issue 15 §2: `args:` with nothing
// after it reached policy code that expected an array).

import { describe, expect, test } from "bun:test";
import { withoutNulls } from "../../src/kube/without-nulls.ts";

describe("withoutNulls", () => {
  test("null entries at any depth → dropped; array items and other falsy values → kept", () => {
    expect(
      withoutNulls({
        containers: [{ name: "a", args: null, command: [], env: [{ name: "X", value: "" }] }],
        securityContext: null,
        n: 0,
        f: false,
        xs: [null, 1],
      }),
    ).toEqual({
      containers: [{ name: "a", command: [], env: [{ name: "X", value: "" }] }],
      n: 0,
      f: false,
      xs: [null, 1],
    });
  });
});
