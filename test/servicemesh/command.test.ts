import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT } from "../../src/common/errors.ts";
import { registerServiceMesh } from "../../src/servicemesh/command.ts";
import { runInProcess } from "../support/run-in-process.ts";

const ready = join(mkdtempSync(join(tmpdir(), "contrast-mesh-cli-")), "ready");
const cli = (args: string[]) => runInProcess(registerServiceMesh, ["service-mesh", ...args]);

describe("contrast service-mesh", () => {
  test("check-ready before the sidecar wrote its file → exit 6 (startup probe keeps waiting)", async () => {
    expect((await cli(["check-ready", `--ready-file=${ready}`])).code).toBe(EXIT.unavailable);
  });

  test("check-ready once the file exists → exit 0", async () => {
    writeFileSync(ready, "ready\n");
    expect((await cli(["check-ready", `--ready-file=${ready}`])).code).toBe(EXIT.ok);
  });

  test("unknown action → exit 2", async () => {
    const r = await cli(["start"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain("(invalid_argument)");
  });

  test("malformed ingress env → exit 3 naming the variable", async () => {
    process.env.CONTRAST_INGRESS_PROXY_CONFIG = "web#80";
    try {
      const r = await cli([`--ready-file=${ready}`]);
      expect(r.code).toBe(EXIT.config);
      expect(r.stderr).toContain("CONTRAST_INGRESS_PROXY_CONFIG[0]");
    } finally {
      delete process.env.CONTRAST_INGRESS_PROXY_CONFIG;
    }
  });
});
