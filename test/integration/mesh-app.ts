// Test apps for the network-namespace mesh test, run inside a namespace with `ip netns exec … bun mesh-app.ts`.
//
//   sink   --port P            (on ::, dual stack) check every byte of each stream against the pattern; answer `ok N` or `bad …`
//   load   --target H:P --conns N --bytes B   N concurrent pattern streams; JSON summary on stdout, exit 0 if all ok
//   hold   --target H:P --bytes B   send half, print `held`, wait for a stdin line, send the rest, print the answer
//   probe  --target H:P [--tls-dir D --servername S]   send `hello`, print {connected, reply, error} as JSON
//   tls-server --port P --tls-dir D   a TLS server answering `rogue` (an impostor)
//   http-get --url U            print the body
//
// Stream: 16-byte header (u64 LE stream id, u64 LE payload length), then the payload in 64 KiB segments; segment k
// is a per-stream pseudo-random block with k (u64 LE) in its first 8 bytes, so loss, duplication, reordering and
// cross-stream mixing all show as a mismatch at a known offset, checked with memcmp instead of a hash.

import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";

const SEG = 64 * 1024;

function arg(name: string, def?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : def;
  if (v === undefined) throw new Error(`--${name} missing`);
  return v;
}

function splitTarget(t: string): { host: string; port: number } {
  const i = t.lastIndexOf(":");
  return { host: t.slice(0, i), port: Number(t.slice(i + 1)) };
}

/** The base block of stream `id` (xorshift32, deterministic). */
function baseBlock(id: number): Buffer {
  const b = Buffer.allocUnsafe(SEG);
  let x = (id * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < SEG; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b.writeUInt32LE(x, i);
  }
  return b;
}

function segment(base: Buffer, k: number, len: number): Buffer {
  const s = Buffer.allocUnsafe(len);
  base.copy(s, 0, 0, len);
  const idx = Buffer.alloc(8);
  idx.writeBigUInt64LE(BigInt(k));
  idx.copy(s, 0, 0, Math.min(8, len));
  return s;
}

/** Incremental checker of one incoming stream. */
class StreamCheck {
  private header = Buffer.alloc(0);
  private base: Buffer | undefined;
  private expected = 0;
  offset = 0;
  bad: string | undefined;

  feed(chunk: Buffer): void {
    if (this.bad) return;
    if (this.base === undefined) {
      this.header = Buffer.concat([this.header, chunk]);
      if (this.header.length < 16) return;
      const id = Number(this.header.readBigUInt64LE(0));
      this.expected = Number(this.header.readBigUInt64LE(8));
      this.base = baseBlock(id);
      const rest = this.header.subarray(16);
      this.header = Buffer.alloc(0);
      if (rest.length > 0) this.feed(rest);
      return;
    }
    let pos = 0;
    while (pos < chunk.length) {
      const k = Math.floor(this.offset / SEG);
      const off = this.offset % SEG;
      const n = Math.min(chunk.length - pos, SEG - off);
      // The first 8 bytes of a segment are its index, the rest is the base block: compare each part in place.
      const m = off < 8 ? Math.min(8 - off, n) : 0;
      const idx = Buffer.alloc(8);
      idx.writeBigUInt64LE(BigInt(k));
      const same =
        Buffer.compare(chunk.subarray(pos, pos + m), idx.subarray(off, off + m)) === 0 &&
        Buffer.compare(chunk.subarray(pos + m, pos + n), this.base.subarray(off + m, off + n)) === 0;
      if (!same) {
        this.bad = `mismatch in [${this.offset}, ${this.offset + n})`;
        return;
      }
      pos += n;
      this.offset += n;
    }
  }

  verdict(): string {
    if (this.bad) return `bad ${this.bad}`;
    if (this.base === undefined) return "bad no header";
    return this.offset === this.expected
      ? `ok ${this.offset}`
      : `bad length ${this.offset} of ${this.expected}`;
  }
}

function sink(): void {
  let n = 0;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const id = ++n;
    const check = new StreamCheck();
    s.on("data", (d: Buffer) => check.feed(d));
    s.on("error", () => {});
    s.on("end", () => {
      const v = check.verdict();
      process.stdout.write(`${JSON.stringify({ event: "conn", id, verdict: v })}\n`);
      s.end(`${v}\n`);
    });
  });
  // `::` without ipv6Only: one socket for IPv4 and IPv6, as many apps bind.
  server.listen(Number(arg("port")), "::", () =>
    process.stdout.write(`${JSON.stringify({ event: "listening" })}\n`),
  );
}

/** Sends stream `id` of `bytes` payload bytes; `pauseAt` stops after that many and waits for `resume`. */
function sendStream(
  target: { host: string; port: number },
  id: number,
  bytes: number,
  pauseAt?: { at: number; resume: Promise<void>; onPause: () => void },
): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ ...target, allowHalfOpen: true });
    const base = baseBlock(id);
    let reply = "";
    let sent = 0;
    let k = 0;
    let paused = false;
    s.on("data", (d) => {
      reply += d;
    });
    s.on("error", (e) => {
      reply += `error ${e.message}`;
    });
    s.on("close", () => resolve(reply.trim() || "closed"));
    const pump = () => {
      while (sent < bytes) {
        if (pauseAt && !paused && sent >= pauseAt.at) {
          paused = true;
          pauseAt.onPause();
          void pauseAt.resume.then(pump);
          return;
        }
        const len = Math.min(SEG, bytes - sent);
        const seg = segment(base, k++, len);
        sent += len;
        if (!s.write(seg)) return void s.once("drain", pump);
      }
      s.end();
    };
    s.once("connect", () => {
      const h = Buffer.alloc(16);
      h.writeBigUInt64LE(BigInt(id), 0);
      h.writeBigUInt64LE(BigInt(bytes), 8);
      s.write(h);
      pump();
    });
  });
}

async function load(): Promise<void> {
  const target = splitTarget(arg("target"));
  const conns = Number(arg("conns"));
  const bytes = Number(arg("bytes"));
  const t0 = performance.now();
  const replies = await Promise.all(
    Array.from({ length: conns }, (_, i) => sendStream(target, i + 1, bytes)),
  );
  const seconds = (performance.now() - t0) / 1000;
  const failed = replies.map((r, i) => ({ id: i + 1, r })).filter((x) => x.r !== `ok ${bytes}`);
  const mbps = (conns * bytes) / seconds / 1e6;
  process.stdout.write(
    `${JSON.stringify({ ok: conns - failed.length, failed: failed.slice(0, 5), seconds, mbps })}\n`,
  );
  process.exit(failed.length === 0 ? 0 : 1);
}

async function hold(): Promise<void> {
  const bytes = Number(arg("bytes"));
  let resume: () => void = () => {};
  const resumed = new Promise<void>((r) => {
    resume = r;
  });
  process.stdin.once("data", () => resume());
  const reply = await sendStream(splitTarget(arg("target")), 4242, bytes, {
    at: Math.floor(bytes / 2),
    resume: resumed,
    onPause: () => process.stdout.write("held\n"),
  });
  process.stdout.write(`${reply}\n`);
  process.exit(0);
}

function tlsOptions(dir: string) {
  const f = (n: string) => readFileSync(join(dir, n), "utf8");
  return { key: f("key.pem"), cert: f("certChain.pem"), ca: f("mesh-ca.pem") };
}

function probe(): void {
  const target = splitTarget(arg("target"));
  const dir = process.argv.includes("--tls-dir") ? arg("tls-dir") : undefined;
  let connected = false;
  let reply = "";
  let error: string | undefined;
  const s = dir
    ? tls.connect({ ...target, ...tlsOptions(dir), servername: arg("servername", "server") })
    : net.connect(target);
  s.once(dir ? "secureConnect" : "connect", () => {
    connected = true;
    s.end("hello\n");
  });
  s.on("data", (d) => {
    reply += d;
  });
  s.on("error", (e) => {
    error = e.message;
  });
  s.on("close", () => {
    process.stdout.write(`${JSON.stringify({ connected, reply, error })}\n`);
    process.exit(0);
  });
  s.setTimeout(5000, () => s.destroy(new Error("timeout")));
}

function tlsServer(): void {
  const server = tls.createServer({ ...tlsOptions(arg("tls-dir")), allowHalfOpen: true }, (s) => {
    s.on("error", () => {});
    s.end("rogue\n");
  });
  server.on("tlsClientError", () => {});
  server.listen(Number(arg("port")), "0.0.0.0", () =>
    process.stdout.write(`${JSON.stringify({ event: "listening" })}\n`),
  );
}

async function httpGet(): Promise<void> {
  const r = await fetch(arg("url"));
  process.stdout.write(await r.text());
  process.exit(r.ok ? 0 : 1);
}

const modes: Record<string, () => unknown> = {
  sink,
  load,
  hold,
  probe,
  "tls-server": tlsServer,
  "http-get": httpGet,
};
const mode = modes[process.argv[2] ?? ""];
if (!mode) {
  process.stderr.write(`usage: mesh-app.ts ${Object.keys(modes).join("|")} …\n`);
  process.exit(2);
}
await mode();
