// Golden files: generated text compared with a reviewed copy; `UPDATE_GOLDEN=1` rewrites the copy first, and the diff
// is reviewed like code.

import { expect } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** The golden file's text, rewritten from `actual` first when UPDATE_GOLDEN=1. A missing file fails the test. */
export function goldenText(path: string, actual: string): string {
  if (UPDATE) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  return readFileSync(path, "utf8");
}

/** `actual` equals the golden file at `path` (see goldenText). */
export function expectGolden(path: string, actual: string): void {
  expect(actual).toBe(goldenText(path, actual));
}
