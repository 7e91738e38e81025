import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ConfigError } from "../../src/common/errors.ts";
import {
  COORDINATOR_PORTS,
  generateCoordinatorResources,
  renderCoordinatorResources,
} from "../../src/kube/coordinator-resources.ts";
import { selectWorkloads } from "../../src/kube/select-workloads.ts";
import { parseYamlFile } from "../../src/kube/yaml-documents.ts";
import { expectGolden } from "../support/golden.ts";

const GOLDEN = join(import.meta.dir, "..", "testdata", "coordinator", "coordinator.golden.yaml");
const IMAGE = `registry.example/contrast/coordinator@sha256:${"ab".repeat(32)}`;

describe("renderCoordinatorResources", () => {
  test("namespace and pinned image → matches the golden file (UPDATE_GOLDEN=1 rewrites it)", () => {
    const text = renderCoordinatorResources({ image: IMAGE, namespace: "contrast" });
    expectGolden(GOLDEN, text);
  });

  test("output → three documents that generate sees as one confidential Coordinator workload", () => {
    const text = renderCoordinatorResources({ image: IMAGE });
    const docs = parseAllDocuments(text);
    expect(docs.map((d) => d.get("kind"))).toEqual(["StatefulSet", "Service", "Service"]);
    const selection = selectWorkloads([parseYamlFile({ path: "coordinator.yaml", text })]);
    expect(selection.workloads.length).toBe(1);
    expect(selection.workloads[0]?.role).toBe("coordinator");
    expect(selection.workloads[0]?.runtimeClassName).toBe("contrast-cc");
  });
});

describe("generateCoordinatorResources", () => {
  const [sts, all, ready] = generateCoordinatorResources({ image: IMAGE });
  const container = sts.spec?.template.spec?.containers[0];

  test("StatefulSet → state volume at the --state-dir, ports 1313/7777/9102, probes on 9102", () => {
    expect(container?.args).toEqual(["--state-dir", "/var/lib/contrast"]);
    expect(container?.volumeMounts).toEqual([{ name: "state", mountPath: "/var/lib/contrast" }]);
    expect(sts.spec?.volumeClaimTemplates?.[0]?.metadata?.name).toBe("state");
    expect(container?.ports?.map((p) => p.containerPort)).toEqual([1313, 7777, 9102]);
    for (const probe of [container?.startupProbe, container?.livenessProbe, container?.readinessProbe])
      expect(probe?.httpGet?.port).toBe(COORDINATOR_PORTS.probes);
  });

  test("Services → coordinator publishes not-ready addresses, coordinator-ready does not", () => {
    expect([all.metadata?.name, all.spec?.publishNotReadyAddresses]).toEqual(["coordinator", true]);
    expect([ready.metadata?.name, ready.spec?.publishNotReadyAddresses]).toEqual([
      "coordinator-ready",
      undefined,
    ]);
    expect(ready.spec?.ports?.map((p) => p.port)).toEqual([1313, 7777]);
  });

  for (const ns of ["", "Upper", "a_b", "-x", "x".repeat(64)]) {
    test(`namespace ${JSON.stringify(ns)} → ConfigError invalid_namespace`, () => {
      expect(() => generateCoordinatorResources({ image: IMAGE, namespace: ns })).toThrow(ConfigError);
    });
  }
});
