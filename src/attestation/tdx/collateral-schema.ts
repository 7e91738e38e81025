// Reads the JSON of a PCS TDX TCB info / QE identity into typed values; every field is checked (ParseError only).

import { fromHex, toHex } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";
import {
  type IsvTcbLevel,
  TCB_STATUSES,
  type TcbStatus,
  type TdQeIdentity,
  type TdxModuleIdentity,
  type TdxPlatformTcbLevel,
  type TdxTcbInfo,
} from "./collateral-types.ts";

type Obj = Record<string, unknown>;

function bad(field: string, expected: string, got: unknown): never {
  const shown =
    typeof got === "string" ? JSON.stringify(got.slice(0, 40)) : Array.isArray(got) ? "array" : typeof got;
  throw new ParseError("tdx_bad_collateral", `${field}: expected ${expected}, got ${shown}`, { field });
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad(field, "an object", v);
  return v as Obj;
}

function arr(v: unknown, field: string, max = 256): unknown[] {
  if (!Array.isArray(v) || v.length > max) bad(field, `an array of at most ${max}`, v);
  return v;
}

function int(v: unknown, field: string, max = 0xffffffff): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
    bad(field, `an integer 0..${max}`, v);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== "string" || v.length > 256) bad(field, "a string", v);
  return v;
}

function hex(v: unknown, field: string, size: number): Uint8Array {
  const s = str(v, field);
  if (s.length !== size * 2) bad(field, `${size} bytes of hex`, s);
  return fromHex(s, field);
}

function date(v: unknown, field: string): Date {
  const s = str(v, field);
  const d = new Date(s);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s) || Number.isNaN(d.getTime())) {
    bad(field, "an RFC 3339 UTC time", s);
  }
  return d;
}

function status(v: unknown, field: string): TcbStatus {
  if (!(TCB_STATUSES as readonly unknown[]).includes(v)) bad(field, `one of ${TCB_STATUSES.join(", ")}`, v);
  return v as TcbStatus;
}

function advisories(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  return arr(v, field).map((a, i) => str(a, `${field}[${i}]`));
}

function svns(v: unknown, field: string): number[] {
  const list = arr(v, field);
  if (list.length !== 16) bad(field, "16 components", v);
  return list.map((c, i) => int(obj(c, `${field}[${i}]`).svn, `${field}[${i}].svn`, 255));
}

function platformLevel(v: unknown, field: string): TdxPlatformTcbLevel {
  const o = obj(v, field);
  const tcb = obj(o.tcb, `${field}.tcb`);
  return {
    sgxTcbComponents: svns(tcb.sgxtcbcomponents, `${field}.tcb.sgxtcbcomponents`),
    pceSvn: int(tcb.pcesvn, `${field}.tcb.pcesvn`, 0xffff),
    tdxTcbComponents: svns(tcb.tdxtcbcomponents, `${field}.tcb.tdxtcbcomponents`),
    tcbDate: str(o.tcbDate, `${field}.tcbDate`),
    tcbStatus: status(o.tcbStatus, `${field}.tcbStatus`),
    advisoryIds: advisories(o.advisoryIDs, `${field}.advisoryIDs`),
  };
}

function isvLevel(v: unknown, field: string): IsvTcbLevel {
  const o = obj(v, field);
  return {
    isvSvn: int(obj(o.tcb, `${field}.tcb`).isvsvn, `${field}.tcb.isvsvn`, 0xffff),
    tcbDate: str(o.tcbDate, `${field}.tcbDate`),
    tcbStatus: status(o.tcbStatus, `${field}.tcbStatus`),
    advisoryIds: advisories(o.advisoryIDs, `${field}.advisoryIDs`),
  };
}

function moduleIdentity(v: unknown, field: string): TdxModuleIdentity {
  const o = obj(v, field);
  const id = str(o.id, `${field}.id`);
  if (!/^TDX_[0-9A-F]{2}$/.test(id)) bad(`${field}.id`, "TDX_%02X", id);
  return {
    id,
    mrSigner: hex(o.mrsigner, `${field}.mrsigner`, 48),
    attributes: hex(o.attributes, `${field}.attributes`, 8),
    attributesMask: hex(o.attributesMask, `${field}.attributesMask`, 8),
    tcbLevels: arr(o.tcbLevels, `${field}.tcbLevels`).map((l, i) => isvLevel(l, `${field}.tcbLevels[${i}]`)),
  };
}

/** Reads the `tcbInfo` value of a PCS v4 TDX TCB info body (Intel PCS API v4): id TDX, version 3. */
export function readTdxTcbInfo(v: unknown): TdxTcbInfo {
  const o = obj(v, "tcbInfo");
  if (o.id !== "TDX") bad("tcbInfo.id", '"TDX"', o.id);
  if (o.version !== 3) bad("tcbInfo.version", "3", o.version);
  const module = obj(o.tdxModule, "tcbInfo.tdxModule");
  const identities =
    o.tdxModuleIdentities === undefined ? [] : arr(o.tdxModuleIdentities, "tcbInfo.tdxModuleIdentities");
  return {
    id: "TDX",
    version: 3,
    issueDate: date(o.issueDate, "tcbInfo.issueDate"),
    nextUpdate: date(o.nextUpdate, "tcbInfo.nextUpdate"),
    fmspc: toHex(hex(o.fmspc, "tcbInfo.fmspc", 6)),
    pceId: toHex(hex(o.pceId, "tcbInfo.pceId", 2)),
    tcbType: int(o.tcbType, "tcbInfo.tcbType"),
    tcbEvaluationDataNumber: int(o.tcbEvaluationDataNumber, "tcbInfo.tcbEvaluationDataNumber"),
    tdxModule: {
      mrSigner: hex(module.mrsigner, "tcbInfo.tdxModule.mrsigner", 48),
      attributes: hex(module.attributes, "tcbInfo.tdxModule.attributes", 8),
      attributesMask: hex(module.attributesMask, "tcbInfo.tdxModule.attributesMask", 8),
    },
    tdxModuleIdentities: identities.map((m, i) => moduleIdentity(m, `tcbInfo.tdxModuleIdentities[${i}]`)),
    tcbLevels: arr(o.tcbLevels, "tcbInfo.tcbLevels").map((l, i) =>
      platformLevel(l, `tcbInfo.tcbLevels[${i}]`),
    ),
  };
}

/** Reads the `enclaveIdentity` value of a PCS v4 TD QE identity body (Intel PCS API v4): id TD_QE, version 2. */
export function readTdQeIdentity(v: unknown): TdQeIdentity {
  const o = obj(v, "enclaveIdentity");
  if (o.id !== "TD_QE") bad("enclaveIdentity.id", '"TD_QE"', o.id);
  if (o.version !== 2) bad("enclaveIdentity.version", "2", o.version);
  const u32 = (x: unknown, f: string) => Number.parseInt(toHex(hex(x, f, 4)), 16);
  return {
    id: "TD_QE",
    version: 2,
    issueDate: date(o.issueDate, "enclaveIdentity.issueDate"),
    nextUpdate: date(o.nextUpdate, "enclaveIdentity.nextUpdate"),
    tcbEvaluationDataNumber: int(o.tcbEvaluationDataNumber, "enclaveIdentity.tcbEvaluationDataNumber"),
    miscselect: u32(o.miscselect, "enclaveIdentity.miscselect"),
    miscselectMask: u32(o.miscselectMask, "enclaveIdentity.miscselectMask"),
    attributes: hex(o.attributes, "enclaveIdentity.attributes", 16),
    attributesMask: hex(o.attributesMask, "enclaveIdentity.attributesMask", 16),
    mrSigner: hex(o.mrsigner, "enclaveIdentity.mrsigner", 32),
    isvProdId: int(o.isvprodid, "enclaveIdentity.isvprodid", 0xffff),
    tcbLevels: arr(o.tcbLevels, "enclaveIdentity.tcbLevels").map((l, i) =>
      isvLevel(l, `enclaveIdentity.tcbLevels[${i}]`),
    ),
  };
}
