import { describe, expect, spyOn, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ParseError } from "../../src/common/errors.ts";
import { parseYamlFile, renderFile } from "../../src/kube/yaml-documents.ts";
import { expectCode } from "../support/expect-error.ts";
import { testdata } from "../support/testdata.ts";

const K8S = testdata("k8s", "upstream");

describe("parseYamlFile", () => {
  test("real multi-document files → every document found, unchanged render is byte-identical", () => {
    const expected: Record<string, number> = {
      "guestbook.yaml": 6,
      "emojivoto.yaml": 11,
      "cassandra-statefulset.yaml": 3,
    };
    let ran = 0;
    for (const [name, docs] of Object.entries(expected)) {
      const text = readFileSync(join(K8S, name), "utf8");
      const parsed = parseYamlFile({ path: name, text });
      expect(parsed.documents.length).toBe(docs);
      expect(renderFile(parsed, new Set())).toBe(text);
      // Listed as changed but not edited: still byte-identical.
      expect(renderFile(parsed, new Set(parsed.documents.map((d) => d.docIndex)))).toBe(text);
      ran++;
    }
    expect(ran).toBe(3);
  });

  test("malformed yaml → ParseError yaml_malformed naming the document", () => {
    const text = "kind: A\n---\nkind: [unclosed\n";
    try {
      parseYamlFile({ path: "bad.yaml", text });
      throw new Error("expected an error");
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).code).toBe("yaml_malformed");
      expect((e as ParseError).field).toBe("bad.yaml#1");
    }
  });

  test("map used as a key (unquoted Helm `{{ }}`) → ParseError naming the line and Helm, no process warning", async () => {
    const warn = spyOn(process, "emitWarning");
    try {
      const text = "kind: Pod\nmetadata:\n  name: {{ .Values.name }}\n";
      expect(() => parseYamlFile({ path: "t.yaml", text })).toThrow(
        "t.yaml#0: invalid yaml: line 3: a map key is itself a map or list, expected a plain key (this looks like a Helm template",
      );
      const err = await expectCode(
        () => parseYamlFile({ path: "t.yaml", text: "? [a]\n: b\n" }),
        ParseError,
        "yaml_malformed",
      );
      expect(err.message).not.toContain("Helm");
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test("alias to an anchor of another document → ParseError yaml_malformed, not an internal error", () => {
    try {
      parseYamlFile({ path: "a.yaml", text: "a: &x 1\n---\nb: *x\n" });
      throw new Error("expected an error");
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).field).toBe("a.yaml#1");
    }
  });

  test("duplicate keys → ParseError yaml_malformed", () => {
    expect(() => parseYamlFile({ path: "d.yaml", text: "a: 1\na: 2\n" })).toThrow(ParseError);
  });

  test("flush sequences detected → renderer keeps that style", () => {
    expect(parseYamlFile({ path: "a", text: "a:\n- 1\n" }).flushSequences).toBe(true);
    expect(parseYamlFile({ path: "a", text: "a:\n  - 1\n" }).flushSequences).toBe(false);
  });

  test("changed document → patched, others copied verbatim", () => {
    const text = "# head\na: 1 #c\n---\nb:   2\n";
    const parsed = parseYamlFile({ path: "x", text });
    parsed.documents[1]?.doc.setIn(["b"], 3);
    expect(renderFile(parsed, new Set([1]))).toBe("# head\na: 1 #c\n---\nb:   3\n");
  });
});
