import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type InboundPlan, renderInboundRules } from "../../src/servicemesh/redirect-rules.ts";
import { expectGolden } from "../support/golden.ts";
import { testdata } from "../support/testdata.ts";

const GOLDEN = testdata("servicemesh", "golden");

const golden = (name: string, actual: string) => expectGolden(join(GOLDEN, name), actual);

const PLANS: Record<string, InboundPlan> = {
  // Right after start, before the app bound anything: every inbound TCP connection is reset.
  empty: { redirects: [], openPorts: [] },
  // emojivoto-like: two app ports through the mesh, a plain metrics port and the admin port.
  web: {
    redirects: [
      { appPort: 8080, proxyPort: 15100 },
      { appPort: 443, proxyPort: 15101 },
    ],
    openPorts: [9090, 9901, 9090],
  },
};

describe("renderInboundRules", () => {
  test("plans × families → golden iptables-restore documents", () => {
    let ran = 0;
    for (const [name, plan] of Object.entries(PLANS)) {
      for (const family of ["ipv4", "ipv6"] as const) {
        golden(`${name}.${family}.rules`, renderInboundRules(plan, family));
        ran++;
      }
    }
    expect(ran).toBe(4);
  });

  test("redirects in another order → same bytes", () => {
    const web = PLANS.web!;
    const reversed = { ...web, redirects: [...web.redirects].reverse() };
    expect(renderInboundRules(reversed, "ipv4")).toBe(renderInboundRules(web, "ipv4"));
  });

  test("a proxy port is reachable only as the redirect target of its app port", () => {
    const text = renderInboundRules(PLANS.web!, "ipv4");
    expect(text).toContain("--ctstate DNAT --ctorigdstport 8080 -m tcp --dport 15100 -j RETURN");
    expect(text.split("\n")).not.toContain("-A CONTRAST_MESH_INPUT -p tcp -m tcp --dport 15100 -j RETURN");
    expect(text.trimEnd().split("\n").slice(-3)).toEqual([
      "-A CONTRAST_MESH_INPUT -p tcp -j REJECT --reject-with tcp-reset",
      "-A CONTRAST_MESH_INPUT -j DROP",
      "COMMIT",
    ]);
  });
});
