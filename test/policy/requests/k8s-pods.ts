// Test helper: the k8s testdata copies run through `generate`, then read back as the CLI does (policy text + pod template).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateDeployment } from "../../../src/policy/generate-deployment.ts";
import {
  type BuildRequestsOptions,
  buildPodRequests,
  type PodRequests,
} from "../../../src/policy/requests/build-pod-requests.ts";
import { type GeneratedPodPolicy, readGeneratedPods } from "../../../src/policy/requests/generated-pods.ts";
import { fakeImageResolver, testGenerateOptions } from "../fake-images.ts";

export const K8S_TESTDATA = join(import.meta.dir, "..", "..", "testdata", "k8s");
export const K8S_NAMES = ["guestbook", "emojivoto", "cassandra-statefulset"] as const;

export interface GeneratedFile {
  readonly path: string;
  readonly text: string;
}

export interface CheckedPod {
  readonly policy: GeneratedPodPolicy;
  readonly built: PodRequests;
}

/** Generates the confidential copies with the fake resolver; returns the output files and every pod's requests. */
export async function generateK8sTestdata(
  names: readonly string[] = K8S_NAMES,
  opts: BuildRequestsOptions = {},
): Promise<{ outputs: GeneratedFile[]; pods: CheckedPod[] }> {
  const files = names.map((n) => ({
    path: `${n}.yaml`,
    text: readFileSync(join(K8S_TESTDATA, `${n}.confidential.yaml`), "utf8"),
  }));
  const resolver = fakeImageResolver();
  const r = await generateDeployment(testGenerateOptions(files, { imageResolver: resolver }));
  const policies = await readGeneratedPods(r.outputs, resolver);
  return {
    outputs: [...r.outputs],
    pods: policies.map((policy) => ({ policy, built: buildPodRequests(policy.pod, policy.images, opts) })),
  };
}
