// Fetches the PCS collateral a verified quote needs: TCB info for its FMSPC, TD QE identity and both CRLs.

import { formatFmspc } from "./pck-extension.ts";
import type { PcsClient } from "./pcs.ts";
import type { TdxCollateralInput, VerifiedTdxQuote } from "./verify.ts";

export interface FetchedTdxCollateral {
  pckCrl: Uint8Array;
  rootCrl: Uint8Array;
  collateral: TdxCollateralInput;
}

/** `bare` is the quote verified without collateral (its PCK tells FMSPC and CA); CRLs already at hand are reused. */
export async function fetchTdxCollateral(
  pcs: PcsClient,
  bare: VerifiedTdxQuote,
  given: { pckCrl?: Uint8Array | undefined; rootCrl?: Uint8Array | undefined } = {},
): Promise<FetchedTdxCollateral> {
  const [tcb, qe, pckCrl, rootCrl] = await Promise.all([
    pcs.getTdxTcbInfo(formatFmspc(bare.pck.extension)),
    pcs.getTdxQeIdentity(),
    given.pckCrl ?? pcs.getPckCrl(bare.pck.ca).then((r) => r.crl),
    given.rootCrl ?? pcs.getRootCaCrl(),
  ]);
  return {
    pckCrl,
    rootCrl,
    collateral: {
      tcbInfo: tcb.body,
      qeIdentity: qe.body,
      issuerChain: tcb.issuerChain,
      qeIdentityIssuerChain: qe.issuerChain,
    },
  };
}
