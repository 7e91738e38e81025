// `--help` of every command shows its description and at least one example; the exit-code table is shown once, in
// `contrast --help` (issue 11 §7).

import { afterEach, describe, expect, test } from "bun:test";
import { listCommands } from "../../src/command/command.ts";
import { createContrastCli } from "../../src/main.ts";
import { runContrast } from "../support/run-in-process.ts";

afterEach(() => {
  process.exitCode = 0;
});

describe("contrast … --help", () => {
  test("every command → its description and an example of it; no exit-code table", async () => {
    const commands = listCommands(createContrastCli());
    for (const { path, command } of commands) {
      const r = await runContrast([...path, "--help"]);
      const where = path.join(" ");
      expect({ where, code: r.code }).toEqual({ where, code: 0 });
      expect(r.stdout).toContain(`\n${command.description}\n`);
      const examples = r.stdout.split("\nExamples:\n")[1] ?? "";
      expect({ where, example: examples.includes(`contrast ${where}`) }).toEqual({ where, example: true });
      expect(r.stdout).not.toContain("Exit codes:");
    }
    expect(commands.length).toBeGreaterThanOrEqual(18);
  });

  test("contrast --help → the exit-code table once; a group's help → its description, no table", async () => {
    const root = await runContrast(["--help"]);
    expect(root.code).toBe(0);
    expect(root.stdout.split("Exit codes:").length).toBe(2);
    expect(root.stdout).toContain("6  unavailable");
    const group = await runContrast(["keys", "--help"]);
    expect(group.stdout).toContain(
      "create workload-owner (ECDSA P-384) and seed-share-owner (RSA-4096) keys",
    );
    expect(group.stdout).not.toContain("Exit codes:");
  });
});
