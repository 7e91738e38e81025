import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replaceDirectory } from "../../src/common/atomic-file.ts";

function dirWith(parent: string, name: string, files: Record<string, string>): string {
  const d = join(parent, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

describe("replaceDirectory", () => {
  test("existing target → replaced by the fresh directory as a whole, nothing of the old left", () => {
    const parent = mkdtempSync(join(tmpdir(), "replace-"));
    const target = dirWith(parent, "verify", { "manifest.0.json": "old", "manifest.1.json": "old" });
    const fresh = dirWith(parent, "verify.new", { "manifest.0.json": "new" });
    replaceDirectory(fresh, target);
    expect(readdirSync(target)).toEqual(["manifest.0.json"]);
    expect(readFileSync(join(target, "manifest.0.json"), "utf8")).toBe("new");
    expect(readdirSync(parent)).toEqual(["verify"]);
  });

  test("no target yet → the fresh directory takes its name", () => {
    const parent = mkdtempSync(join(tmpdir(), "replace-"));
    replaceDirectory(dirWith(parent, "fresh", { a: "1" }), join(parent, "verify"));
    expect(readdirSync(parent)).toEqual(["verify"]);
  });

  test("fresh directory missing → throws, the old target is back in place unchanged", () => {
    const parent = mkdtempSync(join(tmpdir(), "replace-"));
    const target = dirWith(parent, "verify", { a: "old" });
    expect(() => replaceDirectory(join(parent, "absent"), target)).toThrow();
    expect(readFileSync(join(target, "a"), "utf8")).toBe("old");
    expect(existsSync(join(parent, "absent"))).toBe(false);
  });
});
