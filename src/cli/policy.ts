// `contrast policy check|explain`: evaluate each generated pod's policy against the requests its runtime would send, or given ones.

import { readFileSync } from "node:fs";
import type { CAC } from "cac";
import { registerGroup, runAction } from "../command/command.ts";
import { ConfigError, EXIT, UsageError } from "../common/errors.ts";
import { knownReleaseImages } from "../kube/release-images.ts";
import { PolicySession, type RequestDecision } from "../policy/evaluate.ts";
import { explainDenial, formatExplanation } from "../policy/explain.ts";
import { createImageResolver } from "../policy/image/create-image-resolver.ts";
import type { ImageResolver } from "../policy/image/image-config.ts";
import { FileLayersCache } from "../policy/image/layers-cache.ts";
import {
  type AgentRequest,
  formatAgentRequests,
  parseAgentRequests,
} from "../policy/requests/agent-request.ts";
import { buildPodRequests } from "../policy/requests/build-pod-requests.ts";
import { type GeneratedPodPolicy, readGeneratedPods } from "../policy/requests/generated-pods.ts";
import { flagString, WORKSPACE_FILES, workspacePath } from "./workspace.ts";

export interface PolicyFlags {
  request?: unknown;
  pod?: unknown;
  printRequests?: boolean;
  layersCache?: unknown;
  json?: boolean;
}

/** Injected edges: tests pass a resolver instead of the layers cache file. */
export interface PolicyDeps {
  readonly resolver?: ImageResolver;
  readonly stdout?: (s: string) => void;
}

interface PolicyConfig {
  readonly file: string;
  readonly requestFile: string | undefined;
  readonly pod: string | undefined;
  readonly printRequests: boolean;
  readonly layersCachePath: string;
  readonly json: boolean;
}

function readConfig(file: unknown, flags: PolicyFlags): PolicyConfig {
  if (typeof file !== "string" || file === "")
    throw new UsageError("missing_argument", "FILE: expected a yaml file");
  return Object.freeze({
    file,
    requestFile: flagString(flags.request, "--request"),
    pod: flagString(flags.pod, "--pod"),
    printRequests: flags.printRequests === true,
    layersCachePath: workspacePath(
      undefined,
      flagString(flags.layersCache, "--layers-cache"),
      WORKSPACE_FILES.layersCache,
    ),
    json: flags.json === true,
  });
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    throw new ConfigError("unreadable_file", `${flag}: cannot read ${JSON.stringify(path)}`, {
      field: flag,
      cause,
    });
  }
}

async function loadPods(config: PolicyConfig, deps: PolicyDeps): Promise<GeneratedPodPolicy[]> {
  const text = readText(config.file, "FILE");
  // Offline: the layers cache that `generate` filled holds every pinned image's config.
  const resolver =
    deps.resolver ??
    createImageResolver({
      cache: new FileLayersCache(config.layersCachePath),
      known: knownReleaseImages(),
      offline: true,
    });
  const all = await readGeneratedPods([{ path: config.file, text }], resolver);
  const pods = config.pod === undefined ? all : all.filter((p) => p.name === config.pod);
  if (pods.length === 0) {
    const what =
      config.pod === undefined ? "a confidential workload" : `a confidential workload named ${config.pod}`;
    throw new ConfigError("no_confidential_pods", `${config.file}: expected ${what}, got none`);
  }
  return pods;
}

function requestsFor(
  pod: GeneratedPodPolicy,
  given: readonly AgentRequest[] | undefined,
): readonly AgentRequest[] {
  return given ?? buildPodRequests(pod.pod, pod.images).requests;
}

function givenRequests(
  config: PolicyConfig,
  pods: readonly GeneratedPodPolicy[],
): AgentRequest[] | undefined {
  if (config.requestFile === undefined) return undefined;
  if (pods.length > 1) {
    throw new UsageError(
      "ambiguous_pod",
      `--request: expected one confidential workload (choose with --pod), got ${pods.length}: ${pods.map((p) => p.name).join(", ")}`,
    );
  }
  return parseAgentRequests(readText(config.requestFile, "--request"));
}

function decisionLine(pod: GeneratedPodPolicy, i: number, d: RequestDecision): string {
  const verdict = d.allowed ? "allowed" : d.result === "undefined" ? "denied (no rule)" : "denied";
  const prints = d.prints.length > 0 ? ` (policy printed: ${d.prints.join("; ")})` : "";
  return `${pod.where}: request ${i + 1} ${d.kind}: ${verdict}${prints}\n`;
}

/** `policy check`: exit 0 when every request is allowed, 5 when one is denied, 3 when a policy cannot be evaluated. */
export async function runPolicyCheck(
  file: unknown,
  flags: PolicyFlags,
  deps: PolicyDeps = {},
): Promise<number> {
  const config = readConfig(file, flags);
  const out = deps.stdout ?? ((s: string) => process.stdout.write(s));
  const pods = await loadPods(config, deps);
  const given = givenRequests(config, pods);
  if (config.printRequests) {
    for (const pod of pods) out(formatAgentRequests(requestsFor(pod, given)));
    return EXIT.ok;
  }
  let denied = 0;
  const report: unknown[] = [];
  for (const pod of pods) {
    const session = new PolicySession(pod.policyText);
    const decisions = requestsFor(pod, given).map((r) => session.evaluate(r));
    denied += decisions.filter((d) => !d.allowed).length;
    if (config.json) {
      report.push({
        pod: pod.where,
        digest: pod.digest,
        requests: decisions.map((d) => ({ kind: d.kind, allowed: d.allowed, prints: d.prints })),
      });
    } else {
      for (const [i, d] of decisions.entries()) out(decisionLine(pod, i, d));
    }
  }
  if (config.json) out(`${JSON.stringify({ pods: report, denied }, null, 2)}\n`);
  else out(denied === 0 ? "all requests allowed\n" : `${denied} request(s) denied\n`);
  return denied === 0 ? EXIT.ok : EXIT.policy;
}

/** `policy explain`: replays the given requests in order and explains each denied one; exit 5 if one was denied. */
export async function runPolicyExplain(
  file: unknown,
  flags: PolicyFlags,
  deps: PolicyDeps = {},
): Promise<number> {
  const config = readConfig(file, flags);
  if (config.requestFile === undefined)
    throw new UsageError("missing_argument", "--request: expected a request file");
  const out = deps.stdout ?? ((s: string) => process.stdout.write(s));
  const pods = await loadPods(config, deps);
  const requests = givenRequests(config, pods) as AgentRequest[];
  const pod = pods[0] as GeneratedPodPolicy;
  const session = new PolicySession(pod.policyText);
  const explained: unknown[] = [];
  for (const [i, r] of requests.entries()) {
    const d = session.evaluate(r, { explain: true });
    if (d.allowed || d.trace === undefined) continue;
    const e = explainDenial(r.kind, r.request, d.trace);
    explained.push({ request: i + 1, ...e, prints: d.prints });
    if (!config.json) out(`${pod.where}: request ${i + 1} ${formatExplanation(e).join("\n")}\n`);
  }
  if (config.json) out(`${JSON.stringify({ pod: pod.where, denied: explained }, null, 2)}\n`);
  else if (explained.length === 0) out(`${pod.where}: every request allowed, nothing to explain\n`);
  return explained.length === 0 ? EXIT.ok : EXIT.policy;
}

/** Both subcommands read image configs offline from the cache `generate` fills. */
const LAYERS_CACHE_OPTION = [
  "--layers-cache <file>",
  `image config cache written by generate (default ${WORKSPACE_FILES.layersCache})`,
] as const;

export function registerPolicy(cli: CAC): void {
  registerGroup(cli, "policy", "evaluate generated runtime policies against agent requests", (sub) => {
    sub
      .command(
        "check <file>",
        "evaluate each confidential pod's policy against the requests its runtime sends",
      )
      .example("  contrast policy check deployment/app.yaml")
      .example("  contrast policy check deployment/app.yaml --pod web --request requests.jsonl --json")
      .option(
        "--request <file>",
        "requests to evaluate instead: one JSON object or JSON lines {kind, request}",
      )
      .option("--pod <name>", "only the workload of that name (needed with --request when FILE has several)")
      .option("--print-requests", "print the built requests as JSON lines and exit")
      .option(...LAYERS_CACHE_OPTION)
      .option("--json", "print a JSON object")
      .action((file: unknown, flags: PolicyFlags) => runAction(() => runPolicyCheck(file, flags)));
    sub
      .command("explain <file>", "say which rule denied a request and which field differs from the policy")
      .example("  contrast policy explain deployment/app.yaml --request denied.json")
      .example("  contrast policy explain deployment/app.yaml --pod web --request agent.log --json")
      .option("--request <file>", "the request(s), as logged by the agent: JSON object or JSON lines")
      .option("--pod <name>", "the workload the requests belong to (needed when FILE has several)")
      .option(...LAYERS_CACHE_OPTION)
      .option("--json", "print a JSON object")
      .action((file: unknown, flags: PolicyFlags) => runAction(() => runPolicyExplain(file, flags)));
  });
}
