// `contrast resources coordinator|runtime`: print the Coordinator's or a runtime's Kubernetes resources as YAML.

import type { CAC } from "cac";
import { registerGroup, runAction } from "../command/command.ts";
import { renderCoordinatorResources } from "../kube/coordinator-resources.ts";
import { COORDINATOR_IMAGE } from "../kube/release-images.ts";
import { registerResourcesRuntime } from "./runtime.ts";
import { flagString } from "./workspace.ts";

interface CoordinatorFlags {
  namespace?: unknown;
  image?: unknown;
}

/** Registers `resources coordinator` on a `resources` group command. */
export function registerResourcesCoordinator(
  sub: CAC,
  write: (text: string) => void = (t) => void process.stdout.write(t),
): void {
  sub
    .command(
      "coordinator",
      "print the Coordinator StatefulSet and its Services as YAML (input for `generate`)",
    )
    .example("  contrast resources coordinator > deployment/coordinator.yaml")
    .example(
      "  contrast resources coordinator --namespace contrast --image mirror.example/coordinator@sha256:…",
    )
    .option("--namespace <ns>", "namespace of the objects (default: the one kubectl uses)")
    .option("--image <ref>", `Coordinator image (default ${COORDINATOR_IMAGE.reference})`)
    .action((flags: CoordinatorFlags) =>
      runAction(() => {
        const namespace = flagString(flags.namespace, "--namespace");
        const image = flagString(flags.image, "--image") ?? COORDINATOR_IMAGE.reference;
        write(renderCoordinatorResources({ image, ...(namespace === undefined ? {} : { namespace }) }));
        return 0;
      }),
    );
}

/** `contrast resources <coordinator|runtime>`; the lead wires this into src/main.ts. */
export function registerResources(cli: CAC): void {
  registerGroup(
    cli,
    "resources",
    "print Kubernetes resources: the Coordinator, or a runtime (RuntimeClass + node installer)",
    (sub) => {
      registerResourcesCoordinator(sub);
      registerResourcesRuntime(sub);
    },
  );
}
