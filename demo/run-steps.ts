// The container demo's main steps, on the Cluster the setup steps built: the Coordinator pod, `set`, the app pods,
// `verify`, traffic through the mesh, a Coordinator restart, `recover`, and what holds after it.

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { APP_PORT, MESH_EGRESS } from "./apps.ts";
import { logLines, plainExchange, verifyChainToRoot, waitFor } from "./checks.ts";
import { run } from "./host.ts";
import { SECRETS_VOLUME } from "./kubelet.ts";
import type { PodSpec } from "./pod-spec.ts";
import type { Cluster, DemoContext } from "./setup-steps.ts";

/** The init container `generate` injects (src/kube/inject-initializer.ts). */
const INITIALIZER = "contrast-initializer";
/** The mesh sidecar `generate` injects (src/kube/inject-service-mesh.ts). */
const SERVICE_MESH = "contrast-service-mesh";

/** A pod's mesh certificate chain and mesh CA, as its Initializer wrote them into the pod's volume. */
function tlsFile(c: Cluster, pod: PodSpec, name: "certChain.pem" | "mesh-ca.pem", dir?: string): string {
  return readFileSync(join(dir ?? c.kubelet.volumeDir(pod, SECRETS_VOLUME), "tls-config", name), "utf8");
}

/** Throws when the pod's network namespace still holds the guest's default-deny rule. */
async function expectDefaultDenyLifted(c: Cluster, pod: PodSpec): Promise<void> {
  const input = await run(["ip", "netns", "exec", c.kubelet.netns(pod).netns, "iptables", "-S", "INPUT"]);
  if (/--ctstate RELATED,ESTABLISHED -j DROP/.test(input))
    throw new Error(`${pod.name}: default-deny rule still there`);
}

/**
 * Step: the Coordinator's StatefulSet pod; its startup probe (HTTP on the pod's address) must pass, which it can
 * only once the Coordinator lifted the pod's default-deny rule (`resources coordinator`: its opt-in and NET_ADMIN).
 */
export async function stepCoordinator(ctx: DemoContext, c: Cluster): Promise<void> {
  ctx.report.step("Coordinator pod");
  await c.kubelet.startPod(c.coordinator, () => {});
  const id = c.kubelet.containerId(c.coordinator, c.coordinator.containers[0]!);
  ctx.report.ok(`container ${id} running (runc), state on a host volume`);
  await expectDefaultDenyLifted(c, c.coordinator);
  ctx.report.ok("default-deny lifted by the Coordinator at start (CONTRAST_REMOVE_DEFAULT_DENY, NET_ADMIN)");
  ctx.report.ok(`startup probe GET ${c.kubelet.netns(c.coordinator).address}:9102/probe/startup passed`);
  ctx.report.note(`sim TEE: HOST_DATA = ${c.kubelet.hostData(c.coordinator)} (SHA-256 of its initdata)`);
}

/** Step: `contrast set`; returns the root CA it wrote to the workspace. */
export async function stepSet(ctx: DemoContext, c: Cluster): Promise<string> {
  ctx.report.step(`contrast set -c ${c.user}`);
  const yaml = ["coordinator.yaml", "app.yaml"].map((f) => join(ctx.ws, f));
  await ctx.cli(["set", "-c", c.user, "--workspace-dir", ctx.ws, ...yaml]);
  ctx.report.ok(
    "Coordinator attested against manifest.json, manifest installed (signed by workload-owner.pem)",
  );
  ctx.report.ok(`seed shares in ${join(ctx.ws, "seed-shares.json")}`);
  return readFileSync(join(ctx.ws, "coordinator-root-ca.pem"), "utf8");
}

/** Step: an app pod: Initializer (its certificate must chain to `rootCA`), mesh sidecar, app. */
export async function stepAppPod(ctx: DemoContext, c: Cluster, pod: PodSpec, rootCA: string): Promise<void> {
  ctx.report.step(`${pod.name} pod: Initializer, service-mesh sidecar, app`);
  await c.kubelet.startPod(pod, (container, what) => {
    if (what === "init" && container.name === INITIALIZER) {
      const leaf = verifyChainToRoot(tlsFile(c, pod, "certChain.pem"), rootCA);
      ctx.report.ok(
        `Initializer attested the Coordinator against its initdata pin and was admitted: ${leaf.subject}, ${leaf.san}`,
      );
    } else if (what === "sidecar" && container.name === SERVICE_MESH) {
      ctx.report.ok(`${container.name} ready (startup probe): inbound rules in place, default-deny lifted`);
    } else {
      ctx.report.ok(`${what} container ${container.name} ${what === "init" ? "completed" : "running"}`);
    }
  });
  await expectDefaultDenyLifted(c, pod);
}

/** Step: `contrast verify`, its findings as checks. */
export async function stepVerify(ctx: DemoContext, c: Cluster): Promise<void> {
  ctx.report.step(`contrast verify -c ${c.user}`);
  const verified = await ctx.cli(["verify", "-c", c.user, "--workspace-dir", ctx.ws]);
  for (const line of verified.stdout.split("\n").filter((l) => /attested|signed|byte-identical/.test(l))) {
    ctx.report.ok(line);
  }
}

/** Lines of the client app's log with the server's answer in them. */
export function answers(c: Cluster): string[] {
  const log = c.kubelet.logPath(c.client, c.client.containers[0]!);
  return logLines(log).filter((l) => l.includes(`hello from ${c.server.name}`));
}

/** The peers busybox httpd -v logged, one "<peer>:<port>: response:<status>" line per request. */
function serverPeers(c: Cluster): string[] {
  return logLines(c.kubelet.logPath(c.server, c.server.containers[0]!))
    .map((l) => /^\[?([0-9a-f.:]+?)\]?:\d+: response:/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined);
}

const isLoopback = (a: string) => a === "::1" || a === "127.0.0.1" || a === "::ffff:127.0.0.1";

/** Step: the client's requests reach the server through both sidecars, and plain HTTP from outside never does. */
export async function stepTraffic(ctx: DemoContext, c: Cluster): Promise<void> {
  ctx.report.step("traffic: client → egress → mTLS → ingress → server");
  if (!(await waitFor(() => answers(c).length > 0, 30_000))) {
    const log = c.kubelet.logTail(c.client, c.client.containers[0]!, 10);
    throw new Error(`client got no answer through the mesh\n${log}`);
  }
  ctx.report.ok(`client: ${answers(c)[0]!.trim()}`);
  ctx.report.note(`(GET http://${MESH_EGRESS}/ in the client pod: its sidecar's egress listener)`);
  const peers = serverPeers(c);
  if (peers.length === 0 || !peers.every(isLoopback)) {
    throw new Error(
      `server: expected requests from loopback only, got ${[...new Set(peers)].join(", ") || "none"}`,
    );
  }
  ctx.report.ok(
    `server: ${peers.length} request(s), every one from loopback (its sidecar), none from another address`,
  );
  const server = c.kubelet.netns(c.server).address;
  const reply = await plainExchange(server, APP_PORT, "GET / HTTP/1.0\r\n\r\n");
  await Bun.sleep(500);
  if (reply.includes("hello") || !serverPeers(c).every(isLoopback)) {
    throw new Error(`plain HTTP from the host reached the server app on ${server}:${APP_PORT}`);
  }
  ctx.report.ok(
    `plain HTTP from the host to ${server}:${APP_PORT} is taken by the sidecar's TLS: the app never sees it`,
  );
}

/** Step: kill and restart the Coordinator container; it must come back locked while the mesh keeps working. */
export async function stepRestart(ctx: DemoContext, c: Cluster): Promise<void> {
  ctx.report.step("restart the Coordinator container");
  const before = answers(c).length;
  const container = c.coordinator.containers[0]!;
  await c.kubelet.stopContainer(c.coordinator, container);
  await c.kubelet.startContainer(c.coordinator, container);
  await c.kubelet.probe(c.coordinator, container, container.startupProbe!);
  ctx.report.ok("killed, deleted and started again on the same state volume");
  await ctx.cli(["verify", "-c", c.user, "--workspace-dir", ctx.ws], 6);
  ctx.report.ok("it comes back locked: verify refuses a Coordinator in recovery mode (exit 6)");
  if (!(await waitFor(() => answers(c).length > before, 15_000))) {
    throw new Error("client: expected answers while the Coordinator restarted, got none");
  }
  ctx.report.ok("the pods kept talking through the mesh meanwhile");
}

/** Step: `contrast recover`, then `verify`: the root CA must be the one `set` returned, byte for byte. */
export async function stepRecover(ctx: DemoContext, c: Cluster, rootCA: string): Promise<void> {
  ctx.report.step(`contrast recover -c ${c.user}`);
  await ctx.cli(["recover", "-c", c.user, "--workspace-dir", ctx.ws]);
  ctx.report.ok(
    "its history ends with manifest.json; seed share decrypted with seedshare-owner.pem and sent",
  );
  await ctx.cli(["verify", "-c", c.user, "--workspace-dir", ctx.ws]);
  const after = readFileSync(join(ctx.ws, "verify", "coordinator-root-ca.pem"), "utf8");
  if (after !== rootCA)
    throw new Error("root CA: expected the one set returned, got other bytes after recover");
  ctx.report.ok("verify passes again; the root CA is byte-identical to the one set returned");
}

/** Step: the pods' certificates from before still chain to the root CA; a new Initializer is admitted. */
export async function stepAfterRecovery(ctx: DemoContext, c: Cluster, rootCA: string): Promise<void> {
  ctx.report.step("after recovery: old certificates, a new Initializer");
  for (const pod of [c.server, c.client]) verifyChainToRoot(tlsFile(c, pod, "certChain.pem"), rootCA);
  ctx.report.ok(
    "the server's and client's mesh certificates (issued before the restart) chain to the root CA",
  );
  // Into a directory of its own: the running sidecar would pick up credentials written into the pod's volume.
  const fresh = join(c.kubelet.podDir(c.client), "second-initializer");
  mkdirSync(fresh, { recursive: true });
  await c.kubelet.runToCompletion(c.client, c.client.initContainers[0]!, { secretsDir: fresh });
  const second = verifyChainToRoot(tlsFile(c, c.client, "certChain.pem", fresh), rootCA);
  ctx.report.ok(
    `a new Initializer in the client pod is admitted: ${second.subject}, chained to the same root CA`,
  );
  const sameMeshCa = tlsFile(c, c.client, "mesh-ca.pem") === tlsFile(c, c.client, "mesh-ca.pem", fresh);
  // Sidecars verify peers against the mesh CA only, which a recovery replaces (as in the reference): a pod admitted
  // now and one from before do not trust each other until the old pods restart.
  ctx.report.note(
    sameMeshCa
      ? "same mesh CA as before"
      : "under a new mesh CA (a recovery makes one): restart the older pods to let them talk to it",
  );
}

/** Every step after the setup, in order. */
export async function runSteps(ctx: DemoContext, c: Cluster): Promise<void> {
  await stepCoordinator(ctx, c);
  const rootCA = await stepSet(ctx, c);
  for (const pod of [c.server, c.client]) await stepAppPod(ctx, c, pod, rootCA);
  await stepVerify(ctx, c);
  await stepTraffic(ctx, c);
  await stepRestart(ctx, c);
  await stepRecover(ctx, c, rootCA);
  await stepAfterRecovery(ctx, c, rootCA);
}
