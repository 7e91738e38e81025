import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { documentsFromYaml } from "../../src/cli/policy-documents.ts";
import { ParseError } from "../../src/common/errors.ts";
import { expectCode } from "../support/expect-error.ts";
import { tempDir } from "../support/harness.ts";

const warn = spyOn(process, "emitWarning");
afterEach(() => warn.mockClear());

describe("documentsFromYaml", () => {
  test("a map used as a key in the user's YAML → read without a process warning", () => {
    const dir = tempDir("policy-docs");
    writeFileSync(join(dir, "a.yaml"), "? [a]\n: b\nkind: ConfigMap\n");
    expect(documentsFromYaml([dir]).size).toBe(0);
    expect(warn).not.toHaveBeenCalled();
  });

  test("alias to another document's anchor → ParseError yaml_malformed naming the document", async () => {
    const dir = tempDir("policy-docs");
    writeFileSync(join(dir, "a.yaml"), "a: &x 1\n---\nb: *x\n");
    const err = await expectCode(() => documentsFromYaml([dir]), ParseError, "yaml_malformed");
    expect(err.message).toStartWith(`${join(dir, "a.yaml")}#1: `);
  });
});
