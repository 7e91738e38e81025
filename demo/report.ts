// The demo's progress on stdout: numbered steps (with the time since the start), one ✓ or ✗ line per thing checked.

export class Report {
  private n = 0;
  private readonly started = Date.now();

  constructor(private readonly out: (s: string) => void = (s) => process.stdout.write(s)) {}

  /** Starts the next step. */
  step(title: string): void {
    this.n += 1;
    this.out(`${String(this.n).padStart(2)}. ${title.padEnd(64)} [${this.elapsed()} s]\n`);
  }

  ok(text: string): void {
    this.out(`    ✓ ${text}\n`);
  }

  /** A failed check; lines after the first (e.g. a log tail) are indented under it. */
  fail(text: string): void {
    const [first, ...rest] = text.split("\n");
    this.out(`    ✗ ${first}\n`);
    if (rest.length > 0) this.note(rest.join("\n"));
  }

  /** Lines under the current check (indented, no mark). */
  note(text: string): void {
    for (const line of text.split("\n")) this.out(`      ${line}\n`);
  }

  line(text = ""): void {
    this.out(`${text}\n`);
  }

  /** Seconds since the report started. */
  elapsed(): string {
    return ((Date.now() - this.started) / 1000).toFixed(1);
  }
}
