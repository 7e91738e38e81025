import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/common/errors.ts";
import { goBase, MAX_SHARED_NAME_BYTES, sharedFileName } from "../../src/policy/shared-file-name.ts";

describe("goBase", () => {
  // Go's filepath.Base on the same inputs.
  const rows: [string, string][] = [
    ["", "."],
    ["/", "/"],
    ["///", "/"],
    ["/etc/hosts", "hosts"],
    ["/var/log/", "log"],
    ["//etc//config//", "config"],
    ["data", "data"],
    ["/a/..", ".."],
  ];
  for (const [p, want] of rows)
    test(`${JSON.stringify(p)} → ${JSON.stringify(want)}`, () => expect(goBase(p)).toBe(want));
});

describe("sharedFileName", () => {
  test("mount destination → its last element, as the runtime names the shared file", () => {
    expect(MAX_SHARED_NAME_BYTES).toBe(173); // 86 two-byte characters fit, 87 do not
    expect(sharedFileName("/host", "t")).toBe("host");
    expect(sharedFileName("/var/log/", "t")).toBe("log");
    expect(sharedFileName(`/x/${"é".repeat(86)}`, "t")).toBe("é".repeat(86));
  });

  for (const bad of ["/", "//", "/a/..", "/a/./b", "rel", "", `/${"é".repeat(87)}`]) {
    test(`${JSON.stringify(bad.slice(0, 20))} → ConfigError mount_path_invalid`, () => {
      try {
        sharedFileName(bad, "pod p container c");
        throw new Error("expected an error");
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).code).toBe("mount_path_invalid");
        expect((e as ConfigError).message).toStartWith("pod p container c: mount path expected");
      }
    });
  }
});
