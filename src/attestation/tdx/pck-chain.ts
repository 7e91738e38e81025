// Verifies the PCK certificate chain carried in a quote (google/go-tdx-guest verify, as Intel's QVL) and reads its SGX extension.

import { ParseError } from "../../common/errors.ts";
import { type IntelCert, loadIntelRoot, parseIntelCertChain, verifyIntelChain } from "./intel-cert.ts";
import { type PckExtension, parsePckExtension, SGX_EXTENSION_OID } from "./pck-extension.ts";

export type PckCaKind = "platform" | "processor";

/** A PCK chain whose names, CA flags and signatures were checked; time is checked per use. */
export interface VerifiedPckChain {
  readonly leaf: IntelCert;
  readonly intermediate: IntelCert;
  readonly root: IntelCert;
  readonly ca: PckCaKind;
  readonly extension: PckExtension;
}

const PCK_NAMES = [
  ["Intel SGX PCK Certificate"],
  ["Intel SGX PCK Platform CA", "Intel SGX PCK Processor CA"],
  ["Intel SGX Root CA"],
] as const;

function readSgxExtension(leaf: IntelCert): PckExtension {
  let value: ArrayBuffer | undefined;
  try {
    const exts = leaf.cert.extensions.filter((e) => e.type === SGX_EXTENSION_OID);
    if (exts.length === 1) value = exts[0]!.value;
  } catch {
    value = undefined;
  }
  if (value === undefined) {
    throw new ParseError(
      "tdx_bad_pck_extension",
      "pckChain[0]: expected exactly one SGX extension 1.2.840.113741.1.13.1",
      {
        field: "pckChain[0]",
      },
    );
  }
  return parsePckExtension(new Uint8Array(value));
}

/** Parses and verifies leaf ← PCK Platform/Processor CA ← `root` (default: the pinned Intel SGX Root CA). */
export async function verifyPckChain(pem: string, trustedRoot?: IntelCert): Promise<VerifiedPckChain> {
  const chain = await parseIntelCertChain(pem, "pckChain", 3);
  await verifyIntelChain(chain, PCK_NAMES, trustedRoot ?? (await loadIntelRoot()), "pckChain");
  const [leaf, intermediate, root] = chain as [IntelCert, IntelCert, IntelCert];
  const ca: PckCaKind = intermediate.commonName === "Intel SGX PCK Platform CA" ? "platform" : "processor";
  return { leaf, intermediate, root, ca, extension: readSgxExtension(leaf) };
}
