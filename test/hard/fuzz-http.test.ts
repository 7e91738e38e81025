// Bad input over HTTP (issue 15 §2): every endpoint of a Coordinator process, thousands of cases from a fixed seed —
// random JSON shapes, one field of a valid body mutated (wrong base64, wrong length, huge, wrong type), truncated
// bodies, bodies shorter than their length, protocol garbage, slow clients. The server never crashes and never
// answers 500, each case gets the same status and code when sent again, and the Coordinator's state is unchanged.
// CONTRAST_HARD_FUZZ_CASES (default 3000) and CONTRAST_HARD_SEED (default 15).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { meshReportData } from "../../src/api/report-data.ts";
import { encodeEvidence } from "../../src/api/schema.ts";
import { createSimIssuer } from "../../src/attestation/sim-issuer.ts";
import { toBase64, toHex } from "../../src/common/bytes.ts";
import { isApiCode } from "../../src/common/codes.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { Deployment, report } from "./harness.ts";

const CASES = Number(process.env.CONTRAST_HARD_FUZZ_CASES ?? 3000);
const SEED = Number(process.env.CONTRAST_HARD_SEED ?? 15);

let d: Deployment;
/** A structurally valid body per endpoint, from which mutations start. */
const valid: Record<string, Record<string, unknown>> = {};

interface Case {
  kind: string;
  listener: "user" | "mesh" | "probe";
  /** Raw request bytes (headers and body). */
  bytes: Buffer;
  /** Milliseconds between single bytes of the request (a slow client). */
  dripMs?: number;
  /** Half-close after sending (a body shorter than its Content-Length). */
  end?: boolean;
}

const ENDPOINTS: [Case["listener"], string][] = [
  ["user", "/v1/attest"],
  ["user", "/v1/manifest"],
  ["user", "/v1/recover"],
  ["user", "/v1/seed-shares"],
  ["mesh", "/v1/mesh/attest"],
  ["mesh", "/v1/mesh/nonce"],
  ["mesh", "/v1/mesh/cert"],
];

function request(path: string, body: string | Buffer, headers: Record<string, string> = {}, method = "POST") {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h = { "content-type": "application/json", "content-length": String(b.length), ...headers };
  const head = `${method} ${path} HTTP/1.1\r\nhost: coordinator\r\n${Object.entries(h)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\nconnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), b]);
}

/** Seeded case generator: each kind is one way a client can be wrong. */
function generate(rng: () => number, n: number): Case[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const int = (max: number) => Math.floor(rng() * max);
  const randomString = () => {
    const alphabets = ["abcXYZ019+/=", '\u0000\u0001\u00ff\ud83d\ude00"\\', "-_.~ ", "0123456789abcdef"];
    const a = pick(alphabets);
    return Array.from({ length: pick([0, 1, 5, 43, 44, 64, 200]) }, () => a[int(a.length)]).join("");
  };
  const randomJson = (depth: number): unknown => {
    const r = int(depth > 3 ? 5 : 8);
    if (r === 0) return null;
    if (r === 1) return rng() < 0.5;
    if (r === 2) return pick([0, -1, 1e308, 3.5, Number.MAX_SAFE_INTEGER]);
    if (r === 3 || r === 4) return randomString();
    if (r === 5) return Array.from({ length: int(4) }, () => randomJson(depth + 1));
    const keys = [
      "nonce",
      "publicKey",
      "evidence",
      "manifest",
      "policies",
      "seed",
      "salt",
      "signature",
      "x",
      "",
    ];
    return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(keys), randomJson(depth + 1)]));
  };
  const mutations: [string, (v: unknown) => unknown][] = [
    ["wrong base64", () => pick(["@@@@", "AAA", "A===", "-_-_", "QUJD\nREVG", " QUJD"])],
    ["wrong length", (v) => (typeof v === "string" ? v.slice(0, int(v.length)) : "AA==")],
    ["huge field", () => "A".repeat(pick([70_000, 300_000, 2_000_000]))],
    ["number", () => pick([0, -1, 1e308])],
    ["null", () => null],
    ["array", (v) => [v]],
    ["object", () => ({})],
    ["unicode", () => "\u00e9\ud83d\ude00"],
    ["deleted", () => undefined],
  ];
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const [listener, path] = pick(ENDPOINTS);
    const roll = rng();
    if (roll < 0.25) {
      out.push({
        kind: "random json",
        listener,
        bytes: request(path, JSON.stringify(randomJson(0)) ?? "null"),
      });
    } else if (roll < 0.65) {
      const base = structuredClone(valid[path]!);
      if (Object.keys(base).length === 0) {
        out.push({
          kind: "unexpected field",
          listener,
          bytes: request(path, JSON.stringify({ [randomString()]: 1 })),
        });
        continue;
      }
      const field = pick(
        Object.keys(base).concat(
          Object.keys(base).includes("evidence")
            ? ["evidence.report", "evidence.platform", "evidence.certs.vcek"]
            : [],
        ),
      );
      const [name, mutate] = pick(mutations);
      const [top, ...rest] = field.split(".");
      let holder = base as Record<string, unknown>;
      for (const k of [top!, ...rest].slice(0, -1)) holder = (holder[k] ?? {}) as Record<string, unknown>;
      const last = rest.length > 0 ? rest[rest.length - 1]! : top!;
      holder[last] = mutate(holder[last]);
      out.push({ kind: `${name} in ${field}`, listener, bytes: request(path, JSON.stringify(base)) });
    } else if (roll < 0.75) {
      const text = JSON.stringify(valid[path]);
      out.push({ kind: "truncated body", listener, bytes: request(path, text.slice(0, int(text.length))) });
    } else if (roll < 0.8) {
      const text = JSON.stringify(valid[path]);
      const cut = int(text.length);
      const full = request(path, text);
      out.push({
        kind: "body shorter than content-length",
        listener,
        bytes: full.subarray(0, full.length - text.length + cut),
        end: true,
      });
    } else if (roll < 0.95) {
      const variants: [string, Buffer][] = [
        ["wrong content-type", request(path, JSON.stringify(valid[path]), { "content-type": "text/plain" })],
        ["no content-type", request(path, JSON.stringify(valid[path]), { "content-type": "" })],
        ["GET on a POST route", request(path, "", {}, "GET")],
        ["unknown path", request(`${path}/${randomString().replace(/[^a-z0-9]/gi, "x")}`, "{}")],
        ["unknown method", request(path, "{}", {}, pick(["PUT", "DELETE", "PATCH", "OPTIONS"]))],
        ["chunked", request(path, "{}", { "transfer-encoding": "chunked", "content-length": "" })],
        [
          "bad content-length",
          request(path, "{}", { "content-length": pick(["-1", "1e3", "0x10", "99999999999999999"]) }),
        ],
        ["garbage request line", Buffer.from(`${randomString()}\r\n\r\n`)],
        ["binary body", request(path, Buffer.from(Array.from({ length: int(500) }, () => int(256))))],
        ["oversized content-length", request(path, "", { "content-length": String(17 * 1024 * 1024) })],
      ];
      const [kind, bytes] = pick(variants);
      out.push({ kind, listener, bytes });
    } else if (roll < 0.965) {
      // A current nonce (filled in when sent) and evidence with one thing wrong: reaches report verification.
      const e = structuredClone(valid["/v1/mesh/cert"]!.evidence) as {
        report: string;
        certs: Record<string, string>;
      };
      const report = Buffer.from(e.report, "base64");
      const what = pick([
        "report byte flipped",
        "report truncated",
        "vcek swapped for ask",
        "crl dropped",
        "certs dropped",
      ]);
      if (what === "report byte flipped") report[int(report.length)]! ^= 1 << int(8);
      e.report = (what === "report truncated" ? report.subarray(0, int(report.length)) : report).toString(
        "base64",
      );
      if (what === "vcek swapped for ask") e.certs.vcek = e.certs.ask!;
      if (what === "crl dropped") delete e.certs.crl;
      if (what === "certs dropped") e.certs = {};
      const body = { ...valid["/v1/mesh/cert"]!, nonce: NONCE_SLOT, evidence: e };
      out.push({ kind: what, listener: "mesh", bytes: request("/v1/mesh/cert", JSON.stringify(body)) });
    } else if (roll < 0.97) {
      out.push({
        kind: "slow client",
        listener,
        bytes: request(path, JSON.stringify(valid[path])),
        dripMs: 150,
      });
    } else {
      const probe = pick([
        "/probe/startup",
        "/probe/liveness",
        "/probe/readiness",
        "/metrics",
        "/nope",
        "/../etc",
      ]);
      out.push({
        kind: "probe",
        listener: "probe",
        bytes: request(probe, "", {}, pick(["GET", "POST", "HEAD"])),
      });
    }
  }
  return out;
}

/** Placeholder for a nonce the Coordinator issued just before the case is sent (same length as the base64). */
const NONCE_SLOT = `${"N".repeat(43)}=`;

async function withFreshNonce(bytes: Buffer): Promise<Buffer> {
  const at = bytes.indexOf(NONCE_SLOT);
  if (at < 0) return bytes;
  const r = await fetch(`https://${d.mesh}/v1/mesh/nonce`, {
    method: "POST",
    body: "{}",
    headers: { "content-type": "application/json" },
    tls: { rejectUnauthorized: false },
  } as RequestInit);
  const nonce = ((await r.json()) as { nonce: string }).nonce;
  const out = Buffer.from(bytes);
  out.write(nonce, at, "latin1");
  return out;
}

/** Sends one case on a fresh connection and returns `status code` (or "closed" when no answer came). */
async function send(c: Case): Promise<string> {
  return sendBytes(c, await withFreshNonce(c.bytes));
}

function sendBytes(c: Case, bytes: Buffer): Promise<string> {
  const port = d.ports[c.listener];
  return new Promise((resolve) => {
    const socket =
      c.listener === "probe"
        ? net.connect(port, "127.0.0.1")
        : tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false });
    let data = "";
    const done = () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(data)?.[1];
      if (status === undefined) return resolve("closed");
      const code = /"code":"([a-z_]+)"/.exec(data)?.[1] ?? "-";
      resolve(`${status} ${code}`);
    };
    const timer = setTimeout(() => socket.destroy(), 15_000);
    socket.on("data", (b) => {
      data += b.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", done);
    socket.once(c.listener === "probe" ? "connect" : "secureConnect", async () => {
      if (c.dripMs) {
        for (const byte of bytes) {
          if (socket.destroyed) return;
          socket.write(Buffer.from([byte]));
          await Bun.sleep(c.dripMs);
        }
      } else socket.write(bytes);
      if (c.end) socket.end();
    });
  });
}

function stateFingerprint(): string {
  const h = createHash("sha256");
  for (const e of readdirSync(d.stateDir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    if (e.isFile()) h.update(p).update(readFileSync(p));
  }
  return h.digest("hex");
}

beforeAll(async () => {
  d = await Deployment.create("fuzz-http");
  await d.start({}, ["--header-timeout=1s", "--body-timeout=1s"]);
  expect((await d.cli("set")).code).toBe(0);
  const key = await generateEcKeyPair("P-256");
  const spki = await exportPublicKeySpki(key.publicKey);
  const nonce = new Uint8Array(32).fill(7);
  const issuer = await createSimIssuer(d.sim, Buffer.from(d.docs.web!.digest, "hex"));
  const evidence = encodeEvidence(await issuer.issue(meshReportData(nonce, spki)));
  const manifest = readFileSync(join(d.ws, "manifest.json"));
  valid["/v1/attest"] = { nonce: toBase64(nonce) };
  valid["/v1/mesh/attest"] = { nonce: toBase64(nonce) };
  valid["/v1/mesh/nonce"] = {};
  valid["/v1/seed-shares"] = {};
  valid["/v1/mesh/cert"] = { nonce: toBase64(nonce), publicKey: toBase64(spki), evidence };
  // Never a valid set: the signature is random bytes, so no case can change the history.
  valid["/v1/manifest"] = {
    manifest: toBase64(manifest),
    policies: [toBase64(d.docs.web!.bytes)],
    previousTransition: toHex(new Uint8Array(32)),
    signature: toBase64(new Uint8Array(71).fill(0x30)),
  };
  valid["/v1/recover"] = {
    seed: toBase64(new Uint8Array(64)),
    salt: toBase64(new Uint8Array(32)),
    latestTransition: toHex(new Uint8Array(32)),
  };
}, 120_000);

afterAll(async () => {
  await d?.dispose();
});

describe("HTTP fuzzing", () => {
  test(`${CASES} cases (seed ${SEED}), each sent twice → never 500, same answer twice, state unchanged`, async () => {
    const cases = generate(seededRandom(SEED), CASES);
    const before = { head: toHex((await d.attest()).latestTransition), files: stateFingerprint() };
    const answers: string[][] = [[], []];
    for (const round of [0, 1]) {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < cases.length) {
            const i = next++;
            answers[round]![i] = await send(cases[i]!);
          }
        }),
      );
    }
    const unstable = cases
      .map((c, i) => ({ kind: c.kind, first: answers[0]![i], second: answers[1]![i] }))
      .filter((a) => a.first !== a.second);
    const serverErrors = cases
      .map((c, i) => ({ kind: c.kind, answer: answers[0]![i]! }))
      .filter((a) => /^5\d\d/.test(a.answer) || a.answer.endsWith(" internal"));
    const unknownCodes = answers[0]!.filter(
      (a) => a !== "closed" && !a.endsWith(" -") && !isApiCode(a.split(" ")[1]),
    );
    const byAnswer: Record<string, number> = {};
    for (const a of answers[0]!) byAnswer[a] = (byAnswer[a] ?? 0) + 1;
    const kinds = new Set(cases.map((c) => c.kind.replace(/ in .*/, ""))).size;
    expect(d.process!.exitCode).toBeNull();
    expect(await d.readiness()).toBe(200);
    const after = { head: toHex((await d.attest()).latestTransition), files: stateFingerprint() };
    report("fuzz-http", {
      cases: CASES,
      seed: SEED,
      requests: CASES * 2,
      kinds,
      answers: byAnswer,
      unstable: unstable.length,
    });
    expect(serverErrors.slice(0, 5)).toEqual([]);
    expect(unstable.slice(0, 5)).toEqual([]);
    expect(unknownCodes.slice(0, 5)).toEqual([]);
    expect(after).toEqual(before);
  }, 600_000);
});
