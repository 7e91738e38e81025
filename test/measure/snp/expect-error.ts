// Asserts that a call throws a given error class with a given stable code.

import { expect } from "bun:test";

export function expectError(fn: () => unknown, cls: new (...args: never[]) => Error, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(cls);
  expect((thrown as { code?: string }).code).toBe(code);
}
