import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, UnavailableError, VerificationError } from "../../src/common/errors.ts";
import { requireIntegrity, stageArtifacts } from "../../src/nodeinstaller/artifacts.ts";
import { loadRuntimeLock } from "../../src/platform/index.ts";
import { parseRuntimeLock, type RuntimeLock } from "../../src/platform/lock.ts";
import { expectCode } from "../support/expect-error.ts";
import { artifactBytes, createFixture, type Fixture } from "./fixtures.ts";

let fx: Fixture;
afterEach(() => fx?.cleanup());

/** `lock` with each file entry rewritten, parsed again as the installer would read it. */
function withFiles(lock: RuntimeLock, rewrite: (f: RuntimeLock["files"][number]) => object): RuntimeLock {
  return parseRuntimeLock(JSON.parse(JSON.stringify({ ...lock, files: lock.files.map(rewrite) })));
}

function withSources(lock: RuntimeLock, source: (installPath: string) => string): RuntimeLock {
  return withFiles(lock, (f) => ({ ...f, source: source(f.installPath) }));
}

/** Staged from `imageRoot` alone (fetching not allowed) into `parent`. */
function stageOffline(lock: RuntimeLock, parent = fx.stagingParent, imageRoot = fx.imageRoot) {
  return stageArtifacts(lock, parent, { imageRoot, allowFetch: false });
}

describe("stageArtifacts", () => {
  test("image-path sources with matching SRI → every file staged byte-identical", async () => {
    fx = createFixture("Metal-QEMU-SNP");
    const staged = await stageOffline(fx.lock);
    expect(staged.length).toBe(fx.lock.files.length);
    for (const s of staged)
      expect(new Uint8Array(readFileSync(s.stagedPath))).toEqual(artifactBytes(s.file.installPath));
  });

  test("one artifact corrupted → VerificationError integrity_mismatch", async () => {
    fx = createFixture("CLH-SNP");
    const igvm = fx.lock.files.find((f) => f.role === "igvm")!;
    const path = join(fx.imageRoot, igvm.source);
    const bytes = readFileSync(path);
    bytes[100] = bytes[100]! ^ 1;
    writeFileSync(path, bytes);
    await expectCode(stageOffline(fx.lock), VerificationError, "integrity_mismatch");
  });

  test("shipped lock without integrity → ConfigError artifact_integrity_missing before reading anything", async () => {
    fx = createFixture("Metal-QEMU-TDX");
    const unpinned = withFiles(fx.lock, ({ integrity, ...f }) => f);
    await expectCode(stageOffline(unpinned), ConfigError, "artifact_integrity_missing");
    expect(readdirSync(fx.stagingParent)).toEqual([]);
  });

  test("shipped lock → the refusal names every unpinned artifact and how a release pins it", async () => {
    const lock = loadRuntimeLock("Metal-QEMU-SNP");
    const e = (() => {
      try {
        requireIntegrity(lock);
      } catch (x) {
        return x as ConfigError;
      }
    })();
    expect(e?.code).toBe("artifact_integrity_missing");
    for (const f of lock.files.filter((f) => f.integrity === undefined))
      expect(e?.message).toContain(
        `${f.role} ${f.installPath} (put the file at runtime/artifacts/metal-qemu-snp/${f.installPath} and run make runtime-pin)`,
      );
    expect(e?.message).not.toContain("snp/share/OVMF.fd");
    expect(e?.message).toContain("runtime/README.md");
  });

  test("deb: firmware → read from /artifacts/<platform>/<installPath> in the image, never fetched, SRI-checked", async () => {
    fx = createFixture("Metal-QEMU-TDX");
    const fw = fx.lock.files.find((f) => f.role === "firmware")!;
    expect(fw.source).toStartWith("deb:ovmf=");
    const fetched: string[] = [];
    const fetchSpy = (async (u: string) => {
      fetched.push(u);
      return new Response("no", { status: 404 });
    }) as unknown as typeof fetch;
    const staged = await stageArtifacts(fx.lock, fx.stagingParent, {
      imageRoot: fx.imageRoot,
      allowFetch: true,
      fetch: fetchSpy,
    });
    const s = staged.find((x) => x.file.role === "firmware")!;
    expect(new Uint8Array(readFileSync(s.stagedPath))).toEqual(artifactBytes(fw.installPath));
    expect(fetched).toEqual([]);
    const path = join(fx.imageRoot, "artifacts", "metal-qemu-tdx", fw.installPath);
    const bytes = readFileSync(path);
    bytes[7] = bytes[7]! ^ 0x80;
    writeFileSync(path, bytes);
    const again = join(fx.root, "staging2");
    mkdirSync(again);
    await expectCode(stageOffline(fx.lock, again), VerificationError, "integrity_mismatch");
  });

  test("artifact absent from the image → ConfigError artifact_missing", async () => {
    fx = createFixture("Metal-QEMU-SNP");
    await expectCode(
      stageOffline(fx.lock, fx.stagingParent, fx.stagingParent),
      ConfigError,
      "artifact_missing",
    );
  });

  test("file:// source without --fetch → ConfigError artifact_fetch_not_allowed; with it → staged", async () => {
    fx = createFixture("Metal-QEMU-SNP");
    const lock = withSources(fx.lock, (p) => `file://${fx.imageRoot}/artifacts/metal-qemu-snp/${p}`);
    await expectCode(stageOffline(lock, fx.stagingParent, "/"), ConfigError, "artifact_fetch_not_allowed");
    const staged = await stageArtifacts(lock, fx.stagingParent, { imageRoot: "/", allowFetch: true });
    expect(staged.length).toBe(lock.files.length);
  });

  test("http:// sources from a loopback server → fetched and verified; a 404 → UnavailableError artifact_fetch_failed", async () => {
    fx = createFixture("Metal-QEMU-SNP");
    const served = new Set(fx.lock.files.map((f) => f.installPath));
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req) => {
        const p = new URL(req.url).pathname.slice(1);
        return served.has(p) ? new Response(artifactBytes(p)) : new Response("no", { status: 404 });
      },
    });
    try {
      const lock = withSources(fx.lock, (p) => `http://127.0.0.1:${server.port}/${p}`);
      const staged = await stageArtifacts(lock, fx.stagingParent, { imageRoot: "/", allowFetch: true });
      expect(staged.length).toBe(lock.files.length);
      served.delete("share/kata-kernel");
      const again = join(fx.root, "staging2");
      mkdirSync(again);
      await expectCode(
        stageArtifacts(lock, again, { imageRoot: "/", allowFetch: true }),
        UnavailableError,
        "artifact_fetch_failed",
      );
    } finally {
      server.stop(true);
    }
  });

  test("artifact larger than maxBytes → ConfigError artifact_too_large", async () => {
    fx = createFixture("Metal-QEMU-SNP");
    await expectCode(
      stageArtifacts(fx.lock, fx.stagingParent, {
        imageRoot: fx.imageRoot,
        allowFetch: false,
        maxBytes: 100,
      }),
      ConfigError,
      "artifact_too_large",
    );
  });
});
