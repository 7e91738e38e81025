import { describe, expect, test } from "bun:test";
import { hostsFile, IFNAMSIZ, parsePrefix, planTopology, setupCommands } from "../../demo/topology.ts";
import { ConfigError, UnavailableError } from "../../src/common/errors.ts";
import { thrownBy } from "../support/expect-error.ts";

const PODS = ["coordinator-0", "server", "client"];

describe("planTopology", () => {
  test("a host with no 10.231.x.x → 10.231.0.0/24, host .254, pods from .2 in order", () => {
    const plan = planTopology("ab12cd", PODS, ["192.0.2.2/24", "127.0.0.1/8", "192.0.2.0/24"]);
    expect(plan.subnet).toBe("10.231.0.0/24");
    expect(plan.hostAddress).toBe("10.231.0.254");
    expect(plan.pods.map((p) => [p.pod, p.address])).toEqual([
      ["coordinator-0", "10.231.0.2"],
      ["server", "10.231.0.3"],
      ["client", "10.231.0.4"],
    ]);
  });

  test("another demo's host address in 10.231.0.0/24 → the next /24", () => {
    expect(planTopology("a", PODS, ["10.231.0.254/24"]).subnet).toBe("10.231.1.0/24");
    expect(planTopology("a", PODS, ["10.231.0.0/24", "10.231.1.7"]).subnet).toBe("10.231.2.0/24");
  });

  test("a wider route that covers the range (10.0.0.0/8, 10.231.0.0/16) → demo_subnet_unavailable", () => {
    for (const wide of ["10.0.0.0/8", "10.231.0.0/16", "0.0.0.0/0"]) {
      const e = thrownBy(() => planTopology("a", PODS, [wide]));
      expect(e).toBeInstanceOf(UnavailableError);
      expect(e.code).toBe("demo_subnet_unavailable");
    }
  });

  test("a neighbouring /16 (10.230.0.0/16) → no effect", () => {
    expect(planTopology("a", PODS, ["10.230.0.0/16", "10.232.0.0/16"]).subnet).toBe("10.231.0.0/24");
  });

  test("the longest tag → every name the host sees fits IFNAMSIZ; namespace names are unique", () => {
    const plan = planTopology("abcdefgh", PODS, []);
    expect(plan.hostLink.length).toBeLessThanOrEqual(IFNAMSIZ);
    for (const p of plan.pods) expect(p.nodeLink.length).toBeLessThanOrEqual(IFNAMSIZ);
    const names = [plan.nodeNetns, ...plan.pods.map((p) => p.netns)];
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => n.includes("abcdefgh"))).toBe(true);
  });

  test("250 pods → all distinct addresses inside the /24, none the host's", () => {
    const pods = Array.from({ length: 250 }, (_, i) => `p${i}`);
    const plan = planTopology("a", pods, []);
    const addrs = plan.pods.map((p) => p.address);
    expect(new Set(addrs).size).toBe(250);
    expect(addrs).not.toContain(plan.hostAddress);
    expect(addrs.every((a) => /^10\.231\.0\.([2-9]|[1-9]\d|1\d\d|2[0-4]\d|25[0-1])$/.test(a))).toBe(true);
  });

  test.each([
    ["tag with a slash", "a/b", PODS],
    ["tag too long", "abcdefghi", PODS],
    ["no pods", "a", []],
    ["251 pods", "a", Array.from({ length: 251 }, (_, i) => `p${i}`)],
    ["a pod twice", "a", ["server", "server"]],
  ])("%s → demo_invalid_topology", (_, tag, pods) => {
    const e = thrownBy(() => planTopology(tag as string, pods as string[], []));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.code).toBe("demo_invalid_topology");
  });
});

describe("parsePrefix", () => {
  test.each([
    ["10.231.4.254/24", { base: 0x0ae704fe, length: 24 }],
    ["10.231.4.1", { base: 0x0ae70401, length: 32 }],
    ["default", undefined],
    ["fe80::1/64", undefined],
    ["10.300.0.0/16", undefined],
    ["10.0.0.0/33", undefined],
  ])("%s → %j", (text, want) => {
    expect(parsePrefix(text)).toEqual(want);
  });
});

describe("setupCommands", () => {
  const plan = planTopology("t1", ["server", "client"], []);
  const cmds = setupCommands(plan);

  test("every namespace is added before a command uses it", () => {
    const added = new Set<string>();
    for (const argv of cmds) {
      if (argv[1] === "netns" && argv[2] === "add") added.add(argv[3]!);
      const n = argv.indexOf("-n");
      if (n >= 0) expect(added.has(argv[n + 1]!)).toBe(true);
      const target = argv.indexOf("netns", 2);
      if (argv[1] === "link" && target >= 0) expect(added.has(argv[target + 1]!)).toBe(true);
    }
  });

  test("the host namespace gets one link and one address, nothing routed or forwarded", () => {
    const onHost = cmds.filter((argv) => !argv.includes("-n") && !(argv[1] === "netns"));
    expect(onHost).toEqual([
      ["ip", "link", "add", "ctdt1", "type", "veth", "peer", "name", "host", "netns", "ctd-t1-node"],
      ["ip", "addr", "add", `${plan.hostAddress}/24`, "dev", "ctdt1"],
      ["ip", "link", "set", "ctdt1", "up"],
    ]);
  });

  test("each pod: eth0 with its address in its namespace, the peer on the bridge", () => {
    for (const p of plan.pods) {
      expect(cmds).toContainEqual(["ip", "-n", p.netns, "addr", "add", `${p.address}/24`, "dev", "eth0"]);
      expect(cmds).toContainEqual([
        "ip",
        "-n",
        plan.nodeNetns,
        "link",
        "set",
        p.nodeLink,
        "master",
        "br0",
        "up",
      ]);
    }
  });
});

describe("hostsFile", () => {
  const plan = planTopology("t1", PODS, []);

  test("server pod → itself, and every pod under the Service names that select it", () => {
    const services = new Map([
      ["coordinator-0", ["coordinator", "coordinator-ready"]],
      ["server", ["server"]],
      ["client", []],
    ]);
    expect(hostsFile(plan, "server", services)).toBe(
      [
        "127.0.0.1\tlocalhost",
        "10.231.0.3\tserver",
        "10.231.0.2\tcoordinator coordinator.default.svc.cluster.local coordinator-ready coordinator-ready.default.svc.cluster.local",
        "10.231.0.3\tserver server.default.svc.cluster.local",
        "",
      ].join("\n"),
    );
  });

  test("a pod outside the plan → demo_invalid_topology", () => {
    const e = thrownBy(() => hostsFile(plan, "intruder", new Map()));
    expect(e.code).toBe("demo_invalid_topology");
  });
});
