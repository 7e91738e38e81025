// Small typed accessors over asn1js for the few DER structures this project reads and writes (keys, extensions).

import * as asn1js from "asn1js";
import { ParseError } from "../common/errors.ts";
import { derBoolean, derOctetString, derUnsignedInteger } from "./der-writer.ts";

export type Asn1Node = asn1js.AsnType;

/** Decodes exactly one DER element covering all of `der` (no trailing bytes). */
export function decodeDer(der: Uint8Array, field: string): Asn1Node {
  const res = asn1js.fromBER(der);
  if (res.offset === -1 || res.result.error) {
    throw new ParseError("invalid_der", `${field}: expected der, got malformed asn.1`, { field });
  }
  if (res.offset !== der.length) {
    throw new ParseError("invalid_der", `${field}: expected ${res.offset} bytes of der, got ${der.length}`, {
      field,
    });
  }
  return res.result;
}

export function toDer(node: asn1js.BaseBlock): Uint8Array {
  return new Uint8Array(node.toBER(false));
}

function fail(field: string, expected: string, node: Asn1Node | undefined): never {
  const got = node === undefined ? "nothing" : node.constructor.name;
  throw new ParseError("invalid_der", `${field}: expected ${expected}, got ${got}`, { field });
}

export function expectSequence(node: Asn1Node | undefined, field: string): Asn1Node[] {
  if (!(node instanceof asn1js.Sequence)) fail(field, "sequence", node);
  return node.valueBlock.value;
}

export function expectInteger(node: Asn1Node | undefined, field: string): bigint {
  if (!(node instanceof asn1js.Integer)) fail(field, "integer", node);
  return node.toBigInt();
}

export function expectOctets(node: Asn1Node | undefined, field: string): Uint8Array {
  if (!(node instanceof asn1js.OctetString) || node.valueBlock.isConstructed)
    fail(field, "octet string", node);
  return node.valueBlock.valueHexView.slice();
}

export function expectOid(node: Asn1Node | undefined, field: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) fail(field, "object identifier", node);
  return node.getValue();
}

/** A BIT STRING holding whole bytes (unused bits = 0), as in keys. */
export function expectBitBytes(node: Asn1Node | undefined, field: string): Uint8Array {
  if (!(node instanceof asn1js.BitString) || node.valueBlock.unusedBits !== 0)
    fail(field, "bit string", node);
  return node.valueBlock.valueHexView.slice();
}

/** The inner element of an EXPLICIT context tag `[n]` in `items`, or undefined. */
export function findExplicit(items: readonly Asn1Node[], n: number): Asn1Node | undefined {
  for (const it of items) {
    if (it.idBlock.tagClass === 3 && it.idBlock.tagNumber === n && it instanceof asn1js.Constructed) {
      return it.valueBlock.value[0];
    }
  }
  return undefined;
}

export function explicit(n: number, inner: asn1js.BaseBlock): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: n }, value: [inner] });
}

/** An AlgorithmIdentifier: OID and optional parameters (an OID, ASN.1 NULL or absent). */
export interface AlgorithmId {
  readonly oid: string;
  readonly paramOid: string | undefined;
}

export function parseAlgorithmId(node: Asn1Node | undefined, field: string): AlgorithmId {
  const items = expectSequence(node, field);
  const oid = expectOid(items[0], `${field}.algorithm`);
  const p = items[1];
  return { oid, paramOid: p instanceof asn1js.ObjectIdentifier ? p.getValue() : undefined };
}

export function encodeAlgorithmId(oid: string, param: string | "null" | undefined): asn1js.Sequence {
  const value: asn1js.BaseBlock[] = [new asn1js.ObjectIdentifier({ value: oid })];
  if (param === "null") value.push(new asn1js.Null());
  else if (param !== undefined) value.push(new asn1js.ObjectIdentifier({ value: param }));
  return new asn1js.Sequence({ value });
}

/** DER of an unsigned INTEGER (attestation claim values, RFC 5280 serials). */
export function encodeUnsignedInteger(v: bigint | number): Uint8Array {
  return derUnsignedInteger(v);
}

export function encodeBoolean(v: boolean): Uint8Array {
  return derBoolean(v);
}

export function encodeOctetString(v: Uint8Array): Uint8Array {
  return derOctetString(v);
}
