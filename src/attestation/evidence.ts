// Attestation evidence as the platforms produce it: raw report bytes plus the certificates that came with it.

import type { Tee } from "./platforms.ts";

/** Decoded evidence: raw bytes only, nothing interpreted yet (the verifiers do that). */
export interface Evidence {
  platform: Tee;
  /** SNP: the 1184-byte report. TDX: the quote. */
  report: Uint8Array;
  /** DER certificates / CRL from the host's certificate table or the sim chain; untrusted input to verification. */
  certs: { vcek?: Uint8Array; vlek?: Uint8Array; ask?: Uint8Array; ark?: Uint8Array; crl?: Uint8Array };
}

/** Produces evidence whose REPORT_DATA is the given 64 bytes. */
export interface Issuer {
  readonly platform: Tee;
  /** Human-readable kind for logs: "snp (configfs-tsm)", "sim", … */
  readonly description: string;
  issue(reportData: Uint8Array): Promise<Evidence>;
}
