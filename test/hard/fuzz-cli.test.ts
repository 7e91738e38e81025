// Bad input to the CLI (issue 15 §2): the YAML `generate` reads, the manifest `set` reads, and the initdata documents
// the Initializer and `set` read, mutated from valid ones with a fixed seed. A broken input exits 2 or 3 (usage,
// invalid input), never 1; an input that is still valid after mutation may exit otherwise but never 1.
// Run in-process for speed; a sample goes through the built binary too and must exit the same way.
// CONTRAST_HARD_CLI_CASES (default 1000 per input kind) and CONTRAST_HARD_SEED (default 15).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { CAC } from "cac";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import { registerSet } from "../../src/cli/set.ts";
import { registerInitializer } from "../../src/initializer/command.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import { runInProcess } from "../support/run-in-process.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { contrast, Deployment, report } from "./harness.ts";

const CASES = Number(process.env.CONTRAST_HARD_CLI_CASES ?? 1000);
const SEED = Number(process.env.CONTRAST_HARD_SEED ?? 15);
/** Cases per kind also run through the built binary, to check the in-process exit codes are the real ones. */
const BINARY_SAMPLE = 15;

let d: Deployment;
let ws = "";

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/** Any image resolves to a small deterministic config, so `generate` never needs a network. */
async function fakeRegistryFetch(url: string): Promise<Response> {
  const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  const config = enc({
    architecture: "amd64",
    os: "linux",
    config: { Entrypoint: ["/bin/app"], Env: ["PATH=/bin"] },
  });
  const manifest = enc({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${sha256(config)}`,
      size: config.length,
    },
    layers: [],
  });
  if (/\/manifests\//.test(url))
    return new Response(manifest, {
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    });
  if (/\/blobs\//.test(url)) return new Response(config);
  return new Response("not found", { status: 404 });
}

const BASE_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  annotations:
    team: "a"
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      runtimeClassName: contrast-cc
      containers:
        - name: web
          image: registry.example/web:1.0
          args: ["--port", "8080"]
          env:
            - name: MODE
              value: prod
          ports:
            - containerPort: 8080
          volumeMounts:
            - name: data
              mountPath: /data
      volumes:
        - name: data
          emptyDir: {}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{ port: 80, targetPort: 8080 }]
  selector: { app: web }
`;

/** Text mutations: each is one way a file gets broken (by hand, by a tool, by truncation). */
function mutate(text: string, rng: () => number): { text: string; how: string } {
  const int = (n: number) => Math.floor(rng() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const at = int(text.length + 1);
  const specials = [
    ":",
    "-",
    "[",
    "{",
    "}",
    "]",
    '"',
    "'",
    "&a",
    "*a",
    "!!binary",
    "|",
    ">",
    "%",
    "\t",
    "\u0000",
    "#",
    ",",
    "\\",
    "\ufffd",
    "\ud800",
  ];
  const ops: [string, () => string][] = [
    ["truncated", () => text.slice(0, at)],
    ["range deleted", () => text.slice(0, at) + text.slice(at + 1 + int(40))],
    ["special inserted", () => text.slice(0, at) + pick(specials) + text.slice(at)],
    ["char replaced", () => text.slice(0, at) + pick(specials) + text.slice(at + 1)],
    [
      "line duplicated",
      () => {
        const lines = text.split("\n");
        const i = int(lines.length);
        return [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)].join("\n");
      },
    ],
    [
      "lines swapped",
      () => {
        const lines = text.split("\n");
        const i = int(lines.length);
        const j = int(lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        return lines.join("\n");
      },
    ],
    ["indent broken", () => text.replace(/\n {2}/g, (m) => (rng() < 0.1 ? "\n " : m))],
    ["huge value", () => text.slice(0, at) + "x".repeat(pick([10_000, 1_000_000])) + text.slice(at)],
    ["deep nesting", () => text.slice(0, at) + "[".repeat(pick([100, 5000, 100_000])) + text.slice(at)],
    [
      "number for string",
      () => text.replace(/"[^"\n]{1,30}"/, () => pick(["1e999", "-0", "0x1F", "NaN", "true", "null"])),
    ],
    ["random bytes", () => Array.from({ length: int(300) }, () => String.fromCharCode(int(256))).join("")],
    ["empty", () => ""],
  ];
  const [how, op] = pick(ops);
  return { text: op(), how };
}

/** The initdata document of a pod, then `mutate` applied; its pin must still be well-formed JSON to pass. */
function initdataBase(): string {
  return `version = "0.1.0"\nalgorithm = "sha256"\n\n[data]\n"policy.rego" = '''\npackage agent_policy\ndefault CreateContainerRequest := false\n'''\n"contrast-coordinator.json" = '{"version":1,"coordinatorPolicies":["${"ab".repeat(32)}"],"deploymentKeys":["${d.ownerHex}"]}'\n`;
}

interface Outcome {
  kind: string;
  how: string;
  valid: boolean;
  code: number;
  input: string;
  args: string[];
  stderr: string;
}

async function inProcess(
  register: (cli: CAC) => void,
  args: string[],
  cwd?: string,
): Promise<{ code: number; stderr: string }> {
  const orig = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    process.exitCode = 0;
    const r = await runInProcess(register, args);
    return { code: r.code, stderr: r.stderr };
  } finally {
    process.chdir(orig);
    process.exitCode = 0;
  }
}

beforeAll(async () => {
  d = await Deployment.create("fuzz-cli");
  ws = mkdtempSync(join(tmpdir(), "contrast-fuzz-cli-"));
  for (const f of ["workload-owner.pem", "seedshare-owner.pem"])
    writeFileSync(join(ws, f), await Bun.file(join(d.ws, f)).text());
  // A valid generate run first: it writes rules, settings and a manifest the manifest cases start from.
  writeFileSync(join(ws, "app.yaml"), BASE_YAML);
  const r = await inProcess(
    (cli) => registerGenerate(cli, { fetch: fakeRegistryFetch, rsaBits: 2048 }),
    [
      "generate",
      "--reference-values",
      "sim",
      `--sim-dir=${d.sim}`,
      "--skip-initializer",
      `--coordinator-policy=${d.coordinatorDigest}`,
      "-o",
      join(ws, "out.yaml"),
      join(ws, "app.yaml"),
    ],
    ws,
  );
  expect(r).toEqual({ code: 0, stderr: expect.any(String) });
}, 120_000);

afterAll(async () => {
  rmSync(ws, { recursive: true, force: true });
  await d?.dispose();
});

describe("CLI fuzzing", () => {
  test(`${CASES} mutated inputs each of YAML, manifest and initdata (seed ${SEED}) → exit 2/3 for broken input, never 1`, async () => {
    const rng = seededRandom(SEED);
    const outcomes: Outcome[] = [];
    const manifestText = await Bun.file(join(ws, "manifest.json")).text();
    const dir = join(ws, "cases");
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < CASES; i++) {
      // YAML → generate (its own workspace copy of rules/settings/keys; output to a file, inputs never patched).
      const y = mutate(BASE_YAML, rng);
      const yPath = join(dir, "app.yaml");
      writeFileSync(yPath, y.text);
      const yArgs = [
        "generate",
        "--reference-values",
        "sim",
        `--sim-dir=${d.sim}`,
        "--skip-initializer",
        `--coordinator-policy=${d.coordinatorDigest}`,
        "-o",
        join(dir, "out.yaml"),
        "-m",
        join(dir, "m.json"),
        yPath,
      ];
      const yr = await inProcess(
        (cli) => registerGenerate(cli, { fetch: fakeRegistryFetch, rsaBits: 2048 }),
        yArgs,
        ws,
      );
      outcomes.push({
        kind: "yaml",
        how: y.how,
        valid: yr.code === 0,
        code: yr.code,
        input: y.text,
        args: yArgs,
        stderr: yr.stderr,
      });
      rmSync(join(dir, "m.json"), { force: true });

      // Manifest → set (an input that still parses would go to the network: those are counted, not run).
      const m = mutate(manifestText, rng);
      const mPath = join(dir, "manifest.json");
      writeFileSync(mPath, m.text);
      let parses = true;
      try {
        parseManifest(new TextEncoder().encode(m.text), { requireComplete: true });
      } catch {
        parses = false;
      }
      if (parses) {
        outcomes.push({
          kind: "manifest",
          how: m.how,
          valid: true,
          code: 0,
          input: m.text,
          args: [],
          stderr: "",
        });
      } else {
        const mArgs = ["set", "-c", "127.0.0.1:1", "-m", mPath, `--workspace-dir=${d.ws}`];
        const mr = await inProcess(registerSet, mArgs);
        outcomes.push({
          kind: "manifest",
          how: m.how,
          valid: false,
          code: mr.code,
          input: m.text,
          args: mArgs,
          stderr: mr.stderr,
        });
      }

      // Initdata → the Initializer (sim: its launch binds the document's digest) with nothing to reach.
      const t = mutate(initdataBase(), rng);
      const tPath = join(dir, "initdata.toml");
      writeFileSync(tPath, t.text);
      const tArgs = [
        "initializer",
        "--tee=sim",
        `--sim-dir=${d.sim}`,
        `--sim-initdata=${tPath}`,
        `--out-dir=${join(dir, "pod")}`,
        "--timeout=0s",
      ];
      process.env.COORDINATOR_HOST = "127.0.0.1:1";
      const tr = await inProcess(registerInitializer, tArgs);
      delete process.env.COORDINATOR_HOST;
      outcomes.push({
        kind: "initdata",
        how: t.how,
        valid: tr.code === 6,
        code: tr.code,
        input: t.text,
        args: tArgs,
        stderr: tr.stderr,
      });

      // Initdata in a YAML annotation → set (decoded before anything is sent).
      const a = mutate(initdataBase(), rng);
      const annotation =
        rng() < 0.5
          ? gzipSync(a.text).toString("base64")
          : Buffer.from(a.text).toString(pick01(rng) ? "base64" : "latin1");
      const aPath = join(dir, "pod.yaml");
      writeFileSync(
        aPath,
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    io.katacontainers.config.hypervisor.cc_init_data: ${JSON.stringify(annotation)}\nspec: {}\n`,
      );
      const aArgs = [
        "set",
        "-c",
        "127.0.0.1:1",
        "-m",
        join(ws, "manifest.json"),
        `--workspace-dir=${d.ws}`,
        aPath,
      ];
      const ar = await inProcess(registerSet, aArgs);
      outcomes.push({
        kind: "initdata annotation",
        how: a.how,
        valid: false,
        code: ar.code,
        input: annotation,
        args: aArgs,
        stderr: ar.stderr,
      });
    }
    // The built binary agrees with the in-process runs on a sample of each kind.
    const disagreements: string[] = [];
    for (const kind of ["manifest", "initdata"]) {
      for (const o of outcomes.filter((x) => x.kind === kind && x.args.length > 0).slice(0, BINARY_SAMPLE)) {
        const path =
          o.args.find((x) => x.startsWith("--sim-initdata="))?.slice(15) ?? o.args[o.args.indexOf("-m") + 1]!;
        writeFileSync(path, o.input);
        const r = await contrast(o.args, { COORDINATOR_HOST: "127.0.0.1:1" });
        if (r.code !== o.code) disagreements.push(`${kind} ${o.how}: in-process ${o.code}, binary ${r.code}`);
      }
    }
    const internal = outcomes.filter((o) => o.code === 1);
    const brokenNot23 = outcomes.filter((o) => !o.valid && o.code !== 2 && o.code !== 3);
    const codes: Record<string, number> = {};
    for (const o of outcomes)
      codes[`${o.kind} ${o.valid ? "valid" : "broken"} → ${o.code}`] =
        (codes[`${o.kind} ${o.valid ? "valid" : "broken"} → ${o.code}`] ?? 0) + 1;
    report("fuzz-cli", {
      casesPerKind: CASES,
      seed: SEED,
      runs: outcomes.length,
      exitCodes: codes,
      binaryChecked: BINARY_SAMPLE * 2,
    });
    const show = (o: Outcome) =>
      `${o.kind} (${o.how}) exit ${o.code}: ${o.stderr.trim().split("\n").pop()?.slice(0, 200)}`;
    for (const o of [...internal, ...brokenNot23]) process.stdout.write(`${show(o)}\n`);
    expect(internal.slice(0, 50).map(show)).toEqual([]);
    expect(brokenNot23.slice(0, 50).map(show)).toEqual([]);
    expect(disagreements).toEqual([]);
  }, 900_000);
});

function pick01(rng: () => number): boolean {
  return rng() < 0.5;
}
