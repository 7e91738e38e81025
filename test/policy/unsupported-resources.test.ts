import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/common/errors.ts";
import { generateDeployment } from "../../src/policy/generate-deployment.ts";
import { testGenerateOptions } from "./fake-images.ts";

function deployment(container: Record<string, unknown>, init = false): string {
  const c = { name: "cuda", image: "nvcr.io/nvidia/cuda:12.4.0-base-ubuntu22.04", ...container };
  const spec = init
    ? { initContainers: [c], containers: [{ name: "app", image: "registry.example/app:1" }] }
    : { containers: [c] };
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "trainer", namespace: "ml" },
    spec: {
      selector: { matchLabels: { app: "trainer" } },
      template: {
        metadata: { labels: { app: "trainer" } },
        spec: { runtimeClassName: "contrast-cc", ...spec },
      },
    },
  });
}

function generate(text: string) {
  return generateDeployment(testGenerateOptions([{ path: "gpu.yaml", text }]));
}

describe("generate with GPU resources", () => {
  const rows: [string, string, string][] = [
    [
      "limits nvidia.com/gpu",
      deployment({ resources: { limits: { "nvidia.com/gpu": 1 } } }),
      "nvidia.com/gpu",
    ],
    [
      "requests of a MIG profile in an init container",
      deployment({ resources: { requests: { "nvidia.com/mig-1g.5gb": 1 } } }, true),
      "nvidia.com/mig-1g.5gb",
    ],
    [
      "limits of a passthrough GPU model",
      deployment({ resources: { limits: { cpu: "1", "nvidia.com/GH100_H100_PCIE": 1 } } }),
      "nvidia.com/GH100_H100_PCIE",
    ],
  ];
  for (const [what, text, resource] of rows) {
    test(`${what} → ConfigError gpu_unsupported naming the pod, container and resource`, async () => {
      const err = await generate(text).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe("gpu_unsupported");
      expect((err as ConfigError).message).toContain("Deployment trainer");
      expect((err as ConfigError).message).toContain("container cuda");
      expect((err as ConfigError).message).toContain(resource);
    });
  }

  test("cpu and memory only → generated", async () => {
    const r = await generate(deployment({ resources: { limits: { cpu: "1", memory: "1Gi" } } }));
    expect(r.pods.length).toBe(1);
  });
});
