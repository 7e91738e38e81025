// The one "fails with this error class and code" assertion of the test suite (failures are asserted by class and
// code, never by message text).

import { expect } from "bun:test";
import type { ContrastError } from "../../src/common/errors.ts";

/** Any error class: their constructors differ, so only `new` itself is asked for. */
export type ErrorClass = abstract new (...args: never[]) => Error;

function check(caught: unknown, cls: ErrorClass, code: string): void {
  expect(caught).toBeInstanceOf(cls);
  expect((caught as ContrastError).code as string).toBe(code);
}

/** The error `fn` throws, synchronously, for checks beyond class and code; a test failure when it throws none. */
export function thrownBy(fn: () => unknown): ContrastError {
  try {
    fn();
  } catch (e) {
    return e as ContrastError;
  }
  throw new Error("expected an error, got none");
}

/** `fn` throws, synchronously, an instance of `cls` with `code`. */
export function expectError(fn: () => unknown, cls: ErrorClass, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  check(caught, cls, code);
}

/** `p` (a promise, or a call that throws or returns one) fails with an instance of `cls` with `code`. */
/** Returns the error for further checks (its message, its field). */
export async function expectCode(
  p: Promise<unknown> | (() => unknown),
  cls: ErrorClass,
  code: string,
): Promise<ContrastError> {
  let caught: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    caught = e;
  }
  check(caught, cls, code);
  return caught as ContrastError;
}
