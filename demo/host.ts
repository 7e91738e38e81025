// Running host commands for the container demo (ip, runc, umoci, mount): argv only, never a shell string.

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv to completion; never throws for a non-zero exit. */
export async function exec(
  argv: readonly string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const p = Bun.spawn([...argv], {
    env: { ...process.env, ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer =
    opts.timeoutMs === undefined ? undefined : setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs);
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  if (timer !== undefined) clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Runs argv and returns its stdout; a non-zero exit throws with the command and its stderr. */
export async function run(argv: readonly string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await exec(argv, opts);
  if (r.code !== 0)
    throw new Error(`${argv.join(" ")}: exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Whether `tool` is on PATH. */
export function has(tool: string): boolean {
  return Bun.which(tool) !== null;
}

/** The host's IPv4 addresses and route prefixes (what a new subnet must not overlap); `default` is left out. */
export async function hostPrefixes(): Promise<string[]> {
  const addrs = (await run(["ip", "-4", "-o", "addr", "show"]))
    .split("\n")
    .map((l) => l.split(/\s+/)[3])
    .filter((x): x is string => x !== undefined && x !== "");
  const routes = (await run(["ip", "-4", "route", "show"]))
    .split("\n")
    .map((l) => l.split(/\s+/)[0])
    .filter((x): x is string => x !== undefined && x !== "" && x !== "default");
  return [...addrs, ...routes];
}

/** The last `n` lines of a text. */
export function tail(text: string, n: number): string {
  const lines = text.trimEnd().split("\n");
  return lines.slice(-n).join("\n");
}
