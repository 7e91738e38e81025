import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cac } from "cac";
import { parseAllDocuments } from "yaml";
import { initSimDir } from "../../src/attestation/sim/sim-dir.ts";
import type { GenerateDeps } from "../../src/cli/generate.ts";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import { parseAndRun } from "../../src/command/command.ts";
import { EXIT } from "../../src/common/errors.ts";
import { ANNOTATION_INITDATA } from "../../src/kube/contrast-annotations.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { COORDINATOR_IMAGE } from "../../src/kube/release-images.ts";
import { ownerPublicKeyHex } from "../../src/manifest/owner-keys.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import { launchValuesFor } from "../../src/manifest/runtime-launch-values.ts";
import type { Manifest } from "../../src/manifest/schema.ts";
import { COORDINATOR_PIN_KEY, parseCoordinatorPin } from "../../src/policy/coordinator-pin.ts";
import { decodeInitdataAnnotation } from "../../src/policy/initdata.ts";
import { fakeRegistry } from "../support/fake-registry.ts";
import { snapshotTree } from "../support/snapshot.ts";

const K8S = join(import.meta.dir, "..", "testdata", "k8s");
const NAMES = ["guestbook", "emojivoto", "cassandra-statefulset"] as const;
const CONFIDENTIAL_PODS = 8; // see test/testdata/k8s/README.md

interface Run {
  code: number;
  stderr: string;
}

/** Runs `contrast generate ARGS` in-process with cwd = ws; stderr (ours and runAction's) is captured. */
async function generate(ws: string, args: string[], deps: Partial<GenerateDeps> = {}): Promise<Run> {
  let stderr = "";
  const origWrite = process.stderr.write.bind(process.stderr);
  const origCwd = process.cwd();
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  process.chdir(ws);
  try {
    const cli = cac("contrast");
    const capture = (t: string) => {
      stderr += t;
    };
    registerGenerate(cli, { rsaBits: 2048, ...deps, stderr: capture });
    process.exitCode = 0;
    await parseAndRun(cli, ["generate", ...args]);
    return { code: Number(process.exitCode ?? 0), stderr };
  } finally {
    process.stderr.write = origWrite;
    process.chdir(origCwd);
    process.exitCode = 0;
  }
}

/** A workspace with the k8s testdata copies and the Coordinator resources under deploy/. */
function workspace(opts: { coordinator?: boolean } = {}): string {
  const ws = mkdtempSync(join(tmpdir(), "contrast-generate-"));
  mkdirSync(join(ws, "deploy"));
  for (const n of NAMES) copyFileSync(join(K8S, `${n}.confidential.yaml`), join(ws, "deploy", `${n}.yaml`));
  if (opts.coordinator !== false)
    writeFileSync(
      join(ws, "deploy", "coordinator.yaml"),
      renderCoordinatorResources({ image: COORDINATOR_IMAGE.reference }),
    );
  return ws;
}

/** The decoded initdata of every pod template in `deploy/<name>.yaml`. */
function initdataOf(ws: string, names: readonly string[] = [...NAMES, "coordinator"]) {
  return names.flatMap((n) =>
    parseAllDocuments(readFileSync(join(ws, "deploy", `${n}.yaml`), "utf8")).flatMap((doc) => {
      const a = doc.getIn(["spec", "template", "metadata", "annotations", ANNOTATION_INITDATA]);
      return typeof a === "string" ? [decodeInitdataAnnotation(a)] : [];
    }),
  );
}

const readManifest = (ws: string): Manifest =>
  parseManifest(new Uint8Array(readFileSync(join(ws, "manifest.json")))).manifest;

afterEach(() => {
  process.exitCode = 0;
});

describe("contrast generate", () => {
  let ws: string;
  let first: Run;
  let registry: ReturnType<typeof fakeRegistry>;
  let afterFirst: Record<string, string>;

  beforeAll(async () => {
    ws = workspace();
    registry = fakeRegistry();
    first = await generate(ws, ["--reference-values", "Metal-QEMU-SNP", "deploy"], registry);
    afterFirst = snapshotTree(ws);
  });

  test("k8s testdata + coordinator → exit 0, one policy per confidential pod plus the coordinator", () => {
    expect(first.stderr).not.toContain("error:");
    expect(first.code).toBe(EXIT.ok);
    const m = readManifest(ws);
    const entries = Object.values(m.Policies);
    expect(entries.length).toBe(CONFIDENTIAL_PODS + 1);
    expect(entries.filter((e) => e.Role === "coordinator").length).toBe(1);
    const web = entries.find((e) => e.SANs[0] === "web");
    expect(web).toEqual({ SANs: ["web", "*"], WorkloadSecretID: "apps/v1/Deployment/emojivoto/web" });
    expect(m.WorkloadOwnerPubKeys.length).toBe(1);
    expect(m.SeedshareOwnerPubKeys.length).toBe(1);
    expect(m.ReferenceValues.snp?.map((e) => `${e.Platform}/${e.ProductName}`)).toEqual([
      "Metal-QEMU-SNP/Milan",
      "Metal-QEMU-SNP/Genoa",
    ]);
  });

  test("patched YAML → every confidential pod carries initdata whose digest is a manifest key and a policies/ file", () => {
    const m = readManifest(ws);
    let pods = 0;
    for (const n of [...NAMES, "coordinator"]) {
      const text = readFileSync(join(ws, "deploy", `${n}.yaml`), "utf8");
      for (const doc of parseAllDocuments(text)) {
        const annotation = doc.getIn(["spec", "template", "metadata", "annotations", ANNOTATION_INITDATA]);
        if (typeof annotation !== "string") continue;
        pods++;
        const { digest, toml } = decodeInitdataAnnotation(annotation);
        expect(m.Policies[digest]).toBeDefined();
        expect(new Uint8Array(readFileSync(join(ws, "policies", `${digest}.toml`)))).toEqual(
          new Uint8Array(toml),
        );
        expect(String(doc.getIn(["spec", "template", "spec", "runtimeClassName"]))).toMatch(
          /^contrast-cc-metal-qemu-snp-[0-9a-f]{8}$/,
        );
      }
    }
    expect(pods).toBe(CONFIDENTIAL_PODS + 1);
  });

  test("every pod with an Initializer pins the Coordinator's digest and the owner keys; the Coordinator pins nothing", () => {
    const m = readManifest(ws);
    const coordinator = Object.entries(m.Policies).find(([, e]) => e.Role === "coordinator")![0];
    const pins = initdataOf(ws).map((d) => d.data[COORDINATOR_PIN_KEY]);
    expect(pins.length).toBe(CONFIDENTIAL_PODS + 1);
    expect(pins.filter((p) => p === undefined).length).toBe(1);
    for (const p of pins.filter((x) => x !== undefined))
      expect(parseCoordinatorPin(p!)).toEqual({
        coordinatorPolicies: [coordinator],
        deploymentKeys: m.WorkloadOwnerPubKeys,
      });
    expect(initdataOf(ws, ["coordinator"])[0]?.data[COORDINATOR_PIN_KEY]).toBeUndefined();
  });

  test("non-confidential documents → byte-identical to the input", () => {
    const input = readFileSync(join(K8S, "guestbook.confidential.yaml"), "utf8");
    const output = readFileSync(join(ws, "deploy", "guestbook.yaml"), "utf8");
    const service = (t: string) => t.split(/^---$/m)[0];
    expect(service(output)).toBe(service(input));
  });

  test("first run → tags pinned (noted on stderr), placeholders hinted, defaults and keys written", () => {
    expect(first.stderr).toContain(
      "pinned image registry.k8s.io/redis:e2e to registry.k8s.io/redis:e2e@sha256:",
    );
    expect(first.stderr).toContain(
      "hint: please fill in ReferenceValues.snp[0].MinimumTCB.BootloaderVersion",
    );
    // Launch digests are computed from the locked firmware (runtime/reference-values.json), not placeholders.
    expect(first.stderr).not.toContain("TrustedMeasurement");
    const launch = launchValuesFor("Metal-QEMU-SNP").snp!;
    expect(readManifest(ws).ReferenceValues.snp?.map((e) => e.TrustedMeasurement)).toEqual([
      launch.Milan!,
      launch.Genoa!,
    ]);
    expect(launch.Milan).not.toBe("00".repeat(48));
    for (const f of ["rules.rego", "settings.json", "layers-cache.json"])
      expect(existsSync(join(ws, f))).toBe(true);
    for (const f of ["workload-owner.pem", "seedshare-owner.pem"])
      expect(statSync(join(ws, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(ws, "workload-owner.pem"), "utf8")).toStartWith(
      "-----BEGIN EC PRIVATE KEY-----",
    );
    expect(readFileSync(join(ws, "seedshare-owner.pem"), "utf8")).toStartWith(
      "-----BEGIN RSA PRIVATE KEY-----",
    );
  });

  test("second run → byte-identical files and no registry request (digests pinned, cache warm)", async () => {
    const before = registry.requests.length;
    const second = await generate(ws, ["--reference-values", "Metal-QEMU-SNP", "deploy"], registry);
    expect(second.code).toBe(EXIT.ok);
    expect(registry.requests.length).toBe(before);
    expect(snapshotTree(ws)).toEqual(afterFirst);
    expect(second.stderr).not.toContain("wrote ");
  });

  test("second run without --reference-values → platform read from the patched runtime classes, same bytes", async () => {
    const again = await generate(ws, ["deploy", "--offline"], registry);
    expect(again.code).toBe(EXIT.ok);
    expect(snapshotTree(ws)).toEqual(afterFirst);
  });
});

describe("contrast generate: user edits", () => {
  test("edited SANs, secret id and MinimumTCB → kept when a pod changes and the manifest is regenerated", async () => {
    const ws = workspace();
    const registry = fakeRegistry();
    const args = ["--reference-values", "Metal-QEMU-SNP", "deploy"];
    expect((await generate(ws, args, registry)).code).toBe(EXIT.ok);
    const raw = JSON.parse(readFileSync(join(ws, "manifest.json"), "utf8"));
    const webDigest = Object.keys(raw.Policies).find((d) => raw.Policies[d].SANs[0] === "web") as string;
    const voting = Object.keys(raw.Policies).find((d) => raw.Policies[d].SANs[0] === "voting") as string;
    raw.Policies[webDigest].SANs = ["web", "web.example.com", "10.0.0.7"];
    raw.Policies[voting].WorkloadSecretID = "voting-v2";
    raw.ReferenceValues.snp[1].MinimumTCB = {
      BootloaderVersion: 9,
      TEEVersion: 0,
      SNPVersion: 23,
      MicrocodeVersion: 72,
    };
    writeFileSync(join(ws, "manifest.json"), `${JSON.stringify(raw, null, 2)}\n`);
    // Change the web pod so its policy digest changes.
    const emojivoto = join(ws, "deploy", "emojivoto.yaml");
    writeFileSync(
      emojivoto,
      readFileSync(emojivoto, "utf8").replace(
        "value: emoji-svc.emojivoto:8080",
        "value: emoji-svc.emojivoto:8081",
      ),
    );
    const run = await generate(ws, args, registry);
    expect(run.code).toBe(EXIT.ok);
    const m = readManifest(ws);
    const web = Object.entries(m.Policies).find(([, e]) => e.SANs[0] === "web");
    expect(web?.[0]).not.toBe(webDigest);
    expect(web?.[1].SANs).toEqual(["web", "web.example.com", "10.0.0.7"]);
    expect(m.Policies[voting]?.WorkloadSecretID).toBe("voting-v2");
    expect(m.ReferenceValues.snp?.[1]?.MinimumTCB.MicrocodeVersion).toBe(72);
    expect(run.stderr).not.toContain("snp[1].MinimumTCB");
  });
});

describe("contrast generate: refused input leaves the workspace untouched", () => {
  const rows: [string, (ws: string) => string[], number, string][] = [
    [
      "no coordinator",
      (ws) => {
        Bun.spawnSync(["rm", join(ws, "deploy", "coordinator.yaml")]);
        return ["--reference-values", "Metal-QEMU-SNP", "deploy"];
      },
      EXIT.config,
      "(coordinator_policy_unknown)",
    ],
    [
      "malformed yaml in document 1",
      (ws) => {
        writeFileSync(join(ws, "deploy", "broken.yaml"), "kind: ConfigMap\n---\nkind: [unclosed\n");
        return ["--reference-values", "Metal-QEMU-SNP", "deploy"];
      },
      EXIT.config,
      "broken.yaml#1",
    ],
    [
      "unknown platform",
      () => ["--reference-values", "Metal-QEMU-SEV", "deploy"],
      EXIT.config,
      "(unknown_platform)",
    ],
    ["no platform at all", () => ["deploy"], EXIT.config, "(runtime_platform_missing)"],
    [
      "--sim-dir without sim",
      () => ["--reference-values", "Metal-QEMU-SNP", "--sim-dir", "sim", "deploy"],
      EXIT.usage,
      "--sim-dir",
    ],
    [
      "-d with -w",
      () => ["-d", "-w", "k.pem", "--reference-values", "CLH-SNP", "deploy"],
      EXIT.usage,
      "--disable-updates",
    ],
    ["no paths", () => ["--reference-values", "CLH-SNP"], EXIT.usage, "PATHS"],
    [
      "--coordinator-policy not a digest",
      () => ["--coordinator-policy", "abc", "--reference-values", "CLH-SNP", "deploy"],
      EXIT.usage,
      "--coordinator-policy",
    ],
    ["missing path", () => ["--reference-values", "CLH-SNP", "nope"], EXIT.config, "(input_path_missing)"],
    [
      "tags while --offline",
      () => ["--offline", "--reference-values", "CLH-SNP", "deploy"],
      EXIT.unavailable,
      "(image_not_cached)",
    ],
    [
      "two owner key files, one missing",
      (ws) => {
        writeFileSync(join(ws, "a.pem"), "not a key");
        return ["-w", "b.pem", "-w", "a.pem", "--reference-values", "CLH-SNP", "deploy"];
      },
      EXIT.config,
      "(key_file_missing)",
    ],
    [
      "invalid existing manifest",
      (ws) => {
        writeFileSync(join(ws, "manifest.json"), "{}");
        return ["--reference-values", "CLH-SNP", "deploy"];
      },
      EXIT.config,
      "(invalid_manifest)",
    ],
    [
      "bad image replacement line",
      (ws) => {
        writeFileSync(join(ws, "repl.txt"), "redis\n");
        return ["--image-replacements", "repl.txt", "--reference-values", "CLH-SNP", "deploy"];
      },
      EXIT.config,
      "repl.txt:1",
    ],
  ];
  for (const [name, setup, code, says] of rows) {
    test(`${name} → exit ${code}, nothing written`, async () => {
      const ws = workspace();
      const args = setup(ws);
      const before = snapshotTree(ws);
      const run = await generate(ws, args, fakeRegistry());
      expect(run.stderr).toContain(says);
      expect(run.code).toBe(code);
      expect(snapshotTree(ws)).toEqual(before);
    });
  }
  test("row count", () => expect(rows.length).toBe(13));
});

describe("contrast generate: flags", () => {
  test("--reference-values sim --sim-dir → the sim chain's values, a warning on stderr", async () => {
    const ws = workspace();
    await initSimDir(join(ws, "sim"));
    const run = await generate(
      ws,
      ["--reference-values", "sim", "--sim-dir", "sim", "deploy"],
      fakeRegistry(),
    );
    expect(run.code).toBe(EXIT.ok);
    const m = readManifest(ws);
    expect(m.ReferenceValues.snp?.length).toBe(1);
    expect(m.ReferenceValues.snp?.[0]?.SimulatedARK).toStartWith("-----BEGIN CERTIFICATE-----");
    expect(run.stderr).toContain("simulated TEE");
    // Switching to a real platform drops the sim entries (deny by default) and says so.
    const real = await generate(ws, ["--reference-values", "Metal-QEMU-SNP", "deploy"], fakeRegistry());
    expect(real.code).toBe(EXIT.ok);
    expect(readManifest(ws).ReferenceValues.snp?.some((e) => e.SimulatedARK !== undefined)).toBe(false);
    expect(real.stderr).toContain("dropped the previous manifest's snp sim reference values");
    expect(real.stderr).toMatch(
      /note: 9 pod templates with runtimeClassName contrast-cc-sim-[0-9a-f]{8} \(simulated TEE\) now run on Metal-QEMU-SNP/,
    );
  });

  test("-o FILE → inputs untouched, FILE holds every document; --workspace-dir prefixes defaults only", async () => {
    const ws = workspace();
    const inputs = snapshotTree(join(ws, "deploy"));
    const run = await generate(
      ws,
      ["-o", "out.yaml", "--workspace-dir", "state", "--reference-values", "Metal-QEMU-TDX", "deploy"],
      fakeRegistry(),
    );
    expect(run.code).toBe(EXIT.ok);
    expect(snapshotTree(join(ws, "deploy"))).toEqual(inputs);
    const docs = parseAllDocuments(readFileSync(join(ws, "out.yaml"), "utf8"));
    const total = Object.entries(inputs)
      .filter(([, kind]) => kind.startsWith("file"))
      .reduce((n, [path]) => n + parseAllDocuments(readFileSync(join(ws, "deploy", path), "utf8")).length, 0);
    expect(docs.length).toBe(total);
    for (const f of ["manifest.json", "rules.rego", "settings.json", "workload-owner.pem", "policies"])
      expect(existsSync(join(ws, "state", f))).toBe(true);
    const m = parseManifest(new Uint8Array(readFileSync(join(ws, "state", "manifest.json")))).manifest;
    expect(m.ReferenceValues.tdx?.[0]?.Xfam).toBe("e702060000000000");
    expect(m.ReferenceValues.tdx?.[0]?.MrTd).toBe(launchValuesFor("Metal-QEMU-TDX").tdx!.mrTd);
    expect(run.stderr).toContain("ReferenceValues.tdx[0].MrSeam");
  });

  test("--image-replacements, -d, --skip-initializer, --coordinator-host → applied", async () => {
    const ws = workspace();
    writeFileSync(join(ws, "repl.txt"), "# ours\nregistry.k8s.io/redis:e2e=localhost:5000/redis:7\n");
    const run = await generate(
      ws,
      [
        "--image-replacements",
        "repl.txt",
        "-d",
        "--skip-initializer",
        "--reference-values",
        "CLH-SNP",
        "deploy",
      ],
      fakeRegistry(),
    );
    expect(run.code).toBe(EXIT.ok);
    const guestbook = readFileSync(join(ws, "deploy", "guestbook.yaml"), "utf8");
    expect(guestbook).toMatch(/image: localhost:5000\/redis:7@sha256:[0-9a-f]{64}/);
    expect(guestbook).not.toContain("contrast-initializer");
    expect(readManifest(ws).WorkloadOwnerPubKeys).toEqual([]);
    expect(existsSync(join(ws, "workload-owner.pem"))).toBe(false);
    const ws2 = workspace();
    expect(
      (
        await generate(
          ws2,
          ["--coordinator-host", "coord.example", "--reference-values", "CLH-SNP", "deploy"],
          fakeRegistry(),
        )
      ).code,
    ).toBe(EXIT.ok);
    expect(readFileSync(join(ws2, "deploy", "guestbook.yaml"), "utf8")).toContain("value: coord.example");
  });

  test("-d → no owner in the manifest, but workload-owner.pem created and pinned as the key of the first set", async () => {
    const ws = workspace();
    const run = await generate(ws, ["-d", "--reference-values", "CLH-SNP", "deploy"], fakeRegistry());
    expect(run.code).toBe(EXIT.ok);
    expect(readManifest(ws).WorkloadOwnerPubKeys).toEqual([]);
    const key = await ownerPublicKeyHex(
      "workload-owner",
      readFileSync(join(ws, "workload-owner.pem"), "utf8"),
      "workload-owner.pem",
    );
    const pins = initdataOf(ws, NAMES).map((d) => parseCoordinatorPin(d.data[COORDINATOR_PIN_KEY]!));
    expect(pins.length).toBe(CONFIDENTIAL_PODS);
    for (const p of pins) expect(p.deploymentKeys).toEqual([key]);
  });

  /** `generate --coordinator-policy <digest>` for CLH-SNP in `ws`, against a fresh fake registry. */
  const generateWithCoordinatorPolicy = (ws: string, digest: string) =>
    generate(ws, ["--coordinator-policy", digest, "--reference-values", "CLH-SNP", "deploy"], fakeRegistry());

  test("--coordinator-policy without a Coordinator among the inputs → pinned, and the manifest's coordinator entry", async () => {
    const ws = workspace({ coordinator: false });
    const digest = "c".repeat(64);
    expect((await generateWithCoordinatorPolicy(ws, digest)).code).toBe(EXIT.ok);
    expect(readManifest(ws).Policies[digest]?.Role).toBe("coordinator");
    for (const d of initdataOf(ws, NAMES))
      expect(parseCoordinatorPin(d.data[COORDINATOR_PIN_KEY]!).coordinatorPolicies).toEqual([digest]);
  });

  test("--coordinator-policy with a Coordinator among the inputs → both pinned, the workload's in the manifest", async () => {
    const ws = workspace();
    const extra = "c".repeat(64);
    expect((await generateWithCoordinatorPolicy(ws, extra)).code).toBe(EXIT.ok);
    const own = Object.entries(readManifest(ws).Policies).find(([, e]) => e.Role === "coordinator")![0];
    expect(own).not.toBe(extra);
    const pin = parseCoordinatorPin(initdataOf(ws, ["guestbook"])[0]!.data[COORDINATOR_PIN_KEY]!);
    expect(pin.coordinatorPolicies).toEqual([own, extra].sort());
  });

  test("existing owner keys (private and public PEM) → listed, not replaced", async () => {
    const ws = workspace();
    const registry = fakeRegistry();
    expect((await generate(ws, ["--reference-values", "CLH-SNP", "deploy"], registry)).code).toBe(EXIT.ok);
    const keys = readManifest(ws).WorkloadOwnerPubKeys;
    const spki = Buffer.from(keys[0] as string, "hex").toString("base64");
    writeFileSync(join(ws, "second.pub"), `-----BEGIN PUBLIC KEY-----\n${spki}\n-----END PUBLIC KEY-----\n`);
    const run = await generate(
      ws,
      ["-w", "workload-owner.pem", "-w", "second.pub", "--reference-values", "CLH-SNP", "deploy"],
      registry,
    );
    expect(run.code).toBe(EXIT.ok);
    expect(readManifest(ws).WorkloadOwnerPubKeys).toEqual(keys);
  });
});

describe("contrast generate: the Initializer's image and the Coordinator's namespace", () => {
  /** The fake registry, except that nothing listens at the development images' registry. */
  function noDevRegistry() {
    const reg = fakeRegistry();
    return {
      requests: reg.requests,
      fetch: async (url: string) => {
        if (url.startsWith("http://localhost:5000/"))
          throw new TypeError("connect ECONNREFUSED 127.0.0.1:5000");
        return reg.fetch(url);
      },
    };
  }

  test("development build without a local registry → exit 6 naming --initializer-image and make release, not a workload", async () => {
    const ws = workspace({ coordinator: false });
    writeFileSync(
      join(ws, "deploy", "coordinator.yaml"),
      renderCoordinatorResources({ image: "ghcr.io/mirror/coordinator:v1" }),
    );
    const before = snapshotTree(ws);
    const run = await generate(ws, ["--reference-values", "CLH-SNP", "deploy"], noDevRegistry());
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.stderr).toContain(
      "error: the injected initializer (--initializer-image): image localhost:5000/",
    );
    expect(run.stderr).toContain("make release");
    expect(run.stderr).not.toMatch(/error: deploy\//);
    expect(snapshotTree(ws)).toEqual(before);
  });

  test("--initializer-image REF → injected and pinned; the development registry never asked", async () => {
    const ws = workspace({ coordinator: false });
    writeFileSync(
      join(ws, "deploy", "coordinator.yaml"),
      renderCoordinatorResources({ image: "ghcr.io/mirror/coordinator:v1" }),
    );
    const reg = noDevRegistry();
    const run = await generate(
      ws,
      ["--initializer-image", "ghcr.io/mirror/initializer:v1", "--reference-values", "CLH-SNP", "deploy"],
      reg,
    );
    expect(run.code).toBe(EXIT.ok);
    expect(readFileSync(join(ws, "deploy", "emojivoto.yaml"), "utf8")).toMatch(
      /image: ghcr\.io\/mirror\/initializer:v1@sha256:[0-9a-f]{64}/,
    );
    expect(reg.requests.some((u) => u.includes("localhost:5000"))).toBe(false);
  });

  test("--coordinator-namespace → FQDN in every Initializer; without it and without a namespace → default, with a note", async () => {
    const ws = workspace();
    const run = await generate(
      ws,
      ["--coordinator-namespace", "contrast-system", "--reference-values", "CLH-SNP", "deploy"],
      fakeRegistry(),
    );
    expect(run.code).toBe(EXIT.ok);
    const emojivoto = readFileSync(join(ws, "deploy", "emojivoto.yaml"), "utf8");
    expect(emojivoto.match(/value: coordinator\.contrast-system\.svc\.cluster\.local$/gm)?.length).toBe(4);
    expect(run.stderr).not.toContain("names no namespace");
    const guessed = await generate(workspace(), ["--reference-values", "CLH-SNP", "deploy"], fakeRegistry());
    expect(guessed.stderr).toContain(
      "note: the Coordinator document names no namespace: Initializers look for coordinator.default.svc.cluster.local",
    );
  });

  test("--coordinator-namespace contradicting the Coordinator document → exit 3, nothing written", async () => {
    const ws = workspace({ coordinator: false });
    writeFileSync(
      join(ws, "deploy", "coordinator.yaml"),
      renderCoordinatorResources({ image: COORDINATOR_IMAGE.reference, namespace: "default" }),
    );
    const before = snapshotTree(ws);
    const run = await generate(
      ws,
      ["--coordinator-namespace", "emojivoto", "--reference-values", "CLH-SNP", "deploy"],
      fakeRegistry(),
    );
    expect(run.stderr).toContain("(coordinator_namespace_mismatch)");
    expect(run.code).toBe(EXIT.config);
    expect(snapshotTree(ws)).toEqual(before);
  });
});
