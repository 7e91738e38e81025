// Aliases that cannot be resolved, or that expand without bound, are malformed YAML (exit 3), never an internal
// error (found by the CLI fuzzing of issue 15 §2).

import { describe, test } from "bun:test";
import { ParseError } from "../../src/common/errors.ts";
import { parseYamlFile } from "../../src/kube/yaml-documents.ts";
import { expectCode } from "../support/expect-error.ts";

describe("parseYamlFile", () => {
  const bomb = `a: &a [x, x, x, x, x, x, x, x, x]\n${Array.from(
    { length: 8 },
    (_, i) =>
      `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(9)
        .fill(`*${i === 0 ? "a" : "bcdefghi"[i - 1]}`)
        .join(", ")}]`,
  ).join("\n")}\n`;
  for (const [name, text] of [
    ["alias before its anchor", "kind: *x\nname: &x y\n"],
    ["alias bomb", bomb],
  ] as const) {
    test(`${name} → ParseError yaml_malformed`, async () => {
      await expectCode(() => parseYamlFile({ path: "f.yaml", text }), ParseError, "yaml_malformed");
    });
  }
});
