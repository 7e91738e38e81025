// AMD SEV-SNP's entry in the TEE platform registry (src/attestation/platforms.ts).

import { parseSnpReport } from "./abi.ts";
import { parseSnpCertTable, pickSnpCerts } from "./cert-table.ts";
import { readSnpReferenceValue, SNP_REFERENCE_VALUE_FIELDS } from "./reference-value.ts";

export const SNP_PLATFORM = {
  name: "snp",
  title: "AMD SEV-SNP",
  /** configfs-tsm provider (Linux Documentation/ABI/testing/configfs-tsm). */
  tsmProvider: "sev_guest",
  /** A configfs-tsm report: the report itself, and the host's certificate table (GHCB spec #56421) as certs. */
  evidenceFromTsm: (outblob: Uint8Array, auxblob: Uint8Array | undefined) => ({
    platform: "snp" as const,
    report: outblob,
    certs: auxblob !== undefined && auxblob.length > 0 ? pickSnpCerts(parseSnpCertTable(auxblob)) : {},
  }),
  /**
   * The pod's initdata digest (SHA-256) is the launch's 32-byte HOST_DATA (Kata Containers
   * src/libs/kata-types/src/initdata.rs `adjust_digest`, src/runtime/pkg/oci/utils.go).
   */
  initdataBinding: {
    field: "HOST_DATA",
    read: (report: Uint8Array) => parseSnpReport(report).hostData,
    expected: (digest: Uint8Array) => digest,
  },
  referenceValue: { fields: SNP_REFERENCE_VALUE_FIELDS, read: readSnpReferenceValue },
} as const;
