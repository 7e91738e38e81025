import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/common/errors.ts";
import { coordinatorServiceHost, placeCoordinator } from "../../src/kube/coordinator-host.ts";

const at = (namespace: string | undefined, docIndex = 0) => ({
  namespace,
  loc: { file: "coordinator.yaml", docIndex, kind: "StatefulSet", name: "coordinator" },
});

describe("coordinatorServiceHost", () => {
  test("namespace → the Service's fully qualified name", () => {
    expect(coordinatorServiceHost("contrast")).toBe("coordinator.contrast.svc.cluster.local");
  });
});

describe("placeCoordinator", () => {
  const ok: [string, Parameters<typeof placeCoordinator>, string, string][] = [
    ["document without namespace, no flag", [[at(undefined)], undefined], "default", "default"],
    ["no coordinator document, no flag", [[], undefined], "default", "default"],
    ["document namespace", [[at("contrast")], undefined], "contrast", "document"],
    ["flag, document without namespace", [[at(undefined)], "contrast"], "contrast", "flag"],
    ["flag equal to the document", [[at("contrast")], "contrast"], "contrast", "flag"],
  ];
  for (const [what, args, namespace, from] of ok) {
    test(`${what} → ${namespace} (${from})`, () => {
      const p = placeCoordinator(...args);
      expect(p).toEqual({ namespace, from: from as never, host: coordinatorServiceHost(namespace) });
    });
  }

  const bad: [string, Parameters<typeof placeCoordinator>, string][] = [
    ["flag contradicting the document", [[at("contrast")], "default"], "coordinator_namespace_mismatch"],
    [
      "two documents in different namespaces",
      [[at("a"), at("b", 3)], undefined],
      "coordinator_namespace_mismatch",
    ],
    ["flag that is no rfc 1123 label", [[], "evil.example.com"], "invalid_namespace"],
    ["flag with upper case", [[], "Contrast"], "invalid_namespace"],
    ["document namespace that is no label", [[at("a.b")], undefined], "invalid_namespace"],
  ];
  for (const [what, args, code] of bad) {
    test(`${what} → ConfigError ${code}`, () => {
      const e = (() => {
        try {
          placeCoordinator(...args);
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).code as string).toBe(code);
    });
  }
  test("row counts", () => expect([ok.length, bad.length]).toEqual([5, 5]));
});
