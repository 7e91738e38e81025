import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import type { ImageConfig } from "../../demo/oci-layout.ts";
import {
  type ContainerSpec,
  containerProcess,
  INITDATA_ANNOTATION,
  parseQuantity,
  readPods,
  readServices,
  serviceNames,
} from "../../demo/pod-spec.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { expectError } from "../support/expect-error.ts";

const IMAGE: ImageConfig = {
  entrypoint: ["/bin/contrast", "initializer"],
  cmd: ["--help"],
  env: ["PATH=/bin", "MODE=image"],
  workingDir: "/work",
};

function container(over: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name: "c", image: "r/i@sha256:00", env: [], volumeMounts: [], capabilitiesAdd: [], ...over };
}

describe("containerProcess", () => {
  // Kubernetes' rule (k8s.io/docs "Define a Command and Arguments for a Container"), one row per case.
  test.each([
    ["neither → Entrypoint + Cmd", {}, ["/bin/contrast", "initializer", "--help"]],
    ["args only → Entrypoint + args", { args: ["--tee=sim"] }, ["/bin/contrast", "initializer", "--tee=sim"]],
    ["command only → command, Cmd dropped", { command: ["/bin/sh"] }, ["/bin/sh"]],
    ["command + args → command + args", { command: ["/bin/sh"], args: ["-c", "x"] }, ["/bin/sh", "-c", "x"]],
    ["empty args → Entrypoint alone", { args: [] }, ["/bin/contrast", "initializer"]],
  ] as [string, Partial<ContainerSpec>, string[]][])("%s", (_, over, args) => {
    expect(containerProcess(container(over), IMAGE).args).toEqual(args);
  });

  test("env: the container's value wins over the image's, the runtime's over both; order stays", () => {
    const p = containerProcess(
      container({
        env: [
          { name: "MODE", value: "spec" },
          { name: "COORDINATOR_HOST", value: "coordinator" },
        ],
      }),
      IMAGE,
      [
        { name: "CONTRAST_TEE", value: "sim" },
        { name: "MODE", value: "runtime" },
      ],
    );
    expect(p.env).toEqual(["PATH=/bin", "MODE=runtime", "COORDINATOR_HOST=coordinator", "CONTRAST_TEE=sim"]);
    expect(p.cwd).toBe("/work");
  });

  test("no command anywhere → demo_no_command", () => {
    expectError(
      () => containerProcess(container(), { ...IMAGE, entrypoint: [], cmd: [] }),
      ConfigError,
      "demo_no_command",
    );
  });
});

describe("parseQuantity", () => {
  test.each([
    ["50Mi", 52_428_800],
    ["200Mi", 209_715_200],
    ["1Gi", 1_073_741_824],
    ["64Ki", 65_536],
    ["1G", 1_000_000_000],
    ["1048576", 1_048_576],
  ])("%s → %d bytes", (q, n) => {
    expect(parseQuantity(q)).toBe(n);
  });

  test.each(["50 Mi", "-1Mi", "1.5Gi", "50Xi", ""])("%j → demo_invalid_quantity", (q) => {
    expect(() => parseQuantity(q)).toThrow(ConfigError);
  });
});

const INITDATA = 'version = "0.1.0"\nalgorithm = "sha256"\n[data]\n"policy.rego" = "package agent_policy"\n';

const YAML = `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: coordinator }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: coordinator } }
  template:
    metadata:
      labels: { app.kubernetes.io/name: coordinator }
      annotations:
        ${INITDATA_ANNOTATION}: ${gzipSync(Buffer.from(INITDATA)).toString("base64")}
    spec:
      runtimeClassName: contrast-cc-sim-1234abcd
      containers:
        - name: coordinator
          image: r/coordinator@sha256:aa
          command: ["/bin/contrast", "coordinator"]
          args: ["--state-dir", "/var/lib/contrast"]
          startupProbe: { httpGet: { path: /probe/startup, port: 9102 }, periodSeconds: 1, failureThreshold: 60 }
          resources: { limits: { memory: 200Mi } }
          volumeMounts: [{ name: state, mountPath: /var/lib/contrast }]
  volumeClaimTemplates:
    - metadata: { name: state }
---
apiVersion: v1
kind: Service
metadata: { name: coordinator }
spec:
  selector: { app.kubernetes.io/name: coordinator }
---
apiVersion: v1
kind: Service
metadata: { name: headless-everything }
spec: {}
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: client }
spec:
  template:
    metadata: { labels: { app: client } }
    spec:
      initContainers:
        - name: contrast-initializer
          image: r/initializer@sha256:bb
          env: [{ name: COORDINATOR_HOST, value: coordinator.default.svc.cluster.local }]
          volumeMounts: [{ name: contrast-secrets, mountPath: /contrast }]
        - name: contrast-service-mesh
          image: r/service-mesh@sha256:cc
          restartPolicy: Always
          securityContext: { capabilities: { add: [NET_ADMIN] } }
          startupProbe: { exec: { command: [/bin/contrast, service-mesh, check-ready] }, periodSeconds: 1, failureThreshold: 300 }
          volumeMounts: [{ name: contrast-secrets, mountPath: /contrast, readOnly: true }]
      containers:
        - name: client
          image: r/app@sha256:dd
      volumes:
        - name: contrast-secrets
          emptyDir: { medium: Memory }
`;

describe("readPods", () => {
  const pods = readPods(YAML);

  test("a StatefulSet and a Deployment → two pods (Services skipped), named as the cluster would", () => {
    expect(pods.map((p) => [p.name, p.workload])).toEqual([
      ["coordinator-0", "coordinator"],
      ["client", "client"],
    ]);
  });

  test("initdata annotation → the exact document bytes (base64 → gunzip), nothing re-serialized", () => {
    expect(new TextDecoder().decode(pods[0]!.initdata)).toBe(INITDATA);
    expect(pods[1]!.initdata).toBeUndefined();
  });

  test("StatefulSet volume claims and emptyDirs → the pod's volumes", () => {
    expect(pods[0]!.volumes).toEqual(["state"]);
    expect(pods[1]!.volumes).toEqual(["contrast-secrets"]);
  });

  test("containers: command, args, env, probes, capabilities, memory limit, sidecar restart policy", () => {
    const coordinator = pods[0]!.containers[0]!;
    expect(coordinator.command).toEqual(["/bin/contrast", "coordinator"]);
    expect(coordinator.args).toEqual(["--state-dir", "/var/lib/contrast"]);
    expect(coordinator.memoryLimitBytes).toBe(209_715_200);
    expect(coordinator.startupProbe).toEqual({
      httpGet: { path: "/probe/startup", port: 9102 },
      periodSeconds: 1,
      failureThreshold: 60,
    });
    const [init, mesh] = pods[1]!.initContainers;
    expect(init!.restartPolicy).toBeUndefined();
    expect(init!.env).toEqual([{ name: "COORDINATOR_HOST", value: "coordinator.default.svc.cluster.local" }]);
    expect(mesh!.restartPolicy).toBe("Always");
    expect(mesh!.capabilitiesAdd).toEqual(["NET_ADMIN"]);
    expect(mesh!.startupProbe?.exec).toEqual(["/bin/contrast", "service-mesh", "check-ready"]);
    expect(mesh!.volumeMounts).toEqual([
      { name: "contrast-secrets", mountPath: "/contrast", readOnly: true },
    ]);
    expect(pods[1]!.containers[0]!.command).toBeUndefined();
  });

  test("runtime class → kept (it decides whether the pod gets the sim TEE)", () => {
    expect(pods[0]!.runtimeClassName).toBe("contrast-cc-sim-1234abcd");
    expect(pods[1]!.runtimeClassName).toBeUndefined();
  });
});

describe("serviceNames", () => {
  test("a Service reaches the pods that have all its selector's labels; one without a selector reaches none", () => {
    const names = serviceNames(readPods(YAML), readServices(YAML));
    expect(names.get("coordinator-0")).toEqual(["coordinator"]);
    expect(names.get("client")).toEqual([]);
  });
});
