// Test helper: assert that a call throws (or rejects with) a given error class and code.

import { expect } from "bun:test";
import type { ContrastError } from "../../src/common/errors.ts";

// biome-ignore lint/suspicious/noExplicitAny: error classes have differing constructor signatures
type ErrorClass = abstract new (...args: any[]) => ContrastError;

export async function expectCode(fn: () => unknown, cls: ErrorClass, code: string): Promise<ContrastError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as ContrastError).code as string).toBe(code);
  return caught as ContrastError;
}
