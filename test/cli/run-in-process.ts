// Runs a CLI command group in-process with stdout/stderr captured, for tests of the command layer.

import { spyOn } from "bun:test";
import { type CAC, cac } from "cac";
import { parseAndRun } from "../../src/cli/command.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `register` adds the command(s) under test to a fresh root; `args` is argv without `contrast`. */
export async function runInProcess(register: (cli: CAC) => void, args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = spyOn(process.stdout, "write").mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const err = spyOn(process.stderr, "write").mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    const cli = cac("contrast");
    register(cli);
    await parseAndRun(cli, args);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
