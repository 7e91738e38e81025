// Test helper: asserts that a promise or function fails with a given project error class and code.

import { expect } from "bun:test";
import type { ContrastError } from "../../../src/common/errors.ts";

type ErrorClass = abstract new (...args: never[]) => ContrastError;

export async function expectRejects(
  p: Promise<unknown> | (() => unknown),
  cls: ErrorClass,
  code: string,
): Promise<ContrastError> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(cls);
  expect((err as ContrastError).code as string).toBe(code);
  return err as ContrastError;
}
