// `contrast generate` with service mesh annotations: injection, --skip-service-mesh, and refusal with the path.

import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import { EXIT } from "../../src/common/errors.ts";
import { ANNOTATION_INITDATA } from "../../src/kube/contrast-annotations.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { COORDINATOR_IMAGE, INITIALIZER_IMAGE, SERVICE_MESH_IMAGE } from "../../src/kube/release-images.ts";
import { decodeInitdataAnnotation } from "../../src/policy/initdata.ts";
import { createFakeRegistry } from "../policy/image/registry-fixture.ts";
import { runInProcess } from "../support/run-in-process.ts";

const APP_IMAGE = "registry.test/team/app:v1";

const pod = (annotation: string) => `apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    ${annotation}
spec:
  runtimeClassName: contrast-cc
  containers:
  - name: web
    image: ${APP_IMAGE}
`;

/** A workspace whose images all resolve through the fake registry (via --image-replacements). */
function workspace(annotation: string): string {
  const ws = mkdtempSync(join(tmpdir(), "contrast-generate-mesh-"));
  mkdirSync(join(ws, "deploy"));
  writeFileSync(join(ws, "deploy", "web.yaml"), pod(annotation));
  const coordinator = renderCoordinatorResources({ image: COORDINATOR_IMAGE.reference });
  writeFileSync(join(ws, "deploy", "coordinator.yaml"), coordinator);
  const ours = [INITIALIZER_IMAGE, SERVICE_MESH_IMAGE, COORDINATOR_IMAGE].map((i) => i.reference);
  const repl = ours.map((r) => `${r}=${APP_IMAGE}`);
  writeFileSync(join(ws, "repl.txt"), `${repl.join("\n")}\n`);
  return ws;
}

async function generate(ws: string, extra: string[] = []) {
  const registry = createFakeRegistry();
  const fetch = (url: string, init?: RequestInit) => Promise.resolve(registry.app.request(url, init));
  const paths = (p: string) => join(ws, p);
  return runInProcess(
    (cli) => registerGenerate(cli, { fetch, rsaBits: 2048, stderr: () => {} }),
    [
      "generate",
      // Before another flag: cac 7 lets a multi-word boolean flag swallow a following positional (project-wide).
      ...extra,
      "--workspace-dir",
      ws,
      "--image-replacements",
      paths("repl.txt"),
      "--reference-values",
      "Metal-QEMU-SNP",
      paths("deploy"),
    ],
  );
}

const EGRESS = "contrast.edgeless.systems/servicemesh-egress: db#127.137.0.1:5432#db:5432";

describe("contrast generate: service mesh", () => {
  test("egress annotation → sidecar after the Initializer, and in the pod's policy", async () => {
    const ws = workspace(EGRESS);
    const r = await generate(ws);
    expect(r.code).toBe(EXIT.ok);
    const doc = parseDocument(readFileSync(join(ws, "deploy", "web.yaml"), "utf8")).toJS();
    const names = doc.spec.initContainers.map((c: { name: string }) => c.name);
    expect(names).toEqual(["contrast-initializer", "contrast-service-mesh"]);
    const { toml } = decodeInitdataAnnotation(doc.metadata.annotations[ANNOTATION_INITDATA]);
    const policy = new TextDecoder().decode(toml);
    expect(policy).toContain("CONTRAST_EGRESS_PROXY_CONFIG=db#127.137.0.1:5432#db:5432");
    expect(policy).toContain("check-ready");
  });

  test("--skip-service-mesh → no sidecar", async () => {
    const ws = workspace(EGRESS);
    expect((await generate(ws, ["--skip-service-mesh"])).code).toBe(EXIT.ok);
    expect(readFileSync(join(ws, "deploy", "web.yaml"), "utf8")).not.toContain("contrast-service-mesh");
  });

  test("malformed annotation → exit 3 naming the annotation, nothing written", async () => {
    const ws = workspace("contrast.edgeless.systems/servicemesh-ingress: web#8080#maybe");
    const before = readdirSync(ws).sort();
    const r = await generate(ws);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toContain("contrast.edgeless.systems/servicemesh-ingress[0].disableTLS");
    expect(r.stderr).toContain("(service_mesh_config_invalid)");
    expect(readdirSync(ws).sort()).toEqual(before);
    expect(readFileSync(join(ws, "deploy", "web.yaml"), "utf8")).toBe(
      pod("contrast.edgeless.systems/servicemesh-ingress: web#8080#maybe"),
    );
  });
});
