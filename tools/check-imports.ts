// The import-boundary check of `make lint`: which folder of src/ may import which, and which packages each may use.
//
// Imports run one way: main → components → libraries → common. Components never import each other; a library
// imports only the libraries listed for it below, and only its listed packages. Type-only imports count too (the
// check reads them as imports). The README's development section shows the same rules as a folder map.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface FolderRule {
  /** Folders of src/ (top level) this folder may import from. */
  readonly imports: readonly string[];
  /** npm packages it may import (`node:` built-ins are allowed everywhere but in `common`'s pure files). */
  readonly packages: readonly string[];
  /** A component: the top of the graph, imported only by main.ts. */
  readonly component?: true;
  /** Subfolders that never import one another (one per TEE platform: adding one touches no other). */
  readonly isolated?: readonly string[];
}

const NOBLE = ["@noble/curves", "@noble/hashes"];
const X509 = ["@peculiar/x509", "@peculiar/asn1-schema", "@peculiar/asn1-x509", "asn1js"];

/** The layers, top to bottom. Every library's `imports` names only folders below it, so the graph has no cycle. */
export const RULES: Readonly<Record<string, FolderRule>> = {
  cli: {
    component: true,
    imports: [
      "command",
      "kube",
      "policy",
      "manifest",
      "attestation",
      "measure",
      "platform",
      "api",
      "rego",
      "crypto",
      "common",
    ],
    packages: ["cac", "yaml"],
  },
  coordinator: {
    component: true,
    imports: ["command", "manifest", "attestation", "api", "netfilter", "crypto", "common"],
    packages: ["cac", "hono", "prom-client"],
  },
  initializer: {
    component: true,
    imports: ["command", "policy", "manifest", "attestation", "api", "netfilter", "crypto", "common"],
    packages: ["cac"],
  },
  nodeinstaller: {
    component: true,
    imports: ["command", "kube", "platform", "common"],
    packages: ["cac", "smol-toml", "yaml"],
  },
  servicemesh: {
    component: true,
    imports: ["command", "kube", "api", "netfilter", "crypto", "common"],
    packages: ["cac", "hono", "prom-client"],
  },
  command: { imports: ["common"], packages: ["cac"] },
  policy: {
    imports: ["kube", "platform", "rego", "crypto", "common"],
    packages: ["smol-toml", "yaml", "kubernetes-models"],
  },
  kube: { imports: ["platform", "api", "common"], packages: ["yaml", "kubernetes-models"] },
  manifest: { imports: ["attestation", "measure", "platform", "api", "crypto", "common"], packages: [] },
  attestation: {
    imports: ["measure", "crypto", "common"],
    packages: [...NOBLE, ...X509],
    isolated: ["snp", "tdx"],
  },
  measure: { imports: ["crypto", "common"], packages: [] },
  platform: { imports: ["attestation", "common"], packages: [] },
  api: { imports: ["attestation", "crypto", "common"], packages: [] },
  rego: { imports: ["common"], packages: [] },
  netfilter: { imports: ["common"], packages: [] },
  crypto: { imports: ["common"], packages: [...NOBLE, ...X509] },
  common: { imports: [], packages: [] },
};

/** main.ts wires the components; it may import any folder. */
const ENTRY = "main.ts";

export interface Import {
  /** The importing file, relative to the repository (`src/crypto/ca.ts`). */
  readonly from: string;
  /** What it names: a path relative to the repository for relative imports, else the package specifier. */
  readonly target: string;
  readonly relative: boolean;
}

/** The top-level folder of src/ a repository path lies in, `main.ts` for the entry, undefined outside src/. */
export function folderOf(path: string): string | undefined {
  const parts = path.split("/");
  return parts[0] === "src" ? parts[1] : undefined;
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/** Every broken rule, one line each: `<file>: imports <target>: <why>`. */
export function checkImports(imports: readonly Import[], rules = RULES): string[] {
  const problems: string[] = [];
  for (const imp of imports) {
    const from = folderOf(imp.from);
    if (from === undefined || from === ENTRY) continue;
    const rule = rules[from];
    if (rule === undefined) {
      problems.push(`${imp.from}: folder src/${from} has no rule in tools/check-imports.ts (add it to RULES)`);
      continue;
    }
    if (imp.relative) {
      const to = folderOf(imp.target);
      if (to === from) {
        const a = imp.from.split("/")[2];
        const b = imp.target.split("/")[2];
        if (a !== b && rule.isolated?.includes(a ?? "") && rule.isolated.includes(b ?? ""))
          problems.push(
            `${imp.from}: imports ${imp.target}: src/${from}/${a} may not import src/${from}/${b} (platform folders are independent; shared code goes into src/${from})`,
          );
        continue;
      }
      if (to === undefined) {
        if (imp.target.endsWith(".ts"))
          problems.push(`${imp.from}: imports ${imp.target}: src/ imports no code from outside src/`);
        continue; // data files (runtime/locks/*.json, runtime/kata/*.toml) are embedded where they are used
      }
      if (to === ENTRY) {
        problems.push(`${imp.from}: imports ${imp.target}: only the entry point imports main.ts`);
      } else if (rules[to]?.component) {
        const why = rule.component
          ? "components never import each other; shared code goes into a library below both"
          : "a library never imports a component; main.ts wires the components";
        problems.push(`${imp.from}: imports ${imp.target}: ${from} may not import the ${to} component (${why})`);
      } else if (!rule.imports.includes(to)) {
        problems.push(
          `${imp.from}: imports ${imp.target}: ${from} may import ${rule.imports.join(", ") || "nothing of src/"} (a library imports only libraries below it)`,
        );
      }
    } else if (!imp.target.startsWith("node:") && !imp.target.startsWith("bun")) {
      const pkg = packageOf(imp.target);
      if (!rule.packages.includes(pkg))
        problems.push(
          `${imp.from}: imports package ${pkg}: ${from} may use ${rule.packages.join(", ") || "no package"} (add it to its rule only with a reason)`,
        );
    }
  }
  return problems;
}

/**
 * The import specifiers of a TypeScript source, type-only imports included: `import type` and `{ type X }` are read
 * as plain imports, since Bun's scanner drops what the compiler erases.
 */
export function scanSource(text: string): string[] {
  const visible = text
    .replace(/^(\s*(?:import|export))\s+type(?=\s*[{*])/gm, "$1")
    .replace(/^(\s*import)\s+type(?=\s+[A-Za-z_$][\w$]*\s+from\b)/gm, "$1")
    .replace(/\btype\s+(?=[A-Za-z_$][\w$]*\s*(?:as\s+[A-Za-z_$][\w$]*\s*)?[,}])/g, "");
  return new Bun.Transpiler({ loader: "ts" }).scanImports(visible).map((i) => i.path);
}

/** Every import of every .ts file under `dir` (repository-relative paths). */
export function scanTree(repo: string, dir: string): Import[] {
  const out: Import[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(join(repo, d), { withFileTypes: true })) {
      const path = `${d}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        for (const spec of scanSource(readFileSync(join(repo, path), "utf8"))) {
          const rel = spec.startsWith("./") || spec.startsWith("../");
          out.push({
            from: path,
            target: rel ? relative(repo, resolve(repo, dirname(path), spec)) : spec,
            relative: rel,
          });
        }
      }
    }
  };
  walk(dir);
  return out;
}

if (import.meta.main) {
  const repo = join(import.meta.dir, "..");
  const problems = checkImports(scanTree(repo, "src"));
  for (const p of problems) process.stderr.write(`import boundary: ${p}\n`);
  if (problems.length > 0) {
    process.stderr.write(
      `${problems.length} import(s) cross a boundary; the layer rules are in README.md (Development) and tools/check-imports.ts\n`,
    );
    process.exit(1);
  }
}
