// All agent requests a Kata runtime sends while starting one pod, in order, from the pod template and its resolved images.

import { ConfigError } from "../../common/errors.ts";
import type { ResolvedImage } from "../image/image-config.ts";
import { execCommands } from "../pod-policy-data.ts";
import type { AgentRequest } from "./agent-request.ts";
import { type BuiltContainer, buildAppContainer, buildSandboxContainer } from "./container-request.ts";
import { instantiatePod, type PodInstance, type RuntimePod } from "./pod-instance.ts";
import {
  copyFileRequests,
  createSandboxRequest,
  execProcessRequest,
  readStreamRequest,
} from "./side-requests.ts";

export interface BuildRequestsOptions {
  /** Seed for the ids a runtime would pick at random; the same seed gives the same requests. */
  readonly seed?: string;
}

export interface PodRequests {
  readonly instance: PodInstance;
  readonly requests: readonly AgentRequest[];
  /** Containers in start order: the sandbox, init containers, then app containers. */
  readonly containers: readonly BuiltContainer[];
}

/**
 * CreateSandbox, the pause container, then per init/app container its shared-file copies and CreateContainer,
 * then a log read per container and an exec per probe command. `images` maps each image reference of the
 * spec, as written there, to its resolution (the generator's resolver or layers cache).
 */
export function buildPodRequests(
  pod: RuntimePod,
  images: ReadonlyMap<string, ResolvedImage>,
  opts: BuildRequestsOptions = {},
): PodRequests {
  const p = instantiatePod(pod, opts.seed);
  const sandbox = buildSandboxContainer(p);
  const requests: AgentRequest[] = [createSandboxRequest(p), ...copyFileRequests(sandbox)];
  requests.push({ kind: "CreateContainerRequest", request: sandbox.request });
  const containers: BuiltContainer[] = [sandbox];
  const specs = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  for (const c of specs) {
    const image = images.get(c.image ?? "");
    if (image === undefined) {
      throw new ConfigError(
        "image_unresolved",
        `container ${c.name}: image ${c.image ?? "(none)"} expected to be resolved, got nothing`,
      );
    }
    const built = buildAppContainer(p, c, image);
    requests.push(...copyFileRequests(built), { kind: "CreateContainerRequest", request: built.request });
    containers.push(built);
  }
  for (const [i, c] of specs.entries()) {
    const built = containers[i + 1] as BuiltContainer;
    requests.push(readStreamRequest(built));
    for (const [j, args] of execCommands(c).entries()) {
      requests.push(execProcessRequest(built, args, p.ids.uuid(`exec/${c.name}/${j}`)));
    }
  }
  return { instance: p, requests, containers };
}
