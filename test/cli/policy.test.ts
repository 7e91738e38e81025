// `contrast policy check|explain` in-process: generated files, the layers cache as `generate` leaves it, exit codes.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerPolicy } from "../../src/cli/policy.ts";
import { MemoryLayersCache } from "../../src/policy/image/layers-cache.ts";
import { parseAgentRequests } from "../../src/policy/requests/agent-request.ts";
import { generateK8sTestdata } from "../policy/requests/k8s-pods.ts";
import { type CliResult, runInProcess } from "../support/run-in-process.ts";

const DIR = mkdtempSync(join(tmpdir(), "policy-cli-"));
const { outputs, pods } = await generateK8sTestdata(["guestbook"]);
const GUESTBOOK = join(DIR, "guestbook.yaml");
writeFileSync(GUESTBOOK, outputs[0]!.text);
// The layers cache `generate` fills: every pinned image's config by digest (policy check runs offline).
const cache = new MemoryLayersCache();
for (const p of pods) for (const img of p.policy.images.values()) cache.set(img.digest, img.config);
const CACHE = join(DIR, "layers-cache.json");
writeFileSync(CACHE, cache.toJSON());
const EMPTY_CACHE = join(DIR, "empty-cache.json");
writeFileSync(EMPTY_CACHE, new MemoryLayersCache().toJSON());

function run(...args: string[]): Promise<CliResult> {
  return runInProcess(registerPolicy, ["policy", ...args]);
}

/** `policy check|explain` of the generated guestbook file, offline with the layers cache `generate` left. */
function onGuestbook(command: "check" | "explain", ...args: string[]): Promise<CliResult> {
  return run(command, GUESTBOOK, "--layers-cache", CACHE, ...args);
}

function forPod(command: "check" | "explain", pod: string, ...args: string[]): Promise<CliResult> {
  return onGuestbook(command, "--pod", pod, ...args);
}

afterEach(() => {
  process.exitCode = 0;
});

function write(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

type OciProcess = { Process: { Args: string[] } };

/** A `--request` file: the frontend's built requests with its app container's CreateContainerRequest changed. */
async function frontendRequestsWith(name: string, mutate: (oci: OciProcess) => void): Promise<string> {
  const r = await forPod("check", "frontend", "--print-requests");
  const reqs = parseAgentRequests(r.stdout);
  const app = reqs.findLast((x) => x.kind === "CreateContainerRequest")!;
  mutate((app.request as { OCI: OciProcess }).OCI);
  return write(name, reqs.map((x) => JSON.stringify(x)).join("\n"));
}

const changedArgument = (oci: OciProcess) => {
  oci.Process.Args[1] = "--port=9090";
};

describe("policy check", () => {
  test("generated file → every request allowed, exit 0", async () => {
    const r = await onGuestbook("check");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("all requests allowed");
    expect(r.stdout.match(/: allowed$/gm)?.length).toBe(57);
  });

  test("--json → one entry per pod with its digest and decisions", async () => {
    const r = await onGuestbook("check", "--json");
    const j = JSON.parse(r.stdout) as {
      pods: { digest: string; requests: { allowed: boolean }[] }[];
      denied: number;
    };
    expect(r.code).toBe(0);
    expect(j.denied).toBe(0);
    expect(j.pods.map((p) => p.digest)).toEqual(pods.map((p) => p.policy.digest));
  });

  test("--print-requests output fed back via --request → the same decisions", async () => {
    const printed = await forPod("check", "frontend", "--print-requests");
    expect(printed.code).toBe(0);
    const lines = printed.stdout.trim().split("\n");
    expect(lines.length).toBe(19);
    for (const l of lines) expect(Object.keys(JSON.parse(l))).toEqual(["kind", "request"]);
    const direct = await forPod("check", "frontend", "--json");
    const fed = await forPod(
      "check",
      "frontend",
      "--request",
      write("frontend.jsonl", printed.stdout),
      "--json",
    );
    expect(fed.code).toBe(0);
    expect(JSON.parse(fed.stdout)).toEqual(JSON.parse(direct.stdout));
  });

  test("--request with several pods and no --pod → usage error, exit 2", async () => {
    const r = await onGuestbook("check", "--request", write("x.json", "{}"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("(ambiguous_pod)");
  });

  test("malformed --request → exit 3", async () => {
    const r = await forPod("check", "frontend", "--request", write("bad.json", '{"kind": 1}'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("(request_kind_invalid)");
  });

  test("image config not in the layers cache → unavailable, exit 6", async () => {
    const r = await run("check", GUESTBOOK, "--layers-cache", EMPTY_CACHE);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("(image_not_cached)");
  });

  test("workload without a generated policy → exit 3", async () => {
    const raw = write(
      "raw.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  runtimeClassName: contrast-cc\n  containers:\n  - name: c\n    image: nginx@sha256:" +
        "a".repeat(64) +
        "\n",
    );
    const r = await run("check", raw, "--layers-cache", CACHE);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("(policy_missing)");
  });

  test("policy that fails to evaluate → exit 3", async () => {
    // A generated file whose policy is valid Rego but whose entry point conflicts (two values for one rule).
    const { encodeInitdataAnnotation, serializeInitdata } = await import("../../src/policy/initdata.ts");
    const bad = encodeInitdataAnnotation(
      serializeInitdata([
        [
          "policy.rego",
          "package agent_policy\nCreateSandboxRequest := true\nCreateSandboxRequest := false if { true }\n",
        ],
      ]),
    );
    const path = write(
      "conflict.yaml",
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  annotations:\n    io.katacontainers.config.hypervisor.cc_init_data: ${bad}\nspec:\n  runtimeClassName: contrast-cc\n  containers:\n  - name: c\n    image: ${[...pods[0]!.policy.images.keys()][0]}\n`,
    );
    const r = await run("check", path, "--layers-cache", CACHE);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("(rego_conflict)");
  });
});

describe("policy check|explain with a --request whose argument was changed", () => {
  // One mutated request file, both commands: each denies it (exit 5) and says so in its own words.
  const rows: ["check" | "explain", string, string[]][] = [
    ["check", "denied", ["CreateContainerRequest: denied", "1 request(s) denied"]],
    [
      "explain",
      "names the rule and process.Args[1] with expected and got",
      ['OCI.Process.Args[1]: expected "serve", got "--port=9090"', "rule agent_policy.args_ok"],
    ],
  ];
  for (const [command, outcome, lines] of rows) {
    test(`${command} → ${outcome}, exit 5`, async () => {
      const request = await frontendRequestsWith(`${command}.jsonl`, changedArgument);
      const r = await forPod(command, "frontend", "--request", request);
      expect(r.code).toBe(5);
      for (const line of lines) expect(r.stdout).toContain(line);
    });
  }
});

describe("policy explain", () => {
  test("--json → differences and chain per denied request", async () => {
    const added = await frontendRequestsWith("j.jsonl", (oci) => {
      oci.Process.Args.push("--debug");
    });
    const r = await forPod("explain", "frontend", "--request", added, "--json");
    const j = JSON.parse(r.stdout) as {
      denied: { request: number; differences: string[]; chain: { rule: string }[] }[];
    };
    expect(j.denied).toHaveLength(1);
    expect(j.denied[0]!.differences).toEqual(['OCI.Process.Args[2]: "--debug" is not allowed by the policy']);
    expect(j.denied[0]!.chain[0]!.rule).toBe("agent_policy.CreateContainerRequest");
  });

  test("all requests allowed → nothing to explain, exit 0", async () => {
    const printed = await forPod("check", "redis-master", "--print-requests");
    const r = await forPod("explain", "redis-master", "--request", write("ok.jsonl", printed.stdout));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("nothing to explain");
  });

  test("no --request → usage error, exit 2", async () => {
    const r = await onGuestbook("explain");
    expect(r.code).toBe(2);
  });
});
