import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ConfigError, type ContrastError, ParseError, UnavailableError } from "../../src/common/errors.ts";
import { ANNOTATION_INITDATA } from "../../src/kube/contrast-annotations.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { validateObject } from "../../src/kube/validate-object.ts";
import { type GenerateOptions, generateDeployment } from "../../src/policy/generate-deployment.ts";
import { decodeInitdataAnnotation } from "../../src/policy/initdata.ts";
import { expectGolden } from "../support/golden.ts";
import { diffLines } from "../support/line-diff.ts";
import { testdata } from "../support/testdata.ts";
import { fakeImageResolver, TEST_INITIALIZER_IMAGE, testGenerateOptions } from "./fake-images.ts";

const TESTDATA = join(import.meta.dir, "..", "testdata", "k8s");
const SHARED = testdata("k8s", "upstream");
const GOLDEN = join(TESTDATA, "golden");
const golden = (name: string, actual: string) => expectGolden(join(GOLDEN, name), actual);
const NAMES = ["guestbook", "emojivoto", "cassandra-statefulset"] as const;

const options = testGenerateOptions;

function confidentialFiles() {
  return NAMES.map((n) => ({
    path: `${n}.yaml`,
    text: readFileSync(join(TESTDATA, `${n}.confidential.yaml`), "utf8"),
  }));
}

describe("generateDeployment", async () => {
  const first = await generateDeployment(options(confidentialFiles()));

  test("real-world YAML made confidential → output and policy data match golden files", () => {
    let ran = 0;
    for (const [i, name] of NAMES.entries()) {
      golden(`${name}.yaml`, first.outputs[i]?.text ?? "");
      const pods = first.pods.filter((p) => p.file === `${name}.yaml`);
      golden(
        `${name}.policy-data.json`,
        `${JSON.stringify(
          pods.map((p) => ({ name: p.name, digest: p.digest, policyData: p.policyData })),
          null,
          2,
        )}\n`,
      );
      ran++;
    }
    expect(ran).toBe(3);
    expect(first.pods.map((p) => p.name)).toEqual([
      "redis-master",
      "redis-replica",
      "frontend",
      "web",
      "emoji",
      "voting",
      "vote-bot",
      "cassandra",
    ]);
  });

  test("second run on the output → byte-identical YAML and identical digests", async () => {
    const second = await generateDeployment(options(first.outputs));
    expect(second.outputs.map((o) => o.text)).toEqual(first.outputs.map((o) => o.text));
    expect(second.pods.map((p) => p.digest)).toEqual(first.pods.map((p) => p.digest));
    expect(second.pinnedImages).toEqual([]);
  });

  test("non-confidential documents → byte-identical to the input", () => {
    let checked = 0;
    for (const i of NAMES.keys()) {
      const input = confidentialFiles()[i]?.text ?? "";
      const inDocs = parseAllDocuments(input) as {
        range: [number, number, number];
        toJS(): { spec?: unknown; kind?: string };
      }[];
      for (const d of inDocs) {
        const js = d.toJS();
        if (["Deployment", "StatefulSet"].includes(js.kind ?? "")) continue;
        expect(first.outputs[i]?.text).toContain(input.slice(d.range[0], d.range[2]));
        checked++;
      }
    }
    expect(checked).toBe(3 + 7 + 2);
  });

  test("confidential documents → only runtime class and image lines change, every other line kept as written", () => {
    // One runtimeClassName per pod template and one image line per container must change; the rest is added.
    const mustChange: Record<(typeof NAMES)[number], number> = {
      guestbook: 3 + 3,
      emojivoto: 4 + 4,
      "cassandra-statefulset": 1 + 1,
    };
    let ran = 0;
    for (const [i, name] of NAMES.entries()) {
      const { removed, added } = diffLines(confidentialFiles()[i]!.text, first.outputs[i]!.text);
      expect(removed.length).toBe(mustChange[name]);
      for (const line of removed)
        expect(line).toMatch(/^ +(runtimeClassName: contrast-cc|image: \S+)( +#.*)?$/);
      for (const line of removed) {
        const value = line.split(" #")[0]!.trimEnd();
        const changed = line.includes("image:")
          ? `${value}@sha256:`
          : value.replace("contrast-cc", "contrast-cc-metal-qemu-snp-0a1b2c3d");
        expect(added.filter((a) => a.startsWith(changed)).length).toBeGreaterThan(0);
      }
      ran++;
    }
    expect(ran).toBe(3);
  });

  test("one env value edited in the output → regenerated output differs from the edit only in that pod's initdata", async () => {
    const files = first.outputs.map((o) => ({ ...o }));
    const cassandra = files[2]!;
    const edited = cassandra.text.replace('value: "DC1-K8Demo"', 'value: "DC2-K8Demo"');
    expect(edited).not.toBe(cassandra.text);
    files[2] = { ...cassandra, text: edited };
    const again = await generateDeployment(options(files));
    const { removed, added } = diffLines(edited, again.outputs[2]!.text);
    expect(removed.length).toBe(1);
    expect(added.length).toBe(1);
    expect(removed[0]).toMatch(/^ {8}io\.katacontainers\.config\.hypervisor\.cc_init_data: \S+$/);
    expect(added[0]).toMatch(/^ {8}io\.katacontainers\.config\.hypervisor\.cc_init_data: \S+$/);
    expect(again.outputs.slice(0, 2).map((o) => o.text)).toEqual(
      first.outputs.slice(0, 2).map((o) => o.text),
    );
  });

  test("unconfidential originals → output equals input and no pods", async () => {
    const files = NAMES.map((n) => ({
      path: `${n}.yaml`,
      text: readFileSync(join(SHARED, `${n}.yaml`), "utf8"),
    }));
    const r = await generateDeployment(options(files));
    expect(r.outputs.map((o) => o.text)).toEqual(files.map((f) => f.text));
    expect(r.pods).toEqual([]);
  });

  test("every emitted workload → validates with kubernetes-models and carries a decodable initdata", () => {
    let ran = 0;
    for (const out of first.outputs) {
      for (const [docIndex, d] of parseAllDocuments(out.text).entries()) {
        const js = d.toJS() as Record<string, unknown> & {
          kind: string;
          spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
        };
        if (!["Deployment", "StatefulSet"].includes(js.kind)) continue;
        validateObject(js, { file: out.path, docIndex });
        const ann = js.spec?.template?.metadata?.annotations?.[ANNOTATION_INITDATA] ?? "";
        const pod = first.pods.find((p) => p.file === out.path && p.docIndex === docIndex);
        expect(decodeInitdataAnnotation(ann).digest).toBe(pod?.digest ?? "");
        ran++;
      }
    }
    expect(ran).toBe(8);
  });

  test("tag-only images → pinned to the resolved digest in YAML and reported", () => {
    expect(first.pinnedImages.length).toBe(8);
    expect(first.outputs[0]?.text).toContain("image: registry.k8s.io/redis:e2e@sha256:");
  });

  test("workload identity → default secret id and SANs", () => {
    const web = first.pods.find((p) => p.name === "web");
    expect(web?.workloadSecretId).toBe("apps/v1/Deployment/emojivoto/web");
    expect(web?.sans).toEqual(["web", "*"]);
    expect(first.pods.find((p) => p.name === "cassandra")?.workloadSecretId).toBe(
      "apps/v1/StatefulSet/default/cassandra",
    );
  });
});

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    contrast.edgeless.systems/workload-secret-id: custom-id
spec:
  runtimeClassName: contrast-cc
  containers:
  - name: app
    image: nginx@sha256:${"b".repeat(64)}
`;

describe("generateDeployment options", () => {
  test("coordinator role → no initializer, role reported", async () => {
    const text = POD.replace(
      "  annotations:\n",
      "  annotations:\n    contrast.edgeless.systems/pod-role: coordinator\n",
    );
    const r = await generateDeployment(options([{ path: "c.yaml", text }]));
    expect(r.outputs[0]?.text).not.toContain("contrast-initializer");
    expect(r.pods[0]?.role).toBe("coordinator");
  });

  test("skip-initializer annotation or flag → no initializer", async () => {
    const text = POD.replace(
      "  annotations:\n",
      '  annotations:\n    contrast.edgeless.systems/skip-initializer: "true"\n',
    );
    expect((await generateDeployment(options([{ path: "a.yaml", text }]))).outputs[0]?.text).not.toContain(
      "contrast-initializer",
    );
    const flag = await generateDeployment(
      options([{ path: "a.yaml", text: POD }], { skipInitializer: true }),
    );
    expect(flag.outputs[0]?.text).not.toContain("contrast-initializer");
  });

  test("workload-secret-id annotation → overrides the default", async () => {
    const r = await generateDeployment(options([{ path: "a.yaml", text: POD }]));
    expect(r.pods[0]?.workloadSecretId).toBe("custom-id");
    expect(r.outputs[0]?.text).toContain("runtimeClassName: contrast-cc-metal-qemu-snp-0a1b2c3d");
  });

  test("platform runtime class → handler for that platform", async () => {
    const text = POD.replace("contrast-cc\n", "contrast-cc-metal-qemu-tdx\n");
    const r = await generateDeployment(options([{ path: "a.yaml", text }]));
    expect(r.outputs[0]?.text).toContain("runtimeClassName: contrast-cc-metal-qemu-tdx-0a1b2c3d");
  });
});

describe("generateDeployment: who lifts the guest's default-deny rule", () => {
  const MESH_IMAGE = `ghcr.io/edgelesssys/contrast/service-mesh:v1.0.0@sha256:${"2".repeat(64)}`;
  const EGRESS = "    contrast.edgeless.systems/servicemesh-egress: db#127.137.0.1:5432#db:5432\n";
  const meshPod = POD.replace("  annotations:\n", `  annotations:\n${EGRESS}`);
  interface Init {
    name: string;
    env?: { name: string; value: string }[];
    securityContext?: { capabilities?: { add?: string[] } };
  }
  const initializerOf = async (text: string, extra: Partial<GenerateOptions> = {}) => {
    const r = await generateDeployment(
      options([{ path: "a.yaml", text }], { serviceMeshImage: MESH_IMAGE, ...extra }),
    );
    const js = parseAllDocuments(r.outputs[0]?.text ?? "")[0]?.toJS() as {
      metadata: { annotations: Record<string, string> };
      spec: { initContainers: Init[] };
    };
    const init = js.spec.initContainers.find((c) => c.name === "contrast-initializer") as Init;
    const annotation = js.metadata.annotations[ANNOTATION_INITDATA] as string;
    const policy = new TextDecoder().decode(decodeInitdataAnnotation(annotation).toml);
    return {
      names: js.spec.initContainers.map((c) => c.name),
      env: (init.env ?? []).map((e) => `${e.name}=${e.value}`),
      caps: init.securityContext?.capabilities?.add ?? [],
      policy,
    };
  };

  test("pod without mesh annotation → Initializer gets CONTRAST_SERVICE_MESH_DISABLED=true and NET_ADMIN, in its policy", async () => {
    const i = await initializerOf(POD);
    expect(i.names).toEqual(["contrast-initializer"]);
    expect(i.env).toContain("CONTRAST_SERVICE_MESH_DISABLED=true");
    expect(i.caps).toEqual(["NET_ADMIN"]);
    expect(i.policy).toContain("CONTRAST_SERVICE_MESH_DISABLED=true");
  });

  test("pod with the sidecar → Initializer gets neither (the sidecar lifts the rule after its own rules)", async () => {
    const i = await initializerOf(meshPod);
    expect(i.names).toEqual(["contrast-initializer", "contrast-service-mesh"]);
    expect(i.env.some((e) => e.startsWith("CONTRAST_SERVICE_MESH_DISABLED"))).toBe(false);
    expect(i.caps).toEqual([]);
  });

  test("mesh annotation with skipServiceMesh → no sidecar, so the Initializer lifts the rule", async () => {
    const i = await initializerOf(meshPod, { skipServiceMesh: true });
    expect(i.names).toEqual(["contrast-initializer"]);
    expect(i.env).toContain("CONTRAST_SERVICE_MESH_DISABLED=true");
    expect(i.caps).toEqual(["NET_ADMIN"]);
  });

  test("output of a mesh run regenerated with skipServiceMesh → the sidecar stays, the Initializer gets neither", async () => {
    const once = await generateDeployment(
      options([{ path: "a.yaml", text: meshPod }], { serviceMeshImage: MESH_IMAGE }),
    );
    const i = await initializerOf(once.outputs[0]?.text ?? "", { skipServiceMesh: true });
    expect(i.names).toEqual(["contrast-initializer", "contrast-service-mesh"]);
    expect(i.caps).toEqual([]);
  });
});

describe("generateDeployment: Coordinator in another namespace", () => {
  const emojivoto = () => [
    { path: "emojivoto.yaml", text: readFileSync(join(TESTDATA, "emojivoto.confidential.yaml"), "utf8") },
  ];
  const coordinator = (namespace?: string) => ({
    path: "coordinator.yaml",
    text: renderCoordinatorResources({
      image: TEST_INITIALIZER_IMAGE,
      ...(namespace === undefined ? {} : { namespace }),
    }),
  });
  const hostsOf = (r: Awaited<ReturnType<typeof generateDeployment>>) => {
    const out = new Set<unknown>();
    for (const doc of parseAllDocuments(r.outputs[0]?.text ?? "")) {
      const init = doc.getIn(["spec", "template", "spec", "initContainers", 0]) as
        | { toJSON(): { name: string; env: { name: string; value: string }[] } }
        | undefined;
      if (init !== undefined) out.add(init.toJSON().env.find((e) => e.name === "COORDINATOR_HOST")?.value);
    }
    return [...out];
  };

  test("emojivoto pods, Coordinator document in default → Initializers use coordinator.default.svc.cluster.local, pinned in each policy", async () => {
    const r = await generateDeployment(options([...emojivoto(), coordinator("default")]));
    expect(hostsOf(r)).toEqual(["coordinator.default.svc.cluster.local"]);
    const pods = r.pods.filter((p) => p.namespace === "emojivoto");
    expect(pods.length).toBe(4);
    for (const p of pods)
      expect(new TextDecoder().decode(p.initdataToml)).toContain(
        "COORDINATOR_HOST=coordinator.default.svc.cluster.local",
      );
    expect(r.coordinator).toMatchObject({ namespace: "default", from: "document" });
  });

  test("Coordinator document in contrast-system → that namespace; --coordinator-namespace for a document without one", async () => {
    const fromDoc = await generateDeployment(options([...emojivoto(), coordinator("contrast-system")]));
    expect(hostsOf(fromDoc)).toEqual(["coordinator.contrast-system.svc.cluster.local"]);
    const fromFlag = await generateDeployment(
      options([...emojivoto(), coordinator()], { coordinatorNamespace: "contrast-system" }),
    );
    expect(hostsOf(fromFlag)).toEqual(["coordinator.contrast-system.svc.cluster.local"]);
    const guessed = await generateDeployment(options([...emojivoto(), coordinator()]));
    expect(guessed.coordinator.from).toBe("default");
    expect(hostsOf(guessed)).toEqual(["coordinator.default.svc.cluster.local"]);
  });

  test("--coordinator-namespace contradicting the Coordinator document → ConfigError coordinator_namespace_mismatch", async () => {
    const e = await generateDeployment(
      options([...emojivoto(), coordinator("default")], { coordinatorNamespace: "emojivoto" }),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ContrastError).code).toBe("coordinator_namespace_mismatch");
  });
});

describe("generateDeployment bad input", () => {
  /** Fails for the workload's image only (the Initializer's resolves): the error must name the workload. */
  const failing = (error: Error) => {
    const ok = fakeImageResolver();
    return async (ref: string) => {
      if (ref === TEST_INITIALIZER_IMAGE) return ok(ref);
      throw error;
    };
  };
  const unreachable = new UnavailableError("image_pull_failed", "image nginx: registry unreachable");
  const notFound = new ConfigError(
    "image_not_found",
    "image docker.io/library/nginx:nope: tag nope not found",
  );
  const rows: [string, string, Partial<GenerateOptions>, typeof ContrastError, string, string][] = [
    ["malformed yaml", "kind: Pod\n---\nspec: [\n", {}, ParseError, "yaml_malformed", "bad.yaml#1"],
    [
      "unknown kind with a confidential pod template",
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      runtimeClassName: contrast-cc\n      containers: [{name: a, image: b}]\n",
      {},
      ConfigError,
      "workload_kind_unsupported",
      "bad.yaml#0 (Rollout r)",
    ],
    ["duplicate names", `${POD}---\n${POD}`, {}, ConfigError, "duplicate_object", "bad.yaml#1 (Pod app)"],
    [
      "unreachable registry",
      POD,
      { imageResolver: failing(unreachable) },
      UnavailableError,
      "image_pull_failed",
      "bad.yaml#0 (Pod app)",
    ],
    [
      "image not in the registry (404)",
      POD,
      { imageResolver: failing(notFound) },
      ConfigError,
      "image_not_found",
      "bad.yaml#0 (Pod app)",
    ],
    [
      "invalid image reference",
      POD.replace(`image: nginx@sha256:${"b".repeat(64)}`, "image: Nginx:latest"),
      { imageResolver: fakeImageResolver() },
      ConfigError,
      "image_reference_invalid",
      "bad.yaml#0 (Pod app)",
    ],
    [
      "non-emptyDir contrast-secrets",
      `${POD}  volumes:\n  - name: contrast-secrets\n    secret: {secretName: x}\n`,
      {},
      ConfigError,
      "contrast_secrets_volume_conflict",
      "bad.yaml#0 (Pod app)",
    ],
    [
      "schema violation",
      POD.replace("  - name: app\n", "  - name: 7\n"),
      {},
      ConfigError,
      "k8s_schema_invalid",
      "bad.yaml#0 (Pod app)",
    ],
    [
      "missing ConfigMap key",
      POD.replace(
        "    image:",
        "    env: [{name: X, valueFrom: {configMapKeyRef: {name: cm, key: k}}}]\n    image:",
      ),
      {},
      ConfigError,
      "env_unresolvable",
      "bad.yaml#0 (Pod app)",
    ],
    [
      "unknown platform",
      POD,
      {
        handlerFor: () => {
          throw new ConfigError("unknown_platform", "no such platform");
        },
      },
      ConfigError,
      "unknown_platform",
      "bad.yaml#0 (Pod app)",
    ],
  ];
  for (const [what, text, extra, cls, code, where] of rows) {
    test(`${what} → ${cls.name} ${code} naming ${where}`, async () => {
      try {
        await generateDeployment(options([{ path: "bad.yaml", text }], extra));
        throw new Error("expected an error");
      } catch (e) {
        expect(e).toBeInstanceOf(cls);
        expect((e as ContrastError).code as string).toBe(code);
        expect((e as Error).message.startsWith(where)).toBe(true);
      }
    });
  }
  test("row count", () => expect(rows.length).toBe(10));

  const initializerFailures: [string, Error, typeof ContrastError, string][] = [
    ["unreachable", unreachable, UnavailableError, "image_pull_failed"],
    ["not found", notFound, ConfigError, "image_not_found"],
  ];
  for (const [what, error, cls, code] of initializerFailures) {
    test(`initializer image ${what} → ${cls.name} ${code} naming --initializer-image, not the workload`, async () => {
      const ok = fakeImageResolver();
      const resolver = async (ref: string) => {
        if (ref === TEST_INITIALIZER_IMAGE) throw error;
        return ok(ref);
      };
      const e = await generateDeployment(
        options([{ path: "bad.yaml", text: POD }], { imageResolver: resolver }),
      ).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(cls);
      expect((e as ContrastError).code as string).toBe(code);
      expect((e as ContrastError).field).toBe("--initializer-image");
      expect((e as Error).message).toStartWith("the injected initializer (--initializer-image): ");
      expect((e as Error).message).not.toContain("bad.yaml");
    });
  }
});
