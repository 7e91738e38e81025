import { describe, expect, test } from "bun:test";
import { listPlatforms, runtimeHandler, simRuntimeHandler } from "../../src/platform/index.ts";
import { lockSuffixes } from "../../tools/lock-suffixes.ts";

describe("lockSuffixes", () => {
  test("→ for every platform the suffix of the handler computed from its embedded lock", () => {
    const built = new Map(
      lockSuffixes()
        .split(",")
        .map((kv) => kv.split("=") as [string, string]),
    );
    expect([...built.keys()]).toEqual(listPlatforms().map((p) => p.name));
    for (const p of listPlatforms())
      expect(runtimeHandler(p)).toBe(`contrast-cc-${p.id}-${built.get(p.name)}`);
    expect(simRuntimeHandler()).toEndWith(`-${built.get("Metal-QEMU-SNP")}`);
  });
});
