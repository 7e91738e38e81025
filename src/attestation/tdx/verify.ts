// Verifies a TDX quote (google/go-tdx-guest verify, as Intel's QVL): PCK chain to the pinned Intel root, QE report signature and
// binding, quote signature, CRLs, and (when given) collateral with the resulting TCB status.

import { concatBytes, constantTimeEqual, isAllZero, toHex } from "../../common/bytes.ts";
import type { VerificationCode } from "../../common/codes.ts";
import { sha256 } from "../../common/digest.ts";
import { ParseError, VerificationError } from "../../common/errors.ts";
import { parseTdxQuote } from "./abi.ts";
import { BoundedPromiseCache, ByteKeyedCache } from "./bounded-cache.ts";
import {
  authenticateTdQeIdentity,
  authenticateTdxTcbInfo,
  checkCollateralTime,
  type VerifiedTdQeIdentity,
  type VerifiedTdxTcbInfo,
} from "./collateral.ts";
import { assertNotRevoked, type VerifiedCrl, verifyCrl } from "./crl.ts";
import { importP256RawKey, verifyP256 } from "./ecdsa.ts";
import { checkValidity, type IntelCert, loadIntelRoot, parseIntelCert } from "./intel-cert.ts";
import { type PckCaKind, type VerifiedPckChain, verifyPckChain } from "./pck-chain.ts";
import type { PckExtension } from "./pck-extension.ts";
import { INTEL_QE_VENDOR_ID, type TdxQuote } from "./quote-types.ts";
import { evaluateTdxTcbStatus, type TdxTcbStatus } from "./tcb-status.ts";

export interface TdxCollateralInput {
  /** Raw PCS body bytes (verified here) or a result of `verifyTdxTcbInfo`/`authenticateTdxTcbInfo`. */
  readonly tcbInfo: Uint8Array | VerifiedTdxTcbInfo;
  readonly qeIdentity: Uint8Array | VerifiedTdQeIdentity;
  /** PEM from `TCB-Info-Issuer-Chain`; also used for the QE identity unless `qeIdentityIssuerChain` is set. */
  readonly issuerChain?: string;
  /** PEM from `SGX-Enclave-Identity-Issuer-Chain`. */
  readonly qeIdentityIssuerChain?: string;
}

export interface TdxVerifyInput {
  readonly quote: Uint8Array | TdxQuote;
  readonly now: Date;
  /** DER PCK CRL for the quote's PCK CA (platform or processor). */
  readonly pckCrl?: Uint8Array;
  /** DER Intel SGX Root CA CRL. */
  readonly rootCrl?: Uint8Array;
  readonly collateral?: TdxCollateralInput;
}

export interface PckInfo {
  readonly ca: PckCaKind;
  /** Serial number of the PCK leaf, lowercase hex. */
  readonly serial: string;
  readonly extension: PckExtension;
}

declare const verifiedTdxQuote: unique symbol;

/** A quote whose signatures, chain and (optionally) collateral were checked by `TdxVerifier.verify`. */
export interface VerifiedTdxQuote {
  readonly quote: TdxQuote;
  readonly pck: PckInfo;
  /** Null when no collateral was supplied. */
  readonly tcbStatus: TdxTcbStatus | null;
  readonly [verifiedTdxQuote]: true;
}

function fail(code: VerificationCode, field: string, message: string): never {
  throw new VerificationError(code, `${field}: ${message}`, { field });
}

/**
 * Verifies TDX quotes. Verified PCK chains, QE reports, CRLs and collateral are cached by exact content,
 * so a quote from a known platform costs one ECDSA P-256 verification (its own signature) plus parsing.
 */
export class TdxVerifier {
  readonly #chains: BoundedPromiseCache<VerifiedPckChain>;
  readonly #crls: ByteKeyedCache<VerifiedCrl>;
  readonly #tcbInfos: ByteKeyedCache<VerifiedTdxTcbInfo>;
  readonly #qeIdentities: ByteKeyedCache<VerifiedTdQeIdentity>;
  readonly #qeReports: ByteKeyedCache<true>;
  readonly #root: Promise<IntelCert>;

  /**
   * `rootCa` (DER) replaces the pinned Intel SGX Root CA as the root of PCK chains and of the root CA CRL: for tests
   * of a constructed PKI (revocation), never set in production. Collateral signing chains always end in Intel's.
   */
  constructor(options: { cacheSize?: number; rootCa?: Uint8Array } = {}) {
    const n = options.cacheSize ?? 64;
    this.#root = options.rootCa ? parseIntelCert(options.rootCa, "rootCa") : loadIntelRoot();
    this.#chains = new BoundedPromiseCache(n);
    this.#crls = new ByteKeyedCache(n);
    this.#tcbInfos = new ByteKeyedCache(n);
    this.#qeIdentities = new ByteKeyedCache(n);
    this.#qeReports = new ByteKeyedCache(n);
  }

  /**
   * Verifies a quote (google/go-tdx-guest verify, as Intel's QVL). A `TdxQuote` object is re-parsed from its `raw` bytes, so fields
   * edited after parsing can never disagree with the signed bytes.
   */
  async verify(input: TdxVerifyInput): Promise<VerifiedTdxQuote> {
    const { now } = input;
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
      throw new ParseError("invalid_time", "now: expected a valid Date", { field: "now" });
    }
    const quote = parseTdxQuote(input.quote instanceof Uint8Array ? input.quote : input.quote.raw);
    const chain = await this.#verifySignatures(quote, now);
    const rootCrl = await this.#checkRevocation(chain, input, now);
    const tcbStatus =
      input.collateral === undefined
        ? null
        : await this.#evaluateCollateral(quote, chain, input.collateral, now, rootCrl);
    const serial = chain.leaf.cert.serialNumber.toLowerCase();
    const pck: PckInfo = { ca: chain.ca, serial, extension: chain.extension };
    return { quote, pck, tcbStatus } as unknown as VerifiedTdxQuote;
  }

  /** QE vendor, PCK chain at `now`, QE report (cached by content) and the quote's own signature. */
  async #verifySignatures(quote: TdxQuote, now: Date): Promise<VerifiedPckChain> {
    const vendor = toHex(quote.header.qeVendorId);
    if (vendor !== INTEL_QE_VENDOR_ID) {
      fail("tdx_unknown_qe_vendor", "header.qeVendorId", `expected ${INTEL_QE_VENDOR_ID}, got ${vendor}`);
    }
    const root = await this.#root;
    const chain = await this.#chains.get(quote.pckChainPem, () => verifyPckChain(quote.pckChainPem, root));
    checkValidity([chain.leaf, chain.intermediate, chain.root], now, "pckChain");
    // The QE report, its signature and the attested key repeat for every quote of a platform.
    const q = quote;
    const qeBytes = concatBytes(q.qeReport.raw, q.qeReportSignature, q.attestationKey, q.qeAuthData);
    const scope = toHex(chain.leaf.signed.signature);
    await this.#qeReports.get(qeBytes, scope, () => verifyQeReport(quote, chain.leaf));
    await verifyQuoteSignature(quote);
    return chain;
  }

  /** google/go-tdx-guest verify, as Intel's QVL: root CRL must not list the PCK CA, PCK CRL must not list the PCK leaf. */
  async #checkRevocation(
    chain: VerifiedPckChain,
    input: TdxVerifyInput,
    now: Date,
  ): Promise<VerifiedCrl | undefined> {
    const rootCrl = input.rootCrl === undefined ? undefined : await this.verifyRootCrl(input.rootCrl);
    if (rootCrl !== undefined) assertNotRevoked(rootCrl, chain.intermediate, now, "rootCrl");
    if (input.pckCrl !== undefined) {
      const issuer = chain.intermediate;
      const scope = `pck:${toHex(issuer.signed.signature)}`;
      const crl = await this.#crls.get(input.pckCrl, scope, (der) => verifyCrl(der, issuer, "pckCrl"));
      assertNotRevoked(crl, chain.leaf, now, "pckCrl");
    }
    return rootCrl;
  }

  /** Verifies a root CA CRL against the pinned Intel SGX Root CA (signature and issuer; time per use). */
  async verifyRootCrl(der: Uint8Array): Promise<VerifiedCrl> {
    const root = await this.#root;
    return this.#crls.get(der, "root", (copy) => verifyCrl(copy, root, "rootCrl"));
  }

  async #evaluateCollateral(
    quote: TdxQuote,
    chain: VerifiedPckChain,
    c: TdxCollateralInput,
    now: Date,
    rootCrl: VerifiedCrl | undefined,
  ): Promise<TdxTcbStatus> {
    const tcbInfo = await this.#resolve(
      c.tcbInfo,
      c.issuerChain,
      this.#tcbInfos,
      authenticateTdxTcbInfo,
      "tcbInfo",
    );
    const qeChain = c.qeIdentityIssuerChain ?? c.issuerChain;
    const qeIdentity = await this.#resolve(
      c.qeIdentity,
      qeChain,
      this.#qeIdentities,
      authenticateTdQeIdentity,
      "qeIdentity",
    );
    const timeOpts = rootCrl === undefined ? { now } : { now, rootCrl };
    checkCollateralTime(tcbInfo, timeOpts);
    checkCollateralTime(qeIdentity, timeOpts);
    return evaluateTdxTcbStatus({
      body: quote.body,
      qeReport: quote.qeReport,
      pck: chain.extension,
      tcbInfo: tcbInfo.tcbInfo,
      qeIdentity: qeIdentity.qeIdentity,
    });
  }

  #resolve<T>(
    value: Uint8Array | T,
    issuerChain: string | undefined,
    cache: ByteKeyedCache<T>,
    authenticate: (body: Uint8Array, chain: string) => Promise<T>,
    field: string,
  ): Promise<T> {
    if (!(value instanceof Uint8Array)) return Promise.resolve(value);
    if (typeof issuerChain !== "string") {
      throw new ParseError(
        "tdx_bad_collateral",
        `collateral.issuerChain: expected PEM for ${field}, got nothing`,
        {
          field: "collateral.issuerChain",
        },
      );
    }
    return cache.get(value, issuerChain, (copy) => authenticate(copy, issuerChain));
  }
}

/** google/go-tdx-guest verify, as Intel's QVL: QE report signed by the PCK key, and QE report data binding the attestation key. */
async function verifyQeReport(quote: TdxQuote, leaf: IntelCert): Promise<true> {
  if (!(await verifyP256(leaf.key, quote.qeReportSignature, quote.qeReport.raw))) {
    fail("tdx_bad_qe_signature", "qeReportSignature", "signature by the PCK key invalid");
  }
  const expected = sha256(concatBytes(quote.attestationKey, quote.qeAuthData));
  const rd = quote.qeReport.reportData;
  if (!constantTimeEqual(rd.subarray(0, 32), expected) || !isAllZero(rd.subarray(32))) {
    fail(
      "tdx_qe_binding",
      "qeReport.reportData",
      `expected ${toHex(expected)} and 32 zero bytes, got ${toHex(rd)}`,
    );
  }
  return true;
}

/** google/go-tdx-guest verify, as Intel's QVL: the quote signature by the attestation key over header (+ descriptor) + body. */
async function verifyQuoteSignature(quote: TdxQuote): Promise<void> {
  const key = await importP256RawKey(quote.attestationKey);
  if (key === null || !(await verifyP256(key, quote.signature, quote.signedBytes))) {
    fail("tdx_bad_quote_signature", "signature", "signature by the attestation key invalid");
  }
}
