// `--keep`: what is left running, how to poke at it, and how to clean it up (also after a failure: what broke).

import { APP_PORT, MESH_EGRESS } from "./apps.ts";
import { type UndoAction, undoCommand } from "./cleanup.ts";
import type { Cluster } from "./setup-steps.ts";

export function keepInstructions(
  c: Cluster,
  k: { runDir: string; ws: string; bin: string },
  pending: readonly UndoAction[],
): string {
  const ns = (p: typeof c.client) => c.kubelet.netns(p).netns;
  const clientApp = c.kubelet.containerId(c.client, c.client.containers[0]!);
  const serverAddress = c.kubelet.netns(c.server).address;
  return [
    `left running (--keep); run directory ${k.runDir}`,
    "  runc list",
    `  runc exec ${clientApp} wget -qO- http://${MESH_EGRESS}/        # the client app, through the mesh`,
    `  ip netns exec ${ns(c.client)} curl -s http://${MESH_EGRESS}/   # the host's curl in the client pod`,
    `  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | ip netns exec ${ns(c.client)} socat - TCP:${MESH_EGRESS}`,
    `  curl -sv http://${serverAddress}:${APP_PORT}/              # plain HTTP from the host: the sidecar answers TLS`,
    `  ${k.bin} verify -c ${c.user} --workspace-dir ${k.ws}`,
    `  ip netns exec ${ns(c.server)} iptables -t nat -S CONTRAST_MESH_INBOUND`,
    `  tail -f ${k.runDir}/logs/*.log`,
    "clean up:",
    `  make demo-clean DIR=${k.runDir}`,
    "  or by hand, in this order:",
    ...pending.map((a) => `  ${undoCommand(a).join(" ")}`),
  ].join("\n");
}
