// Decodes the Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1, google/go-tdx-guest verify, as Intel's QVL).

import * as asn1js from "asn1js";
import { toHex } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";

export const SGX_EXTENSION_OID = "1.2.840.113741.1.13.1";

export type SgxType = "standard" | "scalable" | "scalableWithIntegrity";

export interface PckTcb {
  /** SGX TCB component SVNs 1..16 (index 0 = component 1). */
  readonly sgxTcbComponents: readonly number[];
  readonly pceSvn: number;
  readonly cpuSvn: Uint8Array;
}

/** Configuration flags (.7); present on platform-CA certs only, each flag optional. */
export interface PckConfiguration {
  readonly dynamicPlatform?: boolean;
  readonly cachedKeys?: boolean;
  readonly smtEnabled?: boolean;
}

export interface PckExtension {
  readonly ppid: Uint8Array;
  readonly tcb: PckTcb;
  readonly pceId: Uint8Array;
  readonly fmspc: Uint8Array;
  readonly sgxType: SgxType;
  /** PlatformInstanceID (.6); platform-CA certs only. */
  readonly platformInstanceId?: Uint8Array;
  readonly configuration?: PckConfiguration;
}

const SGX_TYPES: readonly SgxType[] = ["standard", "scalable", "scalableWithIntegrity"];

function bad(field: string, expected: string, got: string): never {
  throw new ParseError("tdx_bad_pck_extension", `pck extension ${field}: expected ${expected}, got ${got}`, {
    field: `pckExtension.${field}`,
  });
}

function decodeDer(der: Uint8Array, field: string): asn1js.AsnType {
  const { offset, result } = asn1js.fromBER(der, { maxDepth: 8, maxNodes: 512 });
  if (offset !== der.length || result.error) bad(field, "a single DER value", "malformed ASN.1");
  return result;
}

/** Reads a SEQUENCE of SEQUENCE { OID, value } into a map keyed by OID, rejecting duplicates. */
function readPairs(node: asn1js.AsnType, field: string): Map<string, asn1js.AsnType> {
  if (!(node instanceof asn1js.Sequence)) bad(field, "SEQUENCE", node.constructor.name);
  const out = new Map<string, asn1js.AsnType>();
  for (const item of node.valueBlock.value) {
    const [oid, value, ...rest] = item instanceof asn1js.Sequence ? item.valueBlock.value : [];
    if (!(oid instanceof asn1js.ObjectIdentifier) || value === undefined || rest.length > 0) {
      bad(field, "SEQUENCE { OID, value }", item.constructor.name);
    }
    const key = oid.getValue();
    if (out.has(key)) bad(field, "each OID once", `duplicate ${key}`);
    out.set(key, value);
  }
  return out;
}

function octets(node: asn1js.AsnType | undefined, field: string, size: number): Uint8Array {
  if (!(node instanceof asn1js.OctetString)) bad(field, "OCTET STRING", node?.constructor.name ?? "nothing");
  const b = new Uint8Array(node.getValue());
  if (b.length !== size) bad(field, `${size} bytes`, `${b.length} bytes`);
  return b;
}

function smallInt(node: asn1js.AsnType | undefined, field: string, max: number): number {
  if (!(node instanceof asn1js.Integer)) bad(field, "INTEGER", node?.constructor.name ?? "nothing");
  const v = node.toBigInt();
  if (v < 0n || v > BigInt(max)) bad(field, `0..${max}`, v.toString());
  return Number(v);
}

function parseTcb(node: asn1js.AsnType): PckTcb {
  const pairs = readPairs(node, "tcb");
  const sgxTcbComponents: number[] = [];
  for (let i = 1; i <= 16; i++) {
    sgxTcbComponents.push(smallInt(pairs.get(`${SGX_EXTENSION_OID}.2.${i}`), `tcb.comp${i}`, 255));
  }
  return {
    sgxTcbComponents,
    pceSvn: smallInt(pairs.get(`${SGX_EXTENSION_OID}.2.17`), "tcb.pceSvn", 0xffff),
    cpuSvn: octets(pairs.get(`${SGX_EXTENSION_OID}.2.18`), "tcb.cpuSvn", 16),
  };
}

function parseConfiguration(node: asn1js.AsnType): PckConfiguration {
  const pairs = readPairs(node, "configuration");
  const flag = (n: number, name: string): boolean | undefined => {
    const v = pairs.get(`${SGX_EXTENSION_OID}.7.${n}`);
    if (v === undefined) return undefined;
    if (!(v instanceof asn1js.Boolean)) bad(`configuration.${name}`, "BOOLEAN", v.constructor.name);
    return v.getValue();
  };
  const out: { dynamicPlatform?: boolean; cachedKeys?: boolean; smtEnabled?: boolean } = {};
  const dynamicPlatform = flag(1, "dynamicPlatform");
  const cachedKeys = flag(2, "cachedKeys");
  const smtEnabled = flag(3, "smtEnabled");
  if (dynamicPlatform !== undefined) out.dynamicPlatform = dynamicPlatform;
  if (cachedKeys !== undefined) out.cachedKeys = cachedKeys;
  if (smtEnabled !== undefined) out.smtEnabled = smtEnabled;
  return out;
}

function parseSgxType(node: asn1js.AsnType | undefined): SgxType {
  if (!(node instanceof asn1js.Enumerated)) bad("sgxType", "ENUMERATED", node?.constructor.name ?? "nothing");
  const v = node.toBigInt();
  const t = v >= 0n && v < 3n ? SGX_TYPES[Number(v)] : undefined;
  if (t === undefined) bad("sgxType", "0, 1 or 2", v.toString());
  return t;
}

/** Parses the DER value (extnValue contents) of the SGX extension. Unknown sub-OIDs are ignored. */
export function parsePckExtension(der: Uint8Array): PckExtension {
  const pairs = readPairs(decodeDer(der, "value"), "value");
  const get = (n: number) => pairs.get(`${SGX_EXTENSION_OID}.${n}`);
  const tcbNode = get(2);
  if (tcbNode === undefined) bad("tcb", "present", "nothing");
  const ext: {
    -readonly [K in keyof PckExtension]: PckExtension[K];
  } = {
    ppid: octets(get(1), "ppid", 16),
    tcb: parseTcb(tcbNode),
    pceId: octets(get(3), "pceId", 2),
    fmspc: octets(get(4), "fmspc", 6),
    sgxType: parseSgxType(get(5)),
  };
  const piid = get(6);
  if (piid !== undefined) ext.platformInstanceId = octets(piid, "platformInstanceId", 16);
  const config = get(7);
  if (config !== undefined) ext.configuration = parseConfiguration(config);
  return ext;
}

/** Lowercase hex of the FMSPC, as PCS URLs and tcbInfo.fmspc use it. */
export function formatFmspc(ext: PckExtension): string {
  return toHex(ext.fmspc);
}
