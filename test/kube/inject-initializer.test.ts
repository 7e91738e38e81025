import { describe, expect, test } from "bun:test";
import { parseDocument } from "yaml";
import { ConfigError } from "../../src/common/errors.ts";
import { INITIALIZER_NAME, injectInitializer, SECRETS_VOLUME } from "../../src/kube/inject-initializer.ts";
import { expectError } from "../support/expect-error.ts";
import { type Container, confidentialPod, LOC } from "./pod-fixture.ts";

const OPTS = { image: "init:1@sha256:" + "a".repeat(64) };

const BASE = confidentialPod({ setupComment: "keep me" });

interface PodJs {
  spec: { initContainers: Container[]; containers: Container[]; volumes: unknown[] };
}

function inject(text: string): { out: string; js: PodJs } {
  const doc = parseDocument(text);
  injectInitializer(doc, [], OPTS, LOC);
  return { out: doc.toString(), js: doc.toJS() as PodJs };
}

describe("injectInitializer", () => {
  test("plain pod → initializer first, memory emptyDir, /contrast mounted everywhere", () => {
    const { out, js } = inject(BASE);
    expect(js.spec.initContainers.map((c) => c.name)).toEqual([INITIALIZER_NAME, "setup"]);
    expect(js.spec.initContainers[0]?.env).toEqual([{ name: "COORDINATOR_HOST", value: "coordinator" }]);
    expect(js.spec.volumes).toEqual([{ name: SECRETS_VOLUME, emptyDir: { medium: "Memory" } }]);
    for (const c of [...js.spec.initContainers, ...js.spec.containers]) {
      expect(c.volumeMounts).toContainEqual({ name: SECRETS_VOLUME, mountPath: "/contrast" });
    }
    expect(out).toContain("# keep me");
  });

  test("withoutServiceMesh → CONTRAST_SERVICE_MESH_DISABLED=true and NET_ADMIN; switching back removes both", () => {
    const doc = parseDocument(BASE);
    injectInitializer(doc, [], { ...OPTS, withoutServiceMesh: true }, LOC);
    const alone = (doc.toJS() as PodJs).spec.initContainers[0] as Container;
    expect(alone.env).toEqual([
      { name: "COORDINATOR_HOST", value: "coordinator" },
      { name: "CONTRAST_SERVICE_MESH_DISABLED", value: "true" },
    ]);
    expect(alone.securityContext).toEqual({ capabilities: { add: ["NET_ADMIN"] } });
    const once = doc.toString();
    injectInitializer(doc, [], { ...OPTS, withoutServiceMesh: true }, LOC);
    expect(doc.toString()).toBe(once);
    injectInitializer(doc, [], OPTS, LOC);
    const meshed = (doc.toJS() as PodJs).spec.initContainers[0] as Container;
    expect(meshed.env).toEqual([{ name: "COORDINATOR_HOST", value: "coordinator" }]);
    expect(meshed.securityContext).toBeUndefined();
  });

  test("second injection → byte-identical", () => {
    const once = inject(BASE).out;
    expect(inject(once).out).toBe(once);
  });

  test("existing initializer elsewhere → replaced and moved first", () => {
    const text = BASE.replace(
      "  - name: setup # keep me\n    image: busybox\n",
      `  - name: setup\n    image: busybox\n  - name: ${INITIALIZER_NAME}\n    image: old\n`,
    );
    const { js } = inject(text);
    expect(js.spec.initContainers.map((c) => c.name)).toEqual([INITIALIZER_NAME, "setup"]);
    expect(js.spec.initContainers[0]?.image).toBe(OPTS.image);
  });

  test("existing emptyDir contrast-secrets → kept", () => {
    const { js } = inject(`${BASE}  volumes:\n  - name: ${SECRETS_VOLUME}\n    emptyDir: {}\n`);
    expect(js.spec.volumes).toEqual([{ name: SECRETS_VOLUME, emptyDir: {} }]);
  });

  const conflicts: [string, string, string][] = [
    [
      "hostPath contrast-secrets",
      `  volumes:\n  - name: ${SECRETS_VOLUME}\n    hostPath: {path: /x}\n`,
      "contrast_secrets_volume_conflict",
    ],
    [
      "emptyDir plus secret source",
      `  volumes:\n  - name: ${SECRETS_VOLUME}\n    emptyDir: {}\n    secret: {secretName: s}\n`,
      "contrast_secrets_volume_conflict",
    ],
  ];
  for (const [what, extra, code] of conflicts) {
    test(`${what} → ConfigError ${code}`, () => {
      expectError(() => inject(BASE + extra), ConfigError, code);
    });
  }

  test("another volume at /contrast → ConfigError contrast_mount_conflict", () => {
    const text = BASE.replace(
      "    image: nginx\n",
      "    image: nginx\n    volumeMounts:\n    - name: other\n      mountPath: /contrast\n",
    );
    expect(() => inject(text)).toThrow(ConfigError);
  });
});
