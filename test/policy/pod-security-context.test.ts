// Pod-level securityContext reaches the sandbox (pause) container: containerd runs it as runAsUser[:runAsGroup]
// with fsGroup and supplementalGroups; the policy must allow exactly that (Kata does) and the request builder send it.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ConfigError } from "../../src/common/errors.ts";
import { PolicySession } from "../../src/policy/evaluate.ts";
import { generateDeployment } from "../../src/policy/generate-deployment.ts";
import { DEFAULT_RULES_TEXT, renderPolicy } from "../../src/policy/render-policy.ts";
import { buildPodRequests } from "../../src/policy/requests/build-pod-requests.ts";
import { readGeneratedPods } from "../../src/policy/requests/generated-pods.ts";
import { fillRequestDefaults } from "../../src/policy/requests/protobuf-defaults.ts";
import { sandboxUser } from "../../src/policy/sandbox-user.ts";
import { testdata } from "../support/testdata.ts";
import { fakeImageResolver, testGenerateOptions } from "./fake-images.ts";

const FIXTURE = join(testdata("policy", "kata"), "createcontainer", "ignored_fields");
type Json = Record<string, unknown>;

/** Kata's ignored_fields pod (its recorded request is the sandbox container) with a pod securityContext. */
async function generateWith(securityContext: Json | undefined) {
  const pod = parse(readFileSync(join(FIXTURE, "pod.yaml"), "utf8")) as { spec: Json };
  pod.spec.runtimeClassName = "contrast-cc";
  if (securityContext !== undefined) pod.spec.securityContext = securityContext;
  const resolver = fakeImageResolver();
  const r = await generateDeployment(
    testGenerateOptions([{ path: "pod.yaml", text: stringify(pod) }], {
      skipInitializer: true,
      imageResolver: resolver,
    }),
  );
  const [policy] = await readGeneratedPods(r.outputs, resolver);
  return { policy: policy!, text: renderPolicy(DEFAULT_RULES_TEXT, r.pods[0]!.policyData) };
}

/** Kata's recorded sandbox request with the user containerd would set. */
function recordedSandbox(user: Json | undefined): Json {
  const [c] = JSON.parse(readFileSync(join(FIXTURE, "testcases.json"), "utf8")) as { request: Json }[];
  const req = fillRequestDefaults("CreateContainerRequest", c!.request);
  if (user !== undefined) ((req.OCI as Json).Process as Json).User = { ...user, Username: "" };
  return req;
}

function allowed(policyText: string, request: Json): boolean {
  return new PolicySession(policyText).evaluate({ kind: "CreateContainerRequest", request }).allowed;
}

const SC = { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 2000] };
const CONTAINERD_USER = { UID: 1000, GID: 3000, AdditionalGids: [3000, 2000, 4000] };

describe("sandbox user from the pod securityContext", () => {
  test("recorded sandbox request without pod securityContext → allowed (the pause image's 65535)", async () => {
    const { text } = await generateWith(undefined);
    expect(allowed(text, recordedSandbox(undefined))).toBe(true);
  });

  test("runAsUser, runAsGroup, fsGroup, supplementalGroups → the user containerd sets is allowed", async () => {
    const { text } = await generateWith(SC);
    expect(allowed(text, recordedSandbox(CONTAINERD_USER))).toBe(true);
    // The same groups in another order are the same set.
    expect(allowed(text, recordedSandbox({ ...CONTAINERD_USER, AdditionalGids: [4000, 3000, 2000] }))).toBe(
      true,
    );
  });

  test("runAsUser alone → UID with GID 0 allowed", async () => {
    const { text } = await generateWith({ runAsUser: 1000 });
    expect(allowed(text, recordedSandbox({ UID: 1000, GID: 0, AdditionalGids: [0] }))).toBe(true);
  });

  const denied: [string, Json][] = [
    ["the pause image's user", { UID: 65535, GID: 65535, AdditionalGids: [65535] }],
    ["root", { UID: 0, GID: 0, AdditionalGids: [0] }],
    ["another group", { ...CONTAINERD_USER, GID: 0 }],
    ["fsGroup left out", { ...CONTAINERD_USER, AdditionalGids: [3000, 4000] }],
    ["an extra group", { ...CONTAINERD_USER, AdditionalGids: [3000, 2000, 4000, 0] }],
  ];
  for (const [what, user] of denied) {
    test(`pod runs as 1000:3000, sandbox request with ${what} → denied`, async () => {
      const { text } = await generateWith(SC);
      expect(allowed(text, recordedSandbox(user))).toBe(false);
    });
  }

  test("request builder → sandbox user as containerd sets it, and every built request allowed", async () => {
    const { policy } = await generateWith(SC);
    const built = buildPodRequests(policy.pod, policy.images);
    const user = (built.containers[0]!.request.OCI as { Process: { User: Json } }).Process.User;
    expect(user).toEqual({ ...CONTAINERD_USER, Username: "" });
    const s = new PolicySession(policy.policyText);
    expect(built.requests.map((r) => s.evaluate(r).allowed)).not.toContain(false);
  });

  test("runAsGroup without runAsUser → ConfigError sandbox_user_invalid (containerd refuses the sandbox)", async () => {
    const err = await generateWith({ runAsGroup: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe("sandbox_user_invalid");
  });
});

describe("sandboxUser", () => {
  const pause = { uid: 65535, gid: 65535 };
  const rows: [string, Json | undefined, Json][] = [
    ["no securityContext", undefined, { UID: 65535, GID: 65535, AdditionalGids: [65535] }],
    ["runAsUser", { runAsUser: 7 }, { UID: 7, GID: 0, AdditionalGids: [0] }],
    ["runAsUser 0", { runAsUser: 0, runAsGroup: 0 }, { UID: 0, GID: 0, AdditionalGids: [0] }],
    ["fsGroup only", { fsGroup: 9 }, { UID: 65535, GID: 65535, AdditionalGids: [65535, 9] }],
    ["all of it", SC, CONTAINERD_USER],
  ];
  for (const [what, sc, want] of rows) {
    test(`${what} → ${JSON.stringify(want)}`, () =>
      expect(sandboxUser(sc, pause, "p")).toEqual(want as never));
  }
});
