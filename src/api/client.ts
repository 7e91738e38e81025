// HTTPS JSON client for the Coordinator API, with the attest-then-pin TLS pattern (docs/architecture.md, wire protocol).
//
// The first call (`/v1/attest`, or any call by a party that has no trust anchor at all) reads the server's
// certificate without trusting it; the caller then verifies the attestation, which binds that certificate's
// key, and makes every later call with the certificate pinned as the only trust anchor.

import { X509Certificate } from "node:crypto";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { constantTimeEqual } from "../common/bytes.ts";
import { isApiCode } from "../common/codes.ts";
import { describeValue, UnavailableError } from "../common/errors.ts";
import { encodePem } from "../crypto/pem.ts";
import { parseEndpoint } from "./endpoint.ts";
import { ApiError } from "./errors.ts";

export interface JsonResponse {
  status: number;
  body: unknown;
  /** DER of the server's leaf certificate as presented in this connection. */
  peerCertDer: Uint8Array;
}

export type TlsTrust =
  /** Read the peer certificate without trusting it. Only for a call whose answer is attested (or not secret). */
  | { kind: "unverified-until-attested" }
  /** Trust exactly this certificate (DER), obtained from a verified attestation. */
  | { kind: "pinned"; certDer: Uint8Array };

export interface RequestOptions {
  trust: TlsTrust;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/**
 * POSTs JSON to `endpoint` (HOST:PORT) and returns the parsed JSON answer (any status; an error status whose body is
 * not JSON, e.g. a proxy's 404 page, has body null) plus the peer certificate. Connection failures are
 * UnavailableErrors whose code says what happened (see `connectionError`).
 */
export async function postJson(
  endpoint: string,
  path: string,
  body: unknown,
  opts: RequestOptions,
): Promise<JsonResponse> {
  const { host, port } = parseEndpoint(endpoint, undefined, "endpoint");
  const payload = Buffer.from(JSON.stringify(body));
  const pinned = opts.trust.kind === "pinned" ? opts.trust.certDer : undefined;
  const maxBytes = opts.maxResponseBytes ?? 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        path,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": payload.length },
        servername: /^[\d.]+$|:/.test(host) ? undefined : host,
        timeout: opts.timeoutMs ?? 30_000,
        ...(pinned
          ? {
              ca: encodePem("CERTIFICATE", pinned),
              // The pinned certificate is the whole trust: compare bytes instead of host names.
              checkServerIdentity: (_h: string, cert: { raw: Buffer }) =>
                constantTimeEqual(new Uint8Array(cert.raw), pinned)
                  ? undefined
                  : new Error("server certificate differs from the attested one"),
            }
          : { rejectUnauthorized: false }), // attestation of this very certificate follows (see file comment)
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peer = socket.getPeerCertificate?.(true);
        const peerCertDer = peer?.raw ? new Uint8Array(peer.raw) : new Uint8Array();
        if (pinned && !constantTimeEqual(peerCertDer, pinned)) {
          res.destroy();
          reject(
            new UnavailableError("tls_pin_mismatch", "server certificate differs from the attested one"),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            res.destroy();
            reject(
              new UnavailableError("response_too_large", `response of ${path} exceeds ${maxBytes} bytes`),
            );
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text.length ? JSON.parse(text) : null;
          } catch {
            if (status >= 200 && status < 300) {
              reject(
                new UnavailableError(
                  "bad_response",
                  `response of ${path}: expected JSON, got ${JSON.stringify(text.slice(0, 60))}`,
                ),
              );
              return;
            }
            parsed = null; // the status says what went wrong
          }
          resolve({ status, body: parsed, peerCertDer });
        });
        res.on("error", (e) => reject(new UnavailableError("connection_failed", `${path}: ${e.message}`)));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => reject(connectionError(e, `${endpoint}${path}`)));
    req.end(payload);
  });
}

/**
 * A failed connection as an UnavailableError whose code tells retrying callers what happened: nobody listening
 * (`connection_refused`), the peer dropped the connection (`connection_reset`), the peer does not speak TLS
 * (`tls_protocol_error`, e.g. the plain-HTTP probe port 9102), or anything else (`connection_failed`: DNS, timeout).
 */
export function connectionError(e: Error & { code?: unknown }, where: string): UnavailableError {
  const code = typeof e.code === "string" ? e.code : "";
  if (code === "ECONNREFUSED")
    return new UnavailableError("connection_refused", `${where}: connection refused (${e.message})`);
  if (code === "ECONNRESET" || code === "ERR_SOCKET_CLOSED" || code === "EPIPE")
    return new UnavailableError("connection_reset", `${where}: connection closed by the peer (${e.message})`);
  if (code.startsWith("ERR_SSL_") || code === "EPROTO") {
    return new UnavailableError(
      "tls_protocol_error",
      `${where}: the peer does not speak TLS there (${e.message}): is this the Coordinator's user API (port 1313) or mesh API (port 7777), not a plain-HTTP port such as the probe port 9102?`,
    );
  }
  return new UnavailableError("connection_failed", `${where}: ${e.message}`);
}

/**
 * Failures worth retrying while a Coordinator starts: nobody listening yet, a dropped connection, or 503 (not
 * ready). Anything else (a wrong address, a TLS protocol error, a 404, a malformed answer) stays wrong when retried.
 */
export function isTransientFailure(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === 503;
  return e instanceof UnavailableError && (e.code === "connection_refused" || e.code === "connection_reset");
}

/**
 * Returns the body of a 2xx answer or throws `ApiError` with the server's `{code, message}` (the code is printed
 * once, by whoever reports the error); an answer without a known code gets code `unknown`, status in the message.
 */
export function expectOk(r: JsonResponse, what: string): Record<string, unknown> {
  if (r.status >= 200 && r.status < 300) {
    if (typeof r.body === "object" && r.body !== null && !Array.isArray(r.body))
      return r.body as Record<string, unknown>;
    throw new UnavailableError(
      "bad_response",
      `${what}: expected a JSON object in the answer, got ${describeValue(r.body)}`,
    );
  }
  const b = (typeof r.body === "object" && r.body !== null ? r.body : {}) as {
    code?: unknown;
    message?: unknown;
  };
  const code = isApiCode(b.code) ? b.code : "unknown";
  const msg = typeof b.message === "string" ? b.message : `status ${r.status}`;
  throw new ApiError(code, `${what}: ${msg}`, r.status);
}

/** SPKI DER of a certificate's public key. */
export function spkiOfCert(der: Uint8Array): Uint8Array {
  const cert = new X509Certificate(Buffer.from(der));
  return new Uint8Array(cert.publicKey.export({ type: "spki", format: "der" }));
}
