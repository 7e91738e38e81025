import { describe, expect, test } from "bun:test";
import { UnavailableError } from "../../src/common/errors.ts";
import { restartContainerd } from "../../src/nodeinstaller/restart.ts";
import { expectCode } from "../support/expect-error.ts";
import { recordingRunner } from "./fixtures.ts";

const HOST = ["nsenter", "-t", "1", "-m", "--", "systemctl"];

async function expectUnavailable(p: Promise<unknown>, code: string): Promise<void> {
  await expectCode(async () => p, UnavailableError, code);
}

describe("restartContainerd", () => {
  test("K3s agent node → k3s inactive skipped, k3s-agent restarted through the host's init", async () => {
    const r = recordingRunner(["k3s-agent.service"]);
    expect(await restartContainerd(["k3s.service", "k3s-agent.service"], r.run)).toBe("k3s-agent.service");
    expect(r.calls).toEqual([
      [...HOST, "is-active", "--quiet", "k3s.service"],
      [...HOST, "is-active", "--quiet", "k3s-agent.service"],
      [...HOST, "restart", "k3s-agent.service"],
    ]);
  });

  test("no unit active → UnavailableError containerd_unit_not_active, nothing restarted", async () => {
    const r = recordingRunner([]);
    await expectUnavailable(restartContainerd(["containerd.service"], r.run), "containerd_unit_not_active");
    expect(r.calls.some((c) => c.includes("restart"))).toBe(false);
  });

  test("restart fails → UnavailableError containerd_restart_failed", async () => {
    const r = recordingRunner(["containerd.service"], 1);
    await expectUnavailable(restartContainerd(["containerd.service"], r.run), "containerd_restart_failed");
  });
});
