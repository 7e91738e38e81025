// Env values from ConfigMaps/Secrets that are not among the inputs: refused with both ways forward named, or
// (unpinnedEnvFromMissing) any value allowed while the variable name stays pinned and its source is recorded.

import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/common/errors.ts";
import { PolicySession } from "../../src/policy/evaluate.ts";
import { generateDeployment } from "../../src/policy/generate-deployment.ts";
import type { AgentRequest } from "../../src/policy/requests/agent-request.ts";
import { buildPodRequests } from "../../src/policy/requests/build-pod-requests.ts";
import { readGeneratedPods } from "../../src/policy/requests/generated-pods.ts";
import { fakeImageResolver, testGenerateOptions } from "./fake-images.ts";

const SECRET = `apiVersion: v1
kind: Secret
metadata: {name: db-creds}
stringData: {password: hunter2}
`;

function app(env: string, envFrom = ""): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      runtimeClassName: contrast-cc
      containers:
      - name: api
        image: registry.example/api:1
        env:
${env}${envFrom}`;
}

const PASSWORD =
  "        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-creds, key: password}}}\n";
const DSN = "        - {name: DSN, value: 'postgres://api:$(DB_PASSWORD)@db:5432/api'}\n";

function generate(texts: string[], unpinnedEnvFromMissing = false) {
  const resolver = fakeImageResolver();
  return generateDeployment(
    testGenerateOptions(
      texts.map((text, i) => ({ path: `f${i}.yaml`, text })),
      { skipInitializer: true, imageResolver: resolver, unpinnedEnvFromMissing },
    ),
  ).then(async (r) => ({ r, pods: await readGeneratedPods(r.outputs, resolver) }));
}

async function refusal(texts: string[], unpinned: boolean): Promise<ConfigError> {
  const err = await generate(texts, unpinned).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).code).toBe("env_unresolvable");
  return err as ConfigError;
}

describe("env from a Secret that is not among the inputs", () => {
  test("by default → env_unresolvable naming the variable and both ways forward", async () => {
    const e = await refusal([app(PASSWORD)], false);
    expect(e.message).toContain("env DB_PASSWORD");
    expect(e.message).toContain("Secret db-creds");
    expect(e.message).toContain("add the Secret to the inputs");
    expect(e.message).toContain("--unpinned-env-from-missing");
  });

  test("Secret among the inputs → value pinned (and visible in the policy)", async () => {
    const { r } = await generate([SECRET, app(PASSWORD)]);
    expect(r.pods[0]!.policyData.containers[1]!.Process.Env).toContainEqual({ exact: "DB_PASSWORD=hunter2" });
    expect(r.unpinnedEnv).toEqual([]);
  });

  test("Secret present but without the key → refused even when unpinned values are allowed", async () => {
    const e = await refusal([SECRET, app(PASSWORD.replace("key: password", "key: pasword"))], true);
    expect(e.message).toContain("expected key pasword in Secret db-creds");
  });

  test("envFrom a missing Secret → refused even when unpinned values are allowed (names unknown)", async () => {
    const e = await refusal([app(PASSWORD, "        envFrom: [{secretRef: {name: other}}]\n")], true);
    expect(e.message).toContain("envFrom expected Secret other among the inputs");
  });
});

describe("unpinnedEnvFromMissing", () => {
  const ready = generate([app(PASSWORD + DSN)], true);

  test("→ listed once with its source; policy records the source, pins the name", async () => {
    const { r } = await ready;
    expect(r.unpinnedEnv).toEqual([
      {
        location: "f0.yaml#0 (Deployment api)",
        container: "api",
        name: "DB_PASSWORD",
        source: "Secret db-creds key password",
      },
    ]);
    expect(r.pods[0]!.policyData.containers[1]!.Process.Env).toContainEqual({
      regex: "^DB_PASSWORD=(?:[\\s\\S]*)$",
      from: "Secret db-creds key password",
    });
  });

  /** The built requests with the app container's env changed; the decision on its CreateContainerRequest. */
  async function withEnv(change: (env: string[]) => string[]): Promise<boolean> {
    const { pods } = await ready;
    const built = buildPodRequests(pods[0]!.pod, pods[0]!.images);
    const s = new PolicySession(pods[0]!.policyText);
    const i = built.requests.findLastIndex((r) => r.kind === "CreateContainerRequest");
    for (const r of built.requests.slice(0, i)) expect(s.evaluate(r).allowed).toBe(true);
    const req = structuredClone(built.requests[i]!) as AgentRequest & {
      request: { OCI: { Process: { Env: string[] } } };
    };
    req.request.OCI.Process.Env = change(req.request.OCI.Process.Env);
    return s.evaluate(req).allowed;
  }
  const set = (name: string, value: string) => (env: string[]) =>
    env.map((e) => (e.startsWith(`${name}=`) ? `${name}=${value}` : e));

  test("built requests → allowed", async () => expect(await withEnv((e) => e)).toBe(true));
  test("any password, even with a newline → allowed", async () => {
    expect(await withEnv(set("DB_PASSWORD", "-----BEGIN KEY-----\nabc"))).toBe(true);
  });
  test("DSN with the same password → allowed", async () => {
    expect(await withEnv((e) => set("DSN", "postgres://api:x@db:5432/api")(set("DB_PASSWORD", "x")(e)))).toBe(
      true,
    );
  });
  const denied: [string, (env: string[]) => string[]][] = [
    ["DSN to another database", set("DSN", "postgres://api:x@evil:5432/api")],
    ["the variable left out", (env) => env.filter((e) => !e.startsWith("DB_PASSWORD="))],
    ["the variable renamed", (env) => env.map((e) => e.replace(/^DB_PASSWORD=/, "DB_PASSWORD2="))],
    ["an extra variable", (env) => [...env, "LD_PRELOAD=/tmp/x.so"]],
  ];
  for (const [what, change] of denied) {
    test(`${what} → denied`, async () => expect(await withEnv(change)).toBe(false));
  }
});
