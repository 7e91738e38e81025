import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import {
  generateNodeInstallerDaemonSet,
  generateRuntimeClass,
  renderRuntimeResources,
} from "../../src/kube/runtime-resources.ts";
import { runtimeHandler } from "../../src/platform/handler.ts";
import { goldenText } from "../support/golden.ts";

const GOLDEN = join(import.meta.dir, "golden");
const golden = (name: string, text: string) => goldenText(join(GOLDEN, name), text);
const HANDLER = "contrast-cc-metal-qemu-snp-0123abcd";
const IMAGE = "localhost:5000/contrast/node-installer@sha256:" + "ab".repeat(32);

describe("generateRuntimeClass", () => {
  test("platform → name and handler are the runtime handler, overhead 512+170 MiB", () => {
    const rc = generateRuntimeClass("Metal-QEMU-TDX");
    expect(rc.metadata?.name).toBe(runtimeHandler("Metal-QEMU-TDX"));
    expect(rc.handler).toBe(rc.metadata!.name!);
    expect(rc.overhead?.podFixed?.memory).toBe("682Mi");
    expect(rc.metadata?.labels?.["addonmanager.kubernetes.io/mode"]).toBe("Reconcile");
  });
});

describe("generateNodeInstallerDaemonSet", () => {
  test("platform → kube-system, hostPID, privileged installer with host / at /host, pause main container", () => {
    const ds = generateNodeInstallerDaemonSet("clh-snp", { nodeInstallerImage: IMAGE });
    const spec = ds.spec!.template.spec!;
    const installer = spec.initContainers![0]!;
    expect(ds.metadata?.namespace).toBe("kube-system");
    expect(ds.metadata?.name).toBe(`${runtimeHandler("CLH-SNP")}-nodeinstaller`);
    expect(spec.hostPID).toBe(true);
    expect(installer.securityContext?.privileged).toBe(true);
    expect(installer.args).toEqual(["CLH-SNP", "--host-root", "/host"]);
    expect(installer.image).toBe(IMAGE);
    expect(spec.volumes).toEqual([{ name: "host-mount", hostPath: { path: "/", type: "Directory" } }]);
    expect(spec.containers.map((c) => c.name)).toEqual(["pause"]);
  });

  test("targetConfig true → optional ConfigMap mounted and passed as --config", () => {
    const ds = generateNodeInstallerDaemonSet("clh-snp", {
      nodeInstallerImage: IMAGE,
      targetConfig: true,
    });
    const spec = ds.spec!.template.spec!;
    const installer = spec.initContainers![0]!;
    expect(installer.args?.slice(-2)).toEqual(["--config", "/target-config"]);
    expect(spec.volumes?.[1]?.configMap).toEqual({
      name: "contrast-node-installer-target-config",
      optional: true,
    });
  });
});

describe("renderRuntimeResources", () => {
  test("default options → golden YAML, two documents", () => {
    const text = renderRuntimeResources("Metal-QEMU-SNP", { nodeInstallerImage: IMAGE, handler: HANDLER });
    expect(text).toBe(golden("runtime-metal-qemu-snp.yaml", text));
    expect(parseAllDocuments(text).map((d) => d.toJS().kind)).toEqual(["RuntimeClass", "DaemonSet"]);
  });

  test("k3s target config → golden YAML with the ConfigMap between RuntimeClass and DaemonSet", () => {
    const text = renderRuntimeResources("Metal-QEMU-SNP", {
      nodeInstallerImage: IMAGE,
      handler: HANDLER,
      targetConfig: {
        containerdConfigPath: "var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl",
        systemdUnitNames: ["k3s.service", "k3s-agent.service"],
      },
    });
    expect(text).toBe(golden("runtime-metal-qemu-snp-k3s.yaml", text));
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(["RuntimeClass", "ConfigMap", "DaemonSet"]);
    expect(docs[1].data["systemd-unit-name"]).toBe("k3s.service,k3s-agent.service");
  });
});
