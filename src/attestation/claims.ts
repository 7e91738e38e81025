// Report claims copied into mesh certificates as X.509 extensions (edgelesssys/contrast internal/oid OIDs 1.3.9901.2.1.N / 2.2.N).

import { encodeBoolean, encodeOctetString, encodeUnsignedInteger } from "../crypto/der.ts";
import type { SnpReport } from "./snp/abi.ts";
import type { SnpTcb } from "./snp/tcb.ts";
import type { TdxQuote } from "./tdx/quote-types.ts";

export interface ClaimExtension {
  readonly oid: string;
  readonly value: Uint8Array;
}

const SNP = "1.3.9901.2.1";
const TDX = "1.3.9901.2.2";

type Claim = [number, bigint | number | boolean | Uint8Array];

function encode(prefix: string, claims: Claim[]): ClaimExtension[] {
  return claims.map(([n, v]) => ({
    oid: `${prefix}.${n}`,
    value:
      typeof v === "boolean"
        ? encodeBoolean(v)
        : v instanceof Uint8Array
          ? encodeOctetString(v)
          : encodeUnsignedInteger(v),
  }));
}

const tcb = (first: number, t: SnpTcb): Claim[] => [
  [first, t.bootloader],
  [first + 1, t.snp],
  [first + 2, t.tee],
  [first + 3, t.microcode],
];

export function snpClaims(r: SnpReport): ClaimExtension[] {
  return encode(SNP, [
    [1, r.version],
    [2, r.guestSvn],
    [3, r.policy.abiMajor],
    [4, r.policy.abiMinor],
    [5, r.policy.debug],
    [6, r.policy.migrateMa],
    [7, r.policy.smt],
    [8, r.policy.singleSocket],
    [9, r.familyId],
    [10, r.imageId],
    [11, r.vmpl],
    ...tcb(12, r.currentTcb),
    [16, r.platformInfo.smtEnabled],
    [17, r.platformInfo.tsmeEnabled],
    [18, r.signerInfo.authorKeyEn],
    [19, r.signerInfo.maskChipKey],
    [20, r.signerInfo.signingKey === "vcek" ? 0 : r.signerInfo.signingKey === "vlek" ? 1 : 7],
    [21, r.reportData],
    [22, r.measurement],
    [23, r.hostData],
    [24, r.idKeyDigest],
    [25, r.authorKeyDigest],
    [26, r.reportId],
    [27, r.reportIdMa],
    ...tcb(28, r.reportedTcb),
    [32, r.chipId],
    ...tcb(33, r.committedTcb),
    [37, r.currentVersion.build],
    [38, r.currentVersion.minor],
    [39, r.currentVersion.major],
    [40, r.committedVersion.build],
    [41, r.committedVersion.minor],
    [42, r.committedVersion.major],
    ...tcb(43, r.launchTcb),
  ]);
}

export function tdxClaims(q: TdxQuote): ClaimExtension[] {
  const b = q.body;
  return encode(TDX, [
    [1, q.header.version],
    [8, b.teeTcbSvn],
    [9, b.mrSeam],
    [10, b.mrSignerSeam],
    [11, b.seamAttributes],
    [12, b.tdAttributes],
    [13, b.xfam],
    [14, b.mrTd],
    [15, b.mrConfigId],
    [16, b.mrOwner],
    [17, b.mrOwnerConfig],
    [18, b.rtmrs[0]],
    [19, b.rtmrs[1]],
    [20, b.rtmrs[2]],
    [21, b.rtmrs[3]],
    [22, b.reportData],
  ]);
}
