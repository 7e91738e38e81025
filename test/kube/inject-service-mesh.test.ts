import { describe, expect, test } from "bun:test";
import { parseDocument } from "yaml";
import { ConfigError } from "../../src/common/errors.ts";
import { INITIALIZER_NAME, injectInitializer } from "../../src/kube/inject-initializer.ts";
import { injectServiceMesh, SERVICE_MESH_NAME } from "../../src/kube/inject-service-mesh.ts";
import { type Container, confidentialPod, LOC } from "./pod-fixture.ts";

const IMAGE = "mesh:1@sha256:" + "c".repeat(64);

const pod = (annotations: string) => confidentialPod({ annotations });

function inject(text: string, withInitializer = true) {
  const doc = parseDocument(text);
  if (withInitializer) injectInitializer(doc, [], { image: "init:1" }, LOC);
  const injected = injectServiceMesh(doc, [], { image: IMAGE }, LOC);
  const js = doc.toJS() as { spec: { initContainers: Container[] } };
  return { injected, out: doc.toString(), inits: js.spec.initContainers };
}

const EGRESS = "    contrast.edgeless.systems/servicemesh-egress: db#127.137.0.1:5432#db:5432";

describe("injectServiceMesh", () => {
  test("egress annotation → native sidecar right after the Initializer, env, NET_ADMIN, probe, /contrast", () => {
    const { injected, inits } = inject(
      pod(`${EGRESS}\n    contrast.edgeless.systems/servicemesh-admin-interface-port: "9901"`),
    );
    expect(injected).toBe(true);
    expect(inits.map((c) => c.name)).toEqual([INITIALIZER_NAME, SERVICE_MESH_NAME, "setup"]);
    const mesh = inits[1]!;
    expect(mesh.image).toBe(IMAGE);
    expect(mesh.restartPolicy).toBe("Always");
    expect(mesh.env).toEqual([
      { name: "CONTRAST_EGRESS_PROXY_CONFIG", value: "db#127.137.0.1:5432#db:5432" },
      { name: "CONTRAST_ADMIN_PORT", value: "9901" },
    ]);
    expect(mesh.ports).toEqual([{ name: "contrast-admin", containerPort: 9901, protocol: "TCP" }]);
    expect(mesh.securityContext).toEqual({ capabilities: { add: ["NET_ADMIN"] } });
    expect(mesh.startupProbe?.exec.command).toEqual(["/bin/contrast", "service-mesh", "check-ready"]);
    expect(mesh.volumeMounts).toEqual([{ name: "contrast-secrets", mountPath: "/contrast" }]);
  });

  test("no mesh annotation → nothing injected", () => {
    const { injected, inits } = inject(pod("    other: x"));
    expect(injected).toBe(false);
    expect(inits.map((c) => c.name)).toEqual([INITIALIZER_NAME, "setup"]);
  });

  test("second injection → byte-identical; an earlier digest pin of the image is kept", () => {
    const once = inject(pod(EGRESS)).out;
    expect(inject(once).out).toBe(once);
    const doc = parseDocument(pod(EGRESS));
    injectInitializer(doc, [], { image: "init:1" }, LOC);
    injectServiceMesh(doc, [], { image: "mesh:1" }, LOC);
    doc.setIn(["spec", "initContainers", 1, "image"], `mesh:1@sha256:${"d".repeat(64)}`);
    const pinned = doc.toString();
    injectServiceMesh(doc, [], { image: "mesh:1" }, LOC);
    expect(doc.toString()).toBe(pinned);
  });

  test("stale sidecar elsewhere → replaced and moved after the Initializer", () => {
    const text = pod(EGRESS).replace(
      "  - name: setup\n",
      `  - name: ${SERVICE_MESH_NAME}\n    image: old\n  - name: setup\n`,
    );
    const { inits } = inject(text);
    expect(inits.map((c) => c.name)).toEqual([INITIALIZER_NAME, SERVICE_MESH_NAME, "setup"]);
    expect(inits[1]?.image).toBe(IMAGE);
  });

  const bad: [string, string, string][] = [
    [
      "egress listen outside 127/8",
      "    contrast.edgeless.systems/servicemesh-egress: db#10.0.0.1:5432#db:5432",
      "p.yaml#0.metadata.annotations.contrast.edgeless.systems/servicemesh-egress[0].listen.address",
    ],
    [
      "ingress bool misspelt",
      "    contrast.edgeless.systems/servicemesh-ingress: web#8080#yes",
      "p.yaml#0.metadata.annotations.contrast.edgeless.systems/servicemesh-ingress[0].disableTLS",
    ],
    [
      "admin port not a port",
      '    contrast.edgeless.systems/servicemesh-admin-interface-port: "99999"',
      "p.yaml#0.metadata.annotations.contrast.edgeless.systems/servicemesh-admin-interface-port",
    ],
  ];
  for (const [what, annotation, field] of bad) {
    test(`${what} → ConfigError service_mesh_config_invalid with the annotation's path`, () => {
      try {
        inject(pod(annotation));
        throw new Error("expected a refusal");
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).code).toBe("service_mesh_config_invalid");
        expect((e as ConfigError).field).toBe(field);
        expect((e as ConfigError).message).toStartWith("p.yaml#0 (Pod p): ");
      }
    });
  }

  test("mesh annotation on a pod without the Initializer → ConfigError service_mesh_needs_initializer", () => {
    expect(() => inject(pod(EGRESS), false)).toThrow(ConfigError);
  });
});
