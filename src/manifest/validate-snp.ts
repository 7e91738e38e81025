// Reads and validates one SNP reference value entry (reference §2.1 table), recording every problem by path.

import { decodePem } from "../crypto/pem.ts";
import { type Checker, join } from "./checker.ts";
import type { SnpGuestPolicy, SnpPlatformInfo, SnpProductName, SnpReferenceValue, SnpTcb } from "./types.ts";

const PRODUCTS: readonly SnpProductName[] = ["Milan", "Genoa", "Turin"];
const TCB_FIELDS = ["BootloaderVersion", "TEEVersion", "SNPVersion", "MicrocodeVersion"] as const;
const GUEST_POLICY_BOOLS = [
  "SMT",
  "MigrateMA",
  "Debug",
  "SingleSocket",
  "CXLAllowed",
  "MemAES256XTS",
  "RAPLDis",
  "CipherTextHidingDRAM",
  "PageSwapDisable",
] as const;
const PLATFORM_INFO_BOOLS = [
  "SMTEnabled",
  "TSMEEnabled",
  "ECCEnabled",
  "RAPLDisabled",
  "CiphertextHidingDRAMEnabled",
  "AliasCheckComplete",
  "TIOEnabled",
] as const;
export const SNP_FIELDS = [
  "Platform",
  "ProductName",
  "TrustedMeasurement",
  "MinimumTCB",
  "GuestPolicy",
  "PlatformInfo",
  "MinimumMitigationVector",
  "AllowedChipIDs",
  "TrustedIDKeyDigests",
  "SimulatedARK",
  "AllowMissingCRL",
] as const;

export function readSnpReferenceValue(c: Checker, v: unknown, path: string): SnpReferenceValue | undefined {
  const o = c.object(v, path, SNP_FIELDS);
  if (o === undefined) return undefined;
  const before = c.problems.length;
  const product = c.required(o, "ProductName", path);
  if (product !== undefined && !PRODUCTS.includes(product as SnpProductName)) {
    c.expected(join(path, "ProductName"), `one of ${PRODUCTS.join(", ")}`, product);
  }
  const entry: SnpReferenceValue = {
    Platform: c.string(c.required(o, "Platform", path), join(path, "Platform")) ?? "",
    ProductName: product as SnpProductName,
    TrustedMeasurement:
      c.hex(c.required(o, "TrustedMeasurement", path), join(path, "TrustedMeasurement"), 48) ?? "",
    MinimumTCB: readTcb(c, c.required(o, "MinimumTCB", path), join(path, "MinimumTCB")),
    GuestPolicy: readGuestPolicy(c, c.required(o, "GuestPolicy", path), join(path, "GuestPolicy")),
    PlatformInfo: readBools<SnpPlatformInfo>(
      c,
      c.required(o, "PlatformInfo", path),
      join(path, "PlatformInfo"),
      PLATFORM_INFO_BOOLS,
    ),
    ...optional(o, "MinimumMitigationVector", (x) =>
      c.uint(x, join(path, "MinimumMitigationVector"), Number.MAX_SAFE_INTEGER),
    ),
    ...optional(o, "AllowedChipIDs", (x) =>
      c.list(x, join(path, "AllowedChipIDs"), (h, p) => c.hex(h, p, 64)),
    ),
    ...optional(o, "TrustedIDKeyDigests", (x) =>
      c.list(x, join(path, "TrustedIDKeyDigests"), (h, p) => c.hex(h, p, 48)),
    ),
    ...optional(o, "SimulatedARK", (x) => readPemCert(c, x, join(path, "SimulatedARK"))),
    ...optional(o, "AllowMissingCRL", (x) => c.bool(x, join(path, "AllowMissingCRL"))),
  };
  return c.problems.length === before ? entry : undefined;
}

function readTcb(c: Checker, v: unknown, path: string): SnpTcb {
  const o = c.object(v, path, [...TCB_FIELDS, "FMCVersion"]);
  if (o === undefined) return {} as SnpTcb;
  const svn = (k: string): number | null => {
    const x = k in o ? o[k] : c.required(o, k, path);
    return x === null ? null : (c.uint(x, join(path, k), 255) ?? null);
  };
  const tcb: Record<string, number | null> = {};
  for (const k of TCB_FIELDS) tcb[k] = svn(k);
  if ("FMCVersion" in o) tcb.FMCVersion = svn("FMCVersion");
  return tcb as unknown as SnpTcb;
}

function readGuestPolicy(c: Checker, v: unknown, path: string): SnpGuestPolicy {
  const o = c.object(v, path, ["ABIMinor", "ABIMajor", ...GUEST_POLICY_BOOLS]);
  if (o === undefined) return {} as SnpGuestPolicy;
  const out: Record<string, number | boolean> = {
    ABIMinor: c.uint(c.required(o, "ABIMinor", path), join(path, "ABIMinor"), 255) ?? 0,
    ABIMajor: c.uint(c.required(o, "ABIMajor", path), join(path, "ABIMajor"), 255) ?? 0,
  };
  for (const k of GUEST_POLICY_BOOLS) out[k] = c.bool(c.required(o, k, path), join(path, k)) ?? false;
  return out as unknown as SnpGuestPolicy;
}

function readBools<T>(c: Checker, v: unknown, path: string, keys: readonly string[]): T {
  const o = c.object(v, path, keys);
  if (o === undefined) return {} as T;
  const out: Record<string, boolean> = {};
  for (const k of keys) out[k] = c.bool(c.required(o, k, path), join(path, k)) ?? false;
  return out as T;
}

function readPemCert(c: Checker, v: unknown, path: string): string | undefined {
  const s = c.string(v, path);
  if (s === undefined) return undefined;
  try {
    decodePem(s, ["CERTIFICATE"], path);
    return s;
  } catch {
    return c.expected(path, "one pem CERTIFICATE block", v);
  }
}

/** `{ key: value }` when the field is present (and valid), `{}` when absent. */
export function optional<K extends string, T>(
  o: Record<string, unknown>,
  key: K,
  read: (v: unknown) => T | undefined,
): Partial<Record<K, T>> {
  if (!(key in o) || o[key] === undefined) return {};
  const r = read(o[key]);
  return r === undefined ? {} : ({ [key]: r } as Record<K, T>);
}
