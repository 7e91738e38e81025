import { describe, expect, test } from "bun:test";
import { parseTdxQuote } from "../../../src/attestation/tdx/abi.ts";
import { authenticateTdxTcbInfo } from "../../../src/attestation/tdx/collateral.ts";
import { splitPemCertificates } from "../../../src/attestation/tdx/pem.ts";
import type { TdxQuote } from "../../../src/attestation/tdx/quote-types.ts";
import { TdxVerifier } from "../../../src/attestation/tdx/verify.ts";
import { toHex } from "../../../src/common/bytes.ts";
import { ContrastError, ParseError } from "../../../src/common/errors.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { QUOTE_NOW, QUOTES, readTdx, readTdxText, SIGNING_CHAIN_2018, TCB_INFO_2023 } from "./vectors.ts";

type Rand = () => number;

/** Every signed or signing input of a quote, PEM reduced to its certificates' DER. */
function fingerprint(q: TdxQuote): string {
  const certs = splitPemCertificates(q.pckChainPem, "pckChain").map(toHex);
  return [q.signedBytes, q.signature, q.attestationKey, q.qeReport.raw, q.qeReportSignature, q.qeAuthData]
    .map(toHex)
    .concat(certs)
    .join(":");
}
const int = (r: Rand, n: number) => Math.floor(r() * n);

/** One random mutation: byte flips, overwritten length-sized runs, truncation, or extension. */
function mutate(r: Rand, src: Uint8Array): Uint8Array {
  const kind = int(r, 4);
  if (kind === 0) return src.slice(0, int(r, src.length));
  if (kind === 1)
    return new Uint8Array([...src, ...Array.from({ length: 1 + int(r, 64) }, () => int(r, 256))]);
  const out = src.slice();
  const count = kind === 2 ? 1 + int(r, 4) : 1;
  for (let i = 0; i < count; i++) {
    const at = int(r, out.length);
    if (kind === 2) out[at] = out[at]! ^ (1 << int(r, 8));
    else for (let j = at; j < Math.min(out.length, at + 1 + int(r, 4)); j++) out[j] = int(r, 256);
  }
  return out;
}

describe("parseTdxQuote (fuzz)", () => {
  test("4000 seeded mutations of the four quotes → parse or ParseError, nothing else", () => {
    const r = seededRandom(0x7d1);
    const sources = Object.values(QUOTES).map(readTdx);
    let n = 0;
    let rejected = 0;
    for (let i = 0; i < 4000; i++) {
      const input = mutate(r, sources[i % sources.length]!);
      try {
        parseTdxQuote(input);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        rejected++;
      }
      n++;
    }
    expect(n).toBe(4000);
    expect(rejected).toBeGreaterThan(1000);
  });

  test("2000 random byte strings (some with a valid header) → ParseError only", () => {
    const r = seededRandom(42);
    const header = readTdx(QUOTES.spr).subarray(0, 48);
    let n = 0;
    for (let i = 0; i < 2000; i++) {
      const body = Uint8Array.from({ length: int(r, 6000) }, () => int(r, 256));
      if (i % 2 === 0 && body.length >= 48) body.set(header);
      expect(() => parseTdxQuote(body)).toThrow(ParseError);
      n++;
    }
    expect(n).toBe(2000);
  });
});

describe("TdxVerifier.verify (fuzz)", () => {
  test("1200 seeded mutations → verified or a project error, nothing else", async () => {
    const r = seededRandom(0xc0ffee);
    const verifier = new TdxVerifier({ cacheSize: 8 });
    const entries = Object.entries(QUOTES) as [keyof typeof QUOTES, string][];
    const sources = entries.map(([k, name]) => [readTdx(name), QUOTE_NOW[k]] as const);
    let n = 0;
    let accepted = 0;
    for (let i = 0; i < 1200; i++) {
      const [src, now] = sources[i % sources.length]!;
      try {
        const v = await verifier.verify({ quote: mutate(r, src), now });
        // Whatever still verifies must mean exactly what the original meant (padding, PEM whitespace).
        expect(fingerprint(v.quote)).toBe(fingerprint(parseTdxQuote(src)));
        accepted++;
      } catch (e) {
        if (!(e instanceof ContrastError)) throw e;
      }
      n++;
    }
    expect(n).toBe(1200);
    expect(accepted).toBeLessThan(600);
  }, 60_000);
});

describe("authenticateTdxTcbInfo (fuzz)", () => {
  test("400 seeded mutations of the 2023 tcbInfo → authentic only if unchanged in the signed span, else project errors", async () => {
    const r = seededRandom(7);
    const body = readTdx(TCB_INFO_2023);
    const chain = readTdxText(SIGNING_CHAIN_2018);
    let n = 0;
    for (let i = 0; i < 400; i++) {
      try {
        await authenticateTdxTcbInfo(mutate(r, body), chain);
      } catch (e) {
        if (!(e instanceof ContrastError)) throw e;
      }
      n++;
    }
    expect(n).toBe(400);
  }, 60_000);
});
