// A scalar where the pod template needs a mapping is invalid input (exit 3), not an internal error (found by the
// CLI fuzzing of issue 15 §2).

import { describe, test } from "bun:test";
import { parseDocument } from "yaml";
import { ConfigError } from "../../src/common/errors.ts";
import { setTemplateAnnotation } from "../../src/kube/patch-pod-template.ts";
import { expectCode } from "../support/expect-error.ts";

describe("setTemplateAnnotation", () => {
  for (const yaml of ["spec:\n  template:\n    metadata: x\n", "spec:\n  template: 3\n", "spec: [1]\n"]) {
    test(`${JSON.stringify(yaml)} → ConfigError yaml_not_a_mapping`, async () => {
      const doc = parseDocument(yaml);
      await expectCode(
        () => setTemplateAnnotation(doc, ["spec", "template"], "a", "b"),
        ConfigError,
        "yaml_not_a_mapping",
      );
    });
  }
});
