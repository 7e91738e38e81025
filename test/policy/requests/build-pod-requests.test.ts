import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { testdata } from "../../support/testdata.ts";
import { generateK8sTestdata } from "./k8s-pods.ts";

const KATA = testdata("policy", "kata");
const { pods } = await generateK8sTestdata();
const cassandra = pods.find((p) => p.policy.name === "cassandra")!;

type Json = Record<string, unknown>;

/** Key sets of an object and its nested objects (arrays: their first element), for layout comparison. */
function shape(v: unknown, depth = 3): unknown {
  if (Array.isArray(v)) return v.length > 0 && depth > 0 ? [shape(v[0], depth - 1)] : [];
  if (typeof v !== "object" || v === null) return typeof v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, depth > 0 ? shape((v as Json)[k], depth - 1) : "…"]),
  );
}

describe("buildPodRequests", () => {
  test("StatefulSet pod → sandbox, then per container copies and create, then log reads and probe execs", () => {
    const kinds = cassandra.built.requests.map((r) => r.kind);
    expect(kinds[0]).toBe("CreateSandboxRequest");
    const creates = cassandra.built.requests.filter((r) => r.kind === "CreateContainerRequest");
    const types = creates.map(
      (r) => ((r.request.OCI as Json).Annotations as Json)["io.kubernetes.cri.container-type"],
    );
    expect(types).toEqual(["sandbox", "container", "container"]);
    const names = creates.map(
      (r) => ((r.request.OCI as Json).Annotations as Json)["io.kubernetes.cri.container-name"],
    );
    expect(names).toEqual([undefined, "contrast-initializer", "cassandra"]);
    // preStop hook, readiness and liveness probe.
    expect(kinds.filter((k) => k === "ExecProcessRequest")).toHaveLength(3);
    expect(cassandra.built.instance.podName).toBe("cassandra-0");
  });

  test("same seed → identical requests; other seed → other ids", async () => {
    const again = await generateK8sTestdata();
    expect(again.pods.find((p) => p.policy.name === "cassandra")!.built.requests).toEqual(
      cassandra.built.requests,
    );
    const other = await generateK8sTestdata(["cassandra-statefulset"], { seed: "other" });
    expect(other.pods[0]!.built.instance.sandboxId).not.toBe(cassandra.built.instance.sandboxId);
  });

  test("sandbox and app container requests → the field layout of Kata's recorded requests", () => {
    const recorded = JSON.parse(
      readFileSync(join(KATA, "state", "createcontainer", "testcases.json"), "utf8"),
    ) as {
      request: Json;
    }[];
    const sandbox = cassandra.built.requests.find((r) => r.kind === "CreateContainerRequest")!;
    const ours = shape(sandbox.request) as Json;
    const theirs = shape(recorded[0]!.request) as Json;
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(Object.keys(ours.OCI as Json)).toEqual(Object.keys(theirs.OCI as Json));
    const env = JSON.parse(
      readFileSync(join(KATA, "createcontainer", "env_vars", "testcases.json"), "utf8"),
    ) as { request: Json }[];
    const app = cassandra.built.containers[2]!.request;
    expect(shape((app.OCI as Json).Process)).toEqual(shape((env[0]!.request.OCI as Json).Process as Json));
    expect(Object.keys((app.OCI as Json).Linux as Json).sort()).toEqual(
      Object.keys((env[0]!.request.OCI as Json).Linux as Json).sort(),
    );
  });

  test("app container → kubelet files from the shared dir, image pinned by digest, service-link env", () => {
    const frontend = pods.find((p) => p.policy.name === "frontend")!;
    const app = frontend.built.containers[2]!;
    const oci = app.request.OCI as {
      Mounts: { destination: string; source: string }[];
      Process: { Env: string[] };
    };
    const hosts = oci.Mounts.find((m) => m.destination === "/etc/hosts")!;
    expect(hosts.source).toMatch(
      new RegExp(`^/run/kata-containers/shared/containers/${app.containerId}-[0-9a-f]{16}-hosts$`),
    );
    const storages = app.request.storages as { driver: string; source: string }[];
    expect(storages[0]).toMatchObject({ driver: "image_guest_pull" });
    expect(storages[0]!.source).toMatch(/^gcr\.io\/google-samples\/gb-frontend@sha256:[0-9a-f]{64}$/);
    expect(oci.Process.Env).toContain("KUBERNETES_SERVICE_HOST=10.96.0.1");
    expect(oci.Process.Env.some((e) => e.startsWith("REDIS_MASTER_SERVICE_HOST="))).toBe(true);
    expect(oci.Process.Env).toContain("GET_HOSTS_FROM=dns");
  });
});
