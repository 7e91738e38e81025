// `contrast generate [flags] PATHS...`: the command and its flags (read into a config by generate-config.ts).

import type { CAC } from "cac";
import { runJsonAction } from "../command/command.ts";
import { INITIALIZER_IMAGE } from "../kube/release-images.ts";
import { type GenerateDeps, runGenerate } from "./generate.ts";
import { type GenerateFlags, readGenerateConfig } from "./generate-config.ts";
import { summaryJson } from "./generate-report.ts";
import { WORKSPACE_FILES } from "./workspace.ts";

export function registerGenerate(cli: CAC, deps: GenerateDeps = {}): void {
  cli
    .command(
      "generate [...paths]",
      "patch Kubernetes YAML for confidential pods and write their policies and manifest.json",
    )
    .example("  contrast generate --reference-values Metal-QEMU-SNP deployment/")
    .example("  contrast generate --reference-values sim --sim-dir sim --workspace-dir ws app/")
    .option(
      "-p, --policy <file>",
      `Rego rules (default ${WORKSPACE_FILES.rules}, written from the embedded default if missing)`,
    )
    .option(
      "-s, --settings <file>",
      `policy settings (default ${WORKSPACE_FILES.settings}, written if missing)`,
    )
    .option("--layers-cache <file>", `image config cache (default ${WORKSPACE_FILES.layersCache})`)
    .option("-m, --manifest <file>", `manifest to create or update (default ${WORKSPACE_FILES.manifest})`)
    .option(
      "--reference-values <platform>",
      "CLH-SNP, Metal-QEMU-SNP, Metal-QEMU-TDX or sim (with --sim-dir)",
    )
    .option("--sim-dir <dir>", "sim TEE directory (`contrast sim init`) whose reference-values.json to trust")
    .option(
      "-w, --add-workload-owner-key <file>",
      "workload owner key PEM (repeatable; one missing path is created as P-384)",
      { type: [String] },
    )
    .option(
      "--add-seedshare-owner-key <file>",
      "seed share owner key PEM (repeatable; one missing path is created as RSA-4096)",
      { type: [String] },
    )
    .option("-d, --disable-updates", "list no workload owner: the manifest can never be replaced")
    .option("--skip-initializer", "do not inject the Initializer")
    .option("--skip-service-mesh", "do not inject the service mesh sidecar into pods with mesh annotations")
    .option("-o, --output <file>", "write all patched documents into FILE instead of patching in place")
    .option("--offline", "use only the layers cache, never a registry")
    .option(
      "--refresh-tags",
      "resolve image tags at their registries again, not from the digests layers-cache.json remembers",
    )
    .option("--insecure-registry <host>", "reach this registry over plain http (repeatable)", {
      type: [String],
    })
    .option("--image-replacements <file>", "old=new image reference lines applied before resolution")
    .option(
      "--coordinator-host <host>",
      "COORDINATOR_HOST of injected Initializers (default coordinator.<namespace>.svc.cluster.local)",
    )
    .option(
      "--coordinator-namespace <ns>",
      "namespace of the Coordinator (default: its document's metadata.namespace, else default)",
    )
    .option(
      "--initializer-image <ref>",
      `Initializer image to inject (default ${INITIALIZER_IMAGE.reference})`,
    )
    .option(
      "--unpinned-env-from-missing",
      "allow any value for env variables whose ConfigMap/Secret is not among the inputs (names stay pinned; warns)",
    )
    .option(
      "--coordinator-policy <digest>",
      "also pin this Coordinator policy digest in pods' initdata (repeatable); without a Coordinator among the inputs it is the manifest's",
      { type: [String] },
    )
    .option("--workspace-dir <dir>", "prefix for defaulted file paths")
    .option("--json", "print one JSON object to stdout, also on failure (diagnostics stay on stderr)")
    .action((paths: string[], flags: GenerateFlags) =>
      runJsonAction(flags.json, async (out) => {
        const summary = await runGenerate(readGenerateConfig(paths, flags), deps);
        for (const [key, value] of Object.entries(summaryJson(summary))) out.set(key, value);
        return 0;
      }),
    );
}
