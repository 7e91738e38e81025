// The import-boundary check of `make lint`: each kind of crossing it must refuse, and the tree as it is.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { checkImports, type Import, RULES, scanSource, scanTree } from "../../tools/check-imports.ts";

const rel = (from: string, target: string): Import => ({ from, target, relative: true });
const pkg = (from: string, target: string): Import => ({ from, target, relative: false });

describe("checkImports", () => {
  test("the repository's src/ as it is → no problem", () => {
    expect(checkImports(scanTree(join(import.meta.dir, "..", ".."), "src"))).toEqual([]);
  });

  const refused: [string, Import, RegExp][] = [
    [
      "library importing a component",
      rel("src/crypto/ca.ts", "src/coordinator/state.ts"),
      /never imports a component/,
    ],
    ["component importing another", rel("src/coordinator/run.ts", "src/cli/set.ts"), /components never/],
    [
      "library importing upwards",
      rel("src/crypto/ca.ts", "src/manifest/types.ts"),
      /crypto may import common/,
    ],
    ["library importing a sibling it may not", rel("src/rego/eval.ts", "src/policy/settings.ts"), /rego may/],
    ["library importing main.ts", rel("src/kube/x.ts", "src/main.ts"), /only the entry point/],
    ["code from outside src/", rel("src/kube/x.ts", "test/support/testdata.ts"), /no code from outside/],
    [
      "one platform folder importing another",
      rel("src/attestation/snp/a.ts", "src/attestation/tdx/b.ts"),
      /independent/,
    ],
    [
      "a package not on the folder's list",
      pkg("src/coordinator/root-ca.ts", "@peculiar/x509"),
      /coordinator may use/,
    ],
    [
      "a package subpath not on the list",
      pkg("src/measure/snp/id-block.ts", "@noble/curves/nist.js"),
      /measure may use/,
    ],
    ["a folder without a rule", rel("src/newthing/a.ts", "src/common/bytes.ts"), /has no rule/],
  ];
  for (const [name, imp, message] of refused) {
    test(`${name} → one problem naming the file`, () => {
      const problems = checkImports([imp]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toStartWith(`${imp.from}: `);
      expect(problems[0]).toMatch(message);
    });
  }

  const allowed: [string, Import][] = [
    ["main.ts importing a component", rel("src/main.ts", "src/coordinator/command.ts")],
    ["component importing a library", rel("src/coordinator/state.ts", "src/manifest/types.ts")],
    ["library importing one below it", rel("src/manifest/types.ts", "src/attestation/evidence.ts")],
    ["within one folder", rel("src/attestation/snp/verify.ts", "src/attestation/snp/abi.ts")],
    [
      "platform folder importing its parent",
      rel("src/attestation/tdx/verify.ts", "src/attestation/claims.ts"),
    ],
    ["embedded data outside src/", rel("src/platform/locks.ts", "runtime/locks/clh-snp.lock.json")],
    ["a node built-in", pkg("src/common/atomic-file.ts", "node:fs")],
    ["a package on the list", pkg("src/crypto/keys.ts", "@noble/curves/nist.js")],
  ];
  for (const [name, imp] of allowed) {
    test(`${name} → no problem`, () => expect(checkImports([imp])).toEqual([]));
  }
});

describe("RULES", () => {
  test("libraries form no cycle and import no component", () => {
    const seen = new Set<string>();
    const visiting = new Set<string>();
    const visit = (f: string): void => {
      if (seen.has(f)) return;
      expect(visiting.has(f)).toBe(false);
      visiting.add(f);
      for (const g of RULES[f]?.imports ?? []) {
        expect(RULES[g]).toBeDefined();
        expect(RULES[g]?.component).toBeUndefined();
        visit(g);
      }
      visiting.delete(f);
      seen.add(f);
    };
    for (const f of Object.keys(RULES)) visit(f);
    expect(seen.size).toBe(Object.keys(RULES).length);
  });
});

describe("scanSource", () => {
  test("type-only imports and re-exports → read as imports", () => {
    const text = [
      'import type { A } from "./a.ts";',
      'import { type B, type C as D } from "./b.ts";',
      'export type { E } from "./e.ts";',
      'import { F } from "./f.ts";',
      "export type G = { type: string };",
    ].join("\n");
    expect(scanSource(text).sort()).toEqual(["./a.ts", "./b.ts", "./e.ts", "./f.ts"]);
  });
});
