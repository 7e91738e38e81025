// Runs a CLI command group in-process with stdout/stderr captured, for tests of the command layer.

import { spyOn } from "bun:test";
import { type CAC, cac } from "cac";
import { parseAndRun } from "../../src/command/command.ts";
import { createContrastCli } from "../../src/main.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `register` adds the command(s) under test to a fresh root; `args` is argv without `contrast`. */
export async function runInProcess(register: (cli: CAC) => void, args: string[]): Promise<CliResult> {
  return runCli(() => {
    const cli = cac("contrast");
    register(cli);
    return cli;
  }, args);
}

/** The whole `contrast` command line (as src/main.ts builds it), e.g. for `--help`. */
export function runContrast(args: string[]): Promise<CliResult> {
  return runCli(createContrastCli, args);
}

async function runCli(create: () => CAC, args: string[]): Promise<CliResult> {
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
  // cac prints help with console.info
  const info = spyOn(console, "info").mockImplementation((s: unknown) => {
    stdout += `${String(s)}\n`;
  });
  try {
    process.exitCode = 0;
    await parseAndRun(create(), args);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    info.mockRestore();
  }
}
