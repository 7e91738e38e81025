import { describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ParseError } from "../../src/common/errors.ts";
import { computeSri, formatSri } from "../../src/common/sri.ts";
import { artifactImagePath, parseDebSource } from "../../src/platform/artifact-source.ts";
import { runtimeHandler, runtimeHandlerForLock } from "../../src/platform/handler.ts";
import { canonicalLockBytes, parseRuntimeLock } from "../../src/platform/lock.ts";
import { loadRuntimeLock } from "../../src/platform/locks.ts";
import { listPlatforms } from "../../src/platform/platforms.ts";
import { expectError } from "../support/expect-error.ts";

const REPO = join(import.meta.dir, "..", "..");
const SHA256 = formatSri(computeSri("a"));
const OVMF_SOURCE = "deb:ovmf=2022.11-6+deb12u2:/usr/share/ovmf/OVMF.fd";

function baseline(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO, "runtime", "locks", "metal-qemu-snp.lock.json"), "utf8"));
}

function expectParseError(doc: unknown, code: string): void {
  expectError(() => parseRuntimeLock(doc), ParseError, code);
}

describe("parseRuntimeLock", () => {
  test("every shipped lock → valid, template integrity matches runtime/kata bytes", () => {
    let n = 0;
    for (const p of listPlatforms()) {
      const lock = loadRuntimeLock(p);
      expect(lock.platform).toBe(p.name);
      const template = readFileSync(join(REPO, "runtime", lock.kataConfig.template));
      expect(lock.kataConfig.integrity).toBe(formatSri(computeSri(template)));
      n++;
    }
    expect(n).toBe(3);
  });

  test("shipped binary artifacts → integrity only on the deb: firmware (no other bytes are obtainable here)", () => {
    const pinned: string[] = [];
    for (const p of listPlatforms())
      for (const f of loadRuntimeLock(p).files) {
        if (f.integrity === undefined) continue;
        expect(f.source).toBe(OVMF_SOURCE);
        expect(f.integrity).toStartWith("sha384-");
        pinned.push(`${p.name}/${f.role}`);
      }
    expect(pinned).toEqual(["Metal-QEMU-SNP/firmware", "Metal-QEMU-TDX/firmware"]);
  });

  type Mutation = [string, (d: Record<string, unknown>) => void, string];
  const file0 = (d: Record<string, unknown>) => (d.files as Record<string, unknown>[])[0]!;
  const rows: Mutation[] = [
    ["unknown top-level key", (d) => (d.extra = 1), "invalid_runtime_lock"],
    ["platform in other case", (d) => (d.platform = "metal-qemu-snp"), "invalid_runtime_lock"],
    ["files empty", (d) => (d.files = []), "invalid_runtime_lock"],
    ["unknown role", (d) => (file0(d).role = "bios"), "invalid_runtime_lock"],
    ["installPath with ..", (d) => (file0(d).installPath = "../../etc/passwd"), "invalid_runtime_lock"],
    ["absolute installPath", (d) => (file0(d).installPath = "/bin/sh"), "invalid_runtime_lock"],
    [
      "installPath colliding with kata config",
      (d) => (file0(d).installPath = "etc/configuration-qemu-snp.toml"),
      "invalid_runtime_lock",
    ],
    ["source with ..", (d) => (file0(d).source = "/artifacts/../etc/shadow"), "invalid_runtime_lock"],
    ["source ftp", (d) => (file0(d).source = "ftp://example.com/shim"), "invalid_runtime_lock"],
    ["deb source without path", (d) => (file0(d).source = "deb:ovmf=2022.11-6"), "invalid_runtime_lock"],
    ["deb source without version", (d) => (file0(d).source = "deb:ovmf:/usr/x"), "invalid_runtime_lock"],
    [
      "deb source path with ..",
      (d) => (file0(d).source = "deb:ovmf=1.0:/usr/../etc/shadow"),
      "invalid_runtime_lock",
    ],
    ["deb source relative path", (d) => (file0(d).source = "deb:ovmf=1.0:usr/x"), "invalid_runtime_lock"],
    [
      "deb source upper-case package",
      (d) => (file0(d).source = "deb:OVMF=1.0:/usr/x"),
      "invalid_runtime_lock",
    ],
    [
      "deb source version not a digit first",
      (d) => (file0(d).source = "deb:ovmf=v1:/usr/x"),
      "invalid_runtime_lock",
    ],
    ["executable as string", (d) => (file0(d).executable = "yes"), "invalid_runtime_lock"],
    ["integrity md5", (d) => (file0(d).integrity = "md5-AAAA"), "invalid_sri"],
    ["integrity short digest", (d) => (file0(d).integrity = "sha256-AAAA"), "invalid_sri"],
    [
      "duplicate role",
      (d) => ((d.files as unknown[])[1] = { ...file0(d), installPath: "bin/other" }),
      "invalid_runtime_lock",
    ],
    [
      "no shim",
      (d) => (d.files = (d.files as Record<string, unknown>[]).filter((f) => f.role !== "shim")),
      "invalid_runtime_lock",
    ],
    [
      "no kernel on qemu",
      (d) => (d.files = (d.files as Record<string, unknown>[]).filter((f) => f.role !== "kernel")),
      "invalid_runtime_lock",
    ],
    [
      "template integrity missing",
      (d) => delete (d.kataConfig as Record<string, unknown>).integrity,
      "invalid_sri",
    ],
    [
      "template path with ..",
      (d) => ((d.kataConfig as Record<string, unknown>).template = "../x.toml"),
      "invalid_runtime_lock",
    ],
  ];
  for (const [name, mutate, code] of rows) {
    test(`${name} → ParseError ${code}`, () => {
      const d = baseline();
      mutate(d);
      expectParseError(d, code);
    });
  }

  test("deb: sources with an epoch or a tilde version → valid, source kept verbatim", () => {
    for (const source of [
      "deb:qemu-system-x86=1:7.2+dfsg-7+deb12u7:/usr/bin/qemu-system-x86_64",
      "deb:ovmf=2024.02~rc1-2:/usr/share/ovmf/OVMF.fd",
    ]) {
      const d = baseline();
      file0(d).source = source;
      expect(parseRuntimeLock(d).files[0]!.source).toBe(source);
    }
  });

  test("baseline with an integrity added → valid", () => {
    const d = baseline();
    file0(d).integrity = SHA256;
    expect(parseRuntimeLock(d).files[0]!.integrity).toBe(SHA256);
  });
});

describe("runtimeHandler", () => {
  test("shipped locks → contrast-cc-<platform>-<8 hex>", () => {
    for (const p of listPlatforms())
      expect(runtimeHandler(p)).toMatch(new RegExp(`^contrast-cc-${p.id}-[0-9a-f]{8}$`));
  });

  test("case-insensitive platform → same handler", () => {
    expect(runtimeHandler("metal-qemu-snp")).toBe(runtimeHandler("Metal-QEMU-SNP"));
  });

  test("reordered files and reformatted JSON → same canonical bytes and handler", () => {
    const d = baseline();
    const reordered = { ...d, files: [...(d.files as unknown[])].reverse() };
    const a = parseRuntimeLock(d);
    const b = parseRuntimeLock(JSON.parse(JSON.stringify(reordered)));
    expect(canonicalLockBytes(b)).toEqual(canonicalLockBytes(a));
    expect(runtimeHandlerForLock(b)).toBe(runtimeHandlerForLock(a));
  });

  type Change = [string, (d: Record<string, unknown>) => void];
  const firmware = (d: Record<string, unknown>) =>
    (d.files as Record<string, unknown>[]).find((f) => f.role === "firmware")!;
  const changes: Change[] = [
    ["integrity filled in", (d) => ((d.files as Record<string, unknown>[])[0]!.integrity = SHA256)],
    [
      "source moved",
      (d) => ((d.files as Record<string, unknown>[])[2]!.source = "https://example.com/OVMF.fd"),
    ],
    ["executable bit flipped", (d) => ((d.files as Record<string, unknown>[])[3]!.executable = true)],
    [
      "install path changed",
      (d) => ((d.files as Record<string, unknown>[])[4]!.installPath = "share/initrd.zst"),
    ],
    ["template integrity changed", (d) => ((d.kataConfig as Record<string, unknown>).integrity = SHA256)],
    ["firmware integrity changed", (d) => (firmware(d).integrity = formatSri(computeSri("other", "sha384")))],
    [
      "firmware package version changed",
      (d) => (firmware(d).source = OVMF_SOURCE.replace("deb12u2", "deb12u3")),
    ],
  ];
  for (const [name, change] of changes) {
    test(`${name} → different handler`, () => {
      const d = baseline();
      const before = runtimeHandlerForLock(parseRuntimeLock(d));
      change(d);
      expect(runtimeHandlerForLock(parseRuntimeLock(d))).not.toBe(before);
    });
  }
});

describe("runtime/pin-artifacts.ts --check", () => {
  test("shipped locks match the templates → exit 0", () => {
    const proc = Bun.spawnSync([process.execPath, join(REPO, "runtime", "pin-artifacts.ts"), "--check"], {
      cwd: REPO,
    });
    expect(proc.exitCode).toBe(0);
  });
});

describe("runtime/pin-artifacts.ts", () => {
  test("artifact bytes present for one entry → only that entry gets integrity, computed from its bytes", () => {
    const dir = mkdtempSync(join(tmpdir(), "contrast-pin-"));
    try {
      cpSync(join(REPO, "runtime", "locks"), join(dir, "runtime", "locks"), { recursive: true });
      cpSync(join(REPO, "runtime", "kata"), join(dir, "runtime", "kata"), { recursive: true });
      const shim = join(dir, "artifacts", "clh-snp", "bin", "containerd-shim-contrast-cc-v2");
      mkdirSync(join(shim, ".."), { recursive: true });
      writeFileSync(shim, "shim bytes");
      const script = join(REPO, "runtime", "pin-artifacts.ts");
      const args = ["--runtime", join(dir, "runtime"), "--artifacts", join(dir, "artifacts")];
      expect(Bun.spawnSync([process.execPath, script, ...args, "--check"]).exitCode).toBe(1);
      expect(Bun.spawnSync([process.execPath, script, ...args]).exitCode).toBe(0);
      const lock = parseRuntimeLock(
        JSON.parse(readFileSync(join(dir, "runtime", "locks", "clh-snp.lock.json"), "utf8")),
      );
      const pinned = lock.files.filter((f) => f.integrity !== undefined);
      expect(pinned.map((f) => f.installPath)).toEqual(["bin/containerd-shim-contrast-cc-v2"]);
      expect(pinned[0]!.integrity).toBe(formatSri(computeSri("shim bytes", "sha384")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("parseDebSource", () => {
  test("pinned OVMF source → package, version and path", () => {
    expect(parseDebSource(OVMF_SOURCE)).toEqual({
      package: "ovmf",
      version: "2022.11-6+deb12u2",
      path: "/usr/share/ovmf/OVMF.fd",
    });
  });

  test("epoch in the version → the path is what follows the last colon", () => {
    expect(parseDebSource("deb:qemu=1:7.2+dfsg-7:/usr/bin/q")).toEqual({
      package: "qemu",
      version: "1:7.2+dfsg-7",
      path: "/usr/bin/q",
    });
  });

  const bad = [
    "deb:",
    "deb:ovmf",
    "deb:ovmf=:/x",
    "deb:ovmf=1:",
    "deb:ovmf=1::/x",
    "deb:ovmf=1:/a//b",
    "deb:o=1:/x",
  ];
  for (const source of bad) {
    test(`${JSON.stringify(source)} → ParseError invalid_runtime_lock`, () => {
      expectError(() => parseDebSource(source), ParseError, "invalid_runtime_lock");
    });
  }
});

describe("artifactImagePath", () => {
  test("deb: → /artifacts/<platform id>/<installPath>; image path → itself; URL → undefined", () => {
    const f = { source: OVMF_SOURCE, installPath: "snp/share/OVMF.fd" };
    expect(artifactImagePath("metal-qemu-snp", f)).toBe("/artifacts/metal-qemu-snp/snp/share/OVMF.fd");
    expect(artifactImagePath("x", { ...f, source: "/artifacts/x/y" })).toBe("/artifacts/x/y");
    expect(artifactImagePath("x", { ...f, source: "https://example.com/y" })).toBeUndefined();
    expect(artifactImagePath("x", { ...f, source: "file:///y" })).toBeUndefined();
  });
});
