// Runs the iptables tools: one command at a time, stdout dropped, stderr kept for the error message.

export interface CommandResult {
  readonly code: number;
  readonly stderr: string;
}

/** Runs one command with optional stdin; injected so tests can record the sequence without privileges. */
export type CommandRunner = (argv: readonly string[], stdin?: string) => Promise<CommandResult>;

/** Images without an Env still have the tools in the usual places; the container may carry no PATH at all. */
const FALLBACK_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

export const spawnCommand: CommandRunner = async (argv, stdin) => {
  let proc: ReturnType<typeof Bun.spawn>;
  const [bin = "", ...rest] = argv;
  const resolved =
    Bun.which(bin, { PATH: process.env.PATH ?? FALLBACK_PATH }) ?? Bun.which(bin, { PATH: FALLBACK_PATH });
  if (resolved === null) return { code: 127, stderr: `${bin}: not found` };
  try {
    proc = Bun.spawn([resolved, ...rest], {
      stdin: stdin === undefined ? "ignore" : "pipe",
      stdout: "ignore",
      stderr: "pipe",
    });
  } catch (e) {
    return { code: 127, stderr: e instanceof Error ? e.message : String(e) };
  }
  if (stdin !== undefined && proc.stdin && typeof proc.stdin !== "number") {
    proc.stdin.write(stdin);
    await proc.stdin.end();
  }
  const stderr = await new Response(proc.stderr as ReadableStream).text();
  return { code: await proc.exited, stderr: stderr.trim() };
};
