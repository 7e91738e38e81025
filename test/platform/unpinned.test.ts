import { describe, expect, test } from "bun:test";
import { loadRuntimeLock } from "../../src/platform/index.ts";
import { describeUnpinned, unpinnedArtifacts } from "../../src/platform/unpinned.ts";

describe("unpinnedArtifacts", () => {
  test("shipped Metal-QEMU-SNP lock → every image-path artifact but the pinned deb: firmware, each with its pin step", () => {
    const missing = unpinnedArtifacts(loadRuntimeLock("Metal-QEMU-SNP"));
    expect(missing.map((m) => m.role)).toEqual(["shim", "hypervisor", "kernel", "initrd", "image"]);
    for (const m of missing) {
      expect(m.howToPin).toBe(
        `put the file at runtime/artifacts/metal-qemu-snp/${m.installPath} and run make runtime-pin`,
      );
    }
  });

  test("deb: or URL source without integrity → the step for that kind of source", () => {
    const lock = loadRuntimeLock("Metal-QEMU-TDX");
    const strip = {
      ...lock,
      files: lock.files.map(({ integrity: _, ...f }) => ({ ...f, integrity: undefined })),
    };
    const fw = unpinnedArtifacts(strip).find((m) => m.role === "firmware");
    expect(fw?.howToPin).toBe("run make runtime-artifacts, then bun runtime/fetch-artifacts.ts --pin");
    const url = unpinnedArtifacts({
      ...lock,
      files: [{ ...lock.files[0]!, source: "https://example.com/shim", integrity: undefined }],
    });
    expect(url[0]?.howToPin).toContain("sha384 SRI of the bytes at https://example.com/shim");
  });

  test("everything pinned → nothing to say", () => {
    const lock = loadRuntimeLock("Metal-QEMU-SNP");
    const all = { ...lock, files: lock.files.map((f) => ({ ...f, integrity: `sha384-${"A".repeat(64)}` })) };
    expect(unpinnedArtifacts(all)).toEqual([]);
    expect(describeUnpinned(all)).toBe("");
    expect(describeUnpinned(lock)).toStartWith(
      "Metal-QEMU-SNP (runtime/locks/metal-qemu-snp.lock.json): 5 of 6 artifacts unpinned: shim ",
    );
  });
});
