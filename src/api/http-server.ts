// An HTTP/1.1 listener with explicit limits (issue 15 §2) in front of a web-standard `fetch` handler (the hono apps).
//
// Bun.serve has only an idle timeout, and Bun's node:http accepts but ignores `headersTimeout`, `requestTimeout` and
// `maxConnections`, so the protocol is done here over node:tls / node:net, where every byte is ours to time:
//   - connection cap: counted at TCP accept, before the TLS handshake. At the cap the oldest connection that is
//     not running a request (handshaking, sending headers or body, idle) is closed to make room; when every one
//     is running a request, the new one is closed;
//   - header timeout: from accept (TLS handshake included) or from the first byte of a later request on a
//     kept-alive connection, until the blank line ending the headers;
//   - body timeout: from the end of the headers until the last body byte (Content-Length only; chunked bodies are
//     refused with 411 so the length is known before the first body byte);
//   - idle timeout: between requests on a kept-alive connection.
// A timed-out request gets 408 `request_timeout` and the connection is closed; bodies and headers over their limits
// get 413 `body_too_large` / 431 `headers_too_large` without reading further. Requests are served one at a time
// per connection (pipelined bytes wait). Error bodies are the API's `{code, message}`.

import net from "node:net";
import tls from "node:tls";
import type { ApiCode } from "../common/codes.ts";

export interface HttpLimits {
  /** Open connections per listener, counted from TCP accept. */
  readonly maxConnections: number;
  readonly headerTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = Object.freeze({
  maxConnections: 1024,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  idleTimeoutMs: 15_000,
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 16 * 1024 * 1024,
});

export interface HttpServerOptions {
  readonly hostname: string;
  readonly port: number;
  /** PEM key and certificate: HTTPS; absent: plain HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
  readonly limits: HttpLimits;
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** Called for events an operator may want to see (connections refused at the cap). Never gets request data. */
  readonly onEvent?: (event: "connection_refused" | "connection_evicted" | "handler_failed") => void;
}

export interface HttpServer {
  readonly hostname: string;
  readonly port: number;
  /** Currently open connections. */
  connections(): number;
  /** Stops accepting and closes every connection. */
  stop(): Promise<void>;
}

type Phase = "handshake" | "head" | "body" | "busy" | "idle";

interface Conn {
  readonly socket: net.Socket;
  phase: Phase;
  /** When the current phase started (eviction picks the oldest non-busy one). */
  since: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  buffered: Buffer;
  closed: boolean;
}

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const REQUEST_LINE = /^([A-Z]{1,16}) (\/[\x21-\x7e]*) HTTP\/1\.([01])$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

class HttpProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiCode,
    message: string,
  ) {
    super(message);
  }
}

interface ParsedHead {
  method: string;
  target: string;
  minor: number;
  headers: Headers;
  contentLength: number;
}

/** Parses the header block (without the final CRLF CRLF). Throws HttpProtocolError naming the problem. */
export function parseRequestHead(text: string, maxBody: number): ParsedHead {
  const lines = text.split("\r\n");
  const m = REQUEST_LINE.exec(lines[0] ?? "");
  if (!m) {
    throw new HttpProtocolError(
      400,
      "invalid_argument",
      `request line: expected METHOD /path HTTP/1.x, got ${JSON.stringify((lines[0] ?? "").slice(0, 60))}`,
    );
  }
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!HEADER_NAME.test(name)) {
      throw new HttpProtocolError(
        400,
        "invalid_argument",
        `header: expected name: value, got ${JSON.stringify(line.slice(0, 60))}`,
      );
    }
    try {
      headers.append(name, line.slice(colon + 1).trim());
    } catch {
      throw new HttpProtocolError(400, "invalid_argument", `header ${name}: expected a valid value`);
    }
  }
  if (headers.has("transfer-encoding")) {
    throw new HttpProtocolError(
      411,
      "length_required",
      `transfer-encoding: expected none (send content-length), got ${JSON.stringify(headers.get("transfer-encoding")!.slice(0, 40))}`,
    );
  }
  const cl = headers.get("content-length");
  let contentLength = 0;
  if (cl !== null) {
    // Repeated headers are joined with ", ": anything but one decimal number is refused (no smuggling by ambiguity).
    if (!/^\d{1,15}$/.test(cl)) {
      throw new HttpProtocolError(
        400,
        "invalid_argument",
        `content-length: expected one decimal number, got ${JSON.stringify(cl.slice(0, 40))}`,
      );
    }
    contentLength = Number(cl);
  }
  if (contentLength > maxBody) {
    throw new HttpProtocolError(
      413,
      "body_too_large",
      `content-length: expected at most ${maxBody} bytes, got ${contentLength}`,
    );
  }
  return { method: m[1]!, target: m[2]!, minor: Number(m[3]), headers, contentLength };
}

export function serveHttp(opts: HttpServerOptions): Promise<HttpServer> {
  const { limits } = opts;
  const conns = new Set<Conn>();
  const byRaw = new WeakMap<net.Socket, Conn>();
  const scheme = opts.tls ? "https" : "http";

  const setPhase = (c: Conn, phase: Phase, timeoutMs: number | undefined, onTimeout?: () => void) => {
    if (c.timer !== undefined) clearTimeout(c.timer);
    c.timer = undefined;
    c.phase = phase;
    c.since = performance.now();
    if (timeoutMs !== undefined) c.timer = setTimeout(onTimeout ?? (() => close(c)), timeoutMs);
  };

  const close = (c: Conn) => {
    if (c.closed) return;
    c.closed = true;
    if (c.timer !== undefined) clearTimeout(c.timer);
    conns.delete(c);
    c.socket.destroy();
  };

  const writeError = (c: Conn, status: number, code: ApiCode, message: string) => {
    const body = Buffer.from(JSON.stringify({ code, message }));
    const head =
      `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\ncontent-type: application/json\r\n` +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    if (c.timer !== undefined) clearTimeout(c.timer);
    c.phase = "busy"; // nothing more is read from this connection
    c.socket.end(Buffer.concat([Buffer.from(head), body]), () => close(c));
    // A peer that never reads its error must not hold the connection: the idle timeout bounds the wait.
    c.timer = setTimeout(() => close(c), limits.idleTimeoutMs);
  };

  const timeoutRequest = (c: Conn) => () =>
    c.phase === "body"
      ? writeError(c, 408, "request_timeout", `body: expected within ${limits.bodyTimeoutMs} ms`)
      : writeError(c, 408, "request_timeout", `headers: expected within ${limits.headerTimeoutMs} ms`);

  const admit = (raw: net.Socket) => {
    if (conns.size >= limits.maxConnections) {
      let oldest: Conn | undefined;
      for (const c of conns) if (c.phase !== "busy" && (!oldest || c.since < oldest.since)) oldest = c;
      if (oldest === undefined) {
        opts.onEvent?.("connection_refused");
        raw.destroy();
        return;
      }
      opts.onEvent?.("connection_evicted");
      close(oldest);
    }
    const c: Conn = {
      socket: raw,
      phase: "handshake",
      since: performance.now(),
      timer: undefined,
      buffered: Buffer.alloc(0),
      closed: false,
    };
    conns.add(c);
    byRaw.set(raw, c);
    raw.on("close", () => close(c));
    raw.on("error", () => close(c));
    setPhase(c, "handshake", limits.headerTimeoutMs);
    if (!opts.tls) start(c, raw);
  };

  const start = (c: Conn, socket: net.Socket) => {
    // The handshake counts against the header timeout: a slow TLS handshake is a slow header.
    const left = Math.max(0, limits.headerTimeoutMs - (performance.now() - c.since));
    const accepted = c.since;
    setPhase(c, "head", left, timeoutRequest(c));
    c.since = accepted;
    socket.on("data", (chunk: Buffer) => {
      if (c.closed) return;
      c.buffered = c.buffered.length === 0 ? chunk : Buffer.concat([c.buffered, chunk]);
      if (c.phase === "idle") setPhase(c, "head", limits.headerTimeoutMs, timeoutRequest(c));
      if (c.phase === "busy") {
        // Pipelined bytes wait for the running request; stop reading once a whole request's worth is queued.
        if (c.buffered.length > limits.maxHeaderBytes + limits.maxBodyBytes) socket.pause();
        return;
      }
      // Nothing in a request may take the process down: an unexpected throw closes this connection only.
      advance(c, socket).catch(() => {
        opts.onEvent?.("handler_failed");
        close(c);
      });
    });
  };

  const heads = new WeakMap<Conn, ParsedHead>();

  const advance = async (c: Conn, socket: net.Socket): Promise<void> => {
    for (;;) {
      if (c.closed || c.phase === "busy") return;
      let head = heads.get(c);
      if (head === undefined) {
        const end = c.buffered.indexOf("\r\n\r\n");
        if (end < 0) {
          if (c.buffered.length > limits.maxHeaderBytes)
            writeError(
              c,
              431,
              "headers_too_large",
              `headers: expected at most ${limits.maxHeaderBytes} bytes`,
            );
          return;
        }
        if (end > limits.maxHeaderBytes) {
          writeError(c, 431, "headers_too_large", `headers: expected at most ${limits.maxHeaderBytes} bytes`);
          return;
        }
        try {
          head = parseRequestHead(c.buffered.subarray(0, end).toString("latin1"), limits.maxBodyBytes);
        } catch (e) {
          if (!(e instanceof HttpProtocolError)) throw e;
          writeError(c, e.status, e.code, e.message);
          return;
        }
        c.buffered = c.buffered.subarray(end + 4);
        heads.set(c, head);
        setPhase(c, "body", limits.bodyTimeoutMs, timeoutRequest(c));
        if (head.headers.get("expect")?.toLowerCase() === "100-continue" && c.buffered.length === 0)
          socket.write("HTTP/1.1 100 Continue\r\n\r\n");
      }
      if (c.buffered.length < head.contentLength) return;
      const body = c.buffered.subarray(0, head.contentLength);
      c.buffered = Buffer.from(c.buffered.subarray(head.contentLength));
      heads.delete(c);
      setPhase(c, "busy", undefined);
      const keepAlive = wantsKeepAlive(head);
      let response: Uint8Array;
      try {
        response = await respond(head, body, keepAlive);
      } catch {
        opts.onEvent?.("handler_failed");
        writeError(c, 500, "internal", "internal error");
        return;
      }
      if (c.closed) return;
      if (!keepAlive) {
        c.socket.end(response, () => close(c));
        c.timer = setTimeout(() => close(c), limits.idleTimeoutMs);
        return;
      }
      socket.write(response);
      socket.resume();
      if (c.buffered.length > 0) setPhase(c, "head", limits.headerTimeoutMs, timeoutRequest(c));
      else setPhase(c, "idle", limits.idleTimeoutMs);
    }
  };

  const respond = async (head: ParsedHead, body: Uint8Array, keepAlive: boolean): Promise<Uint8Array> => {
    const host = head.headers.get("host") ?? opts.hostname;
    const url = `${scheme}://${/^[\x21-\x7e]{1,255}$/.test(host) ? host : "localhost"}${head.target}`;
    let request: Request;
    try {
      request = new Request(url, {
        method: head.method,
        headers: head.headers,
        ...(head.method === "GET" || head.method === "HEAD" ? {} : { body: body.slice() }),
      });
    } catch {
      request = new Request(`${scheme}://localhost${head.target}`, {
        method: head.method,
        headers: head.headers,
        ...(head.method === "GET" || head.method === "HEAD" ? {} : { body: body.slice() }),
      });
    }
    const res = await opts.fetch(request);
    const payload = head.method === "HEAD" ? new Uint8Array() : new Uint8Array(await res.arrayBuffer());
    let text = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? "Status"}\r\n`;
    res.headers.forEach((v, k) => {
      if (k !== "content-length" && k !== "transfer-encoding" && k !== "connection") text += `${k}: ${v}\r\n`;
    });
    text += `content-length: ${payload.length}\r\nconnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`;
    return Buffer.concat([Buffer.from(text, "latin1"), payload]);
  };

  const server = opts.tls ? tls.createServer({ key: opts.tls.key, cert: opts.tls.cert }) : net.createServer();
  server.on("connection", admit);
  if (opts.tls) {
    server.on("secureConnection", (s: tls.TLSSocket) => {
      // Bun hands out the accepted socket itself here; Node wraps it (then `_parent` is the raw socket).
      const c = byRaw.get(s) ?? byRaw.get((s as unknown as { _parent: net.Socket })._parent);
      if (c === undefined || c.closed) {
        s.destroy();
        return;
      }
      start(c, s);
    });
    server.on("tlsClientError", () => {});
  }
  server.on("error", () => {});

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => {
      server.off("error", reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        hostname: opts.hostname,
        port: addr.port,
        connections: () => conns.size,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const c of [...conns]) close(c);
          }),
      });
    });
  });
}

function wantsKeepAlive(head: ParsedHead): boolean {
  const conn = head.headers.get("connection")?.toLowerCase() ?? "";
  if (head.minor === 0) return conn.split(",").some((t) => t.trim() === "keep-alive");
  return !conn.split(",").some((t) => t.trim() === "close");
}
