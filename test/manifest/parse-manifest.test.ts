import { beforeAll, describe, expect, test } from "bun:test";
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex } from "../../src/common/bytes.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { ManifestError } from "../../src/manifest/manifest-error.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import { baseline, bytesOf, type Json, makeKeys } from "./baseline.ts";

let keys: { owner: string; seedshare: string };
beforeAll(async () => {
  keys = await makeKeys();
});

function problemsOf(json: Json, opts = {}): string[] {
  try {
    parseManifest(bytesOf(json), opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ManifestError).code).toBe("invalid_manifest");
    return [...(e as ManifestError).problems];
  }
  return [];
}

const snp = (m: Json) => m.ReferenceValues.snp[0];
const tdx = (m: Json) => m.ReferenceValues.tdx[0];
const A = "a".repeat(64);
const B = "b".repeat(64);

// Each row changes one thing in the valid baseline; the problem must start with the given path.
const ROWS: [string, (m: Json) => void, string][] = [
  [
    "unknown top-level key",
    (m) => {
      m.Extra = 1;
    },
    "Extra: unknown field",
  ],
  ["Policies missing", (m) => delete m.Policies, "Policies: required field missing"],
  [
    "policy key uppercase",
    (m) => {
      m.Policies["B".repeat(64)] = m.Policies[B];
      delete m.Policies[B];
    },
    `Policies.${"B".repeat(64)}:`,
  ],
  [
    "policy key 62 hex",
    (m) => {
      m.Policies["b".repeat(62)] = m.Policies[B];
      delete m.Policies[B];
    },
    `Policies.${"b".repeat(62)}:`,
  ],
  [
    "no coordinator role",
    (m) => delete m.Policies[A].Role,
    'Policies: expected exactly one entry with Role "coordinator", got 0',
  ],
  [
    "two coordinator roles",
    (m) => {
      m.Policies[B].Role = "coordinator";
    },
    'Policies: expected exactly one entry with Role "coordinator", got 2',
  ],
  [
    "unknown role",
    (m) => {
      m.Policies[B].Role = "contrast-node-installer";
    },
    `Policies.${B}.Role: expected`,
  ],
  [
    "SANs not array",
    (m) => {
      m.Policies[B].SANs = "web";
    },
    `Policies.${B}.SANs: expected array`,
  ],
  [
    "SAN empty string",
    (m) => {
      m.Policies[B].SANs = [""];
    },
    `Policies.${B}.SANs[0]: expected non-empty string`,
  ],
  ["SANs missing", (m) => delete m.Policies[B].SANs, `Policies.${B}.SANs: required field missing`],
  [
    "SAN with a space",
    (m) => {
      m.Policies[B].SANs = ["web server"];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN with an underscore",
    (m) => {
      m.Policies[B].SANs = ["my_web"];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN label of 64 characters",
    (m) => {
      m.Policies[B].SANs = ["a".repeat(64)];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN longer than 253 characters",
    (m) => {
      m.Policies[B].SANs = [Array(64).fill("abc").join(".")];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN wildcard not leftmost",
    (m) => {
      m.Policies[B].SANs = ["web.*.svc"];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN with a trailing dot",
    (m) => {
      m.Policies[B].SANs = ["web."];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN with a label starting with a hyphen",
    (m) => {
      m.Policies[B].SANs = ["-web"];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN with non-ascii characters",
    (m) => {
      m.Policies[B].SANs = ["wéb"];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN uri with a space",
    (m) => {
      m.Policies[B].SANs = ["spiffe://cluster/a b"];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "SAN uri that does not parse",
    (m) => {
      m.Policies[B].SANs = ["https://[::1"];
    },
    `Policies.${B}.SANs[0]: expected a`,
  ],
  [
    "unknown policy entry field",
    (m) => {
      m.Policies[B].Name = "x";
    },
    `Policies.${B}.Name: unknown field`,
  ],
  [
    "no reference values",
    (m) => {
      m.ReferenceValues = {};
    },
    "ReferenceValues: expected at least one",
  ],
  [
    "unknown platform key",
    (m) => {
      m.ReferenceValues.SNP = [];
    },
    "ReferenceValues.SNP: unknown field",
  ],
  [
    "SNPVersion string",
    (m) => {
      snp(m).MinimumTCB.SNPVersion = "x";
    },
    'ReferenceValues.snp[0].MinimumTCB.SNPVersion: expected integer 0-255, got "x"',
  ],
  [
    "SNPVersion 256",
    (m) => {
      snp(m).MinimumTCB.SNPVersion = 256;
    },
    "ReferenceValues.snp[0].MinimumTCB.SNPVersion: expected integer 0-255, got 256",
  ],
  [
    "TEEVersion missing",
    (m) => delete snp(m).MinimumTCB.TEEVersion,
    "ReferenceValues.snp[0].MinimumTCB.TEEVersion: required field missing",
  ],
  [
    "ProductName Rome",
    (m) => {
      snp(m).ProductName = "Rome";
    },
    "ReferenceValues.snp[0].ProductName: expected one of",
  ],
  [
    "measurement 47 bytes",
    (m) => {
      snp(m).TrustedMeasurement = "c".repeat(94);
    },
    "ReferenceValues.snp[0].TrustedMeasurement: expected 96 hex",
  ],
  [
    "measurement not hex",
    (m) => {
      snp(m).TrustedMeasurement = "z".repeat(96);
    },
    "ReferenceValues.snp[0].TrustedMeasurement:",
  ],
  [
    "guest policy Debug string",
    (m) => {
      snp(m).GuestPolicy.Debug = "false";
    },
    "ReferenceValues.snp[0].GuestPolicy.Debug: expected boolean",
  ],
  [
    "guest policy field missing",
    (m) => delete snp(m).GuestPolicy.PageSwapDisable,
    "ReferenceValues.snp[0].GuestPolicy.PageSwapDisable: required",
  ],
  [
    "platform info unknown field",
    (m) => {
      snp(m).PlatformInfo.Foo = true;
    },
    "ReferenceValues.snp[0].PlatformInfo.Foo: unknown field",
  ],
  [
    "chip id short",
    (m) => {
      snp(m).AllowedChipIDs = ["d".repeat(126)];
    },
    "ReferenceValues.snp[0].AllowedChipIDs[0]: expected 128 hex",
  ],
  [
    "id key digest wrong length",
    (m) => {
      snp(m).TrustedIDKeyDigests = ["e".repeat(64)];
    },
    "ReferenceValues.snp[0].TrustedIDKeyDigests[0]: expected 96 hex",
  ],
  [
    "mitigation vector negative",
    (m) => {
      snp(m).MinimumMitigationVector = -1;
    },
    "ReferenceValues.snp[0].MinimumMitigationVector: expected integer",
  ],
  [
    "SimulatedARK not pem",
    (m) => {
      snp(m).SimulatedARK = "hello";
    },
    "ReferenceValues.snp[0].SimulatedARK: expected one pem CERTIFICATE block",
  ],
  [
    "snp AllowMissingCRL not a boolean",
    (m) => {
      snp(m).AllowMissingCRL = "true";
    },
    "ReferenceValues.snp[0].AllowMissingCRL: expected boolean",
  ],
  [
    "snp typo field",
    (m) => {
      snp(m).MinimumTcb = {};
    },
    "ReferenceValues.snp[0].MinimumTcb: unknown field",
  ],
  [
    "tdx MrTd short",
    (m) => {
      tdx(m).MrTd = "1".repeat(94);
    },
    "ReferenceValues.tdx[0].MrTd: expected 96 hex",
  ],
  ["tdx 3 rtmrs", (m) => tdx(m).Rtmrs.pop(), "ReferenceValues.tdx[0].Rtmrs: expected 4 entries, got 3"],
  [
    "tdx rtmr bad",
    (m) => {
      tdx(m).Rtmrs[2] = "x";
    },
    "ReferenceValues.tdx[0].Rtmrs[2]: expected 96 hex",
  ],
  [
    "tdx xfam 7 bytes",
    (m) => {
      tdx(m).Xfam = "e7020600000000";
    },
    "ReferenceValues.tdx[0].Xfam: expected 16 hex",
  ],
  [
    "tdx PIID short",
    (m) => {
      tdx(m).AllowedPIIDs = ["ab"];
    },
    "ReferenceValues.tdx[0].AllowedPIIDs[0]: expected 32 hex",
  ],
  [
    "tdx status Revoked",
    (m) => {
      tdx(m).AllowedTCBStatuses = ["Revoked"];
    },
    "ReferenceValues.tdx[0].AllowedTCBStatuses[0]: expected one of",
  ],
  [
    "tdx statuses empty",
    (m) => {
      tdx(m).AllowedTCBStatuses = [];
    },
    "ReferenceValues.tdx[0].AllowedTCBStatuses: expected at least one",
  ],
  [
    "tdx MemoryIntegrity string",
    (m) => {
      tdx(m).MemoryIntegrity = "yes";
    },
    "ReferenceValues.tdx[0].MemoryIntegrity: expected boolean",
  ],
  [
    "tdx AllowMissingCRL number",
    (m) => {
      tdx(m).AllowMissingCRL = 1;
    },
    "ReferenceValues.tdx[0].AllowMissingCRL: expected boolean",
  ],
  [
    "owner key not hex",
    (m) => {
      m.WorkloadOwnerPubKeys = ["xyz"];
    },
    "WorkloadOwnerPubKeys[0]: expected hex string",
  ],
  [
    "owner key is rsa",
    (m) => {
      m.WorkloadOwnerPubKeys = [keysRef().seedshare];
    },
    "WorkloadOwnerPubKeys[0]",
  ],
  [
    "owner key duplicated",
    (m) => m.WorkloadOwnerPubKeys.push(m.WorkloadOwnerPubKeys[0]),
    "WorkloadOwnerPubKeys[1]: duplicate key",
  ],
  [
    "seedshare key is ec spki",
    (m) => {
      m.SeedshareOwnerPubKeys = [keysRef().owner];
    },
    "SeedshareOwnerPubKeys[0]",
  ],
  [
    "seedshare keys not array",
    (m) => {
      m.SeedshareOwnerPubKeys = "ab";
    },
    "SeedshareOwnerPubKeys: expected array",
  ],
];

function keysRef() {
  return keys;
}

describe("parseManifest", () => {
  test("valid baseline → manifest, exact raw bytes and sha-256 digest", () => {
    const bytes = bytesOf(baseline(keys));
    const parsed = parseManifest(bytes);
    expect(toHex(parsed.raw)).toBe(toHex(bytes));
    expect(parsed.digest).toBe(toHex(sha256(bytes)));
    expect(parsed.manifest.Policies[A]?.Role).toBe("coordinator");
    expect(parsed.manifest.ReferenceValues.tdx?.[0]?.Rtmrs.length).toBe(4);
  });

  test("every kind of valid SAN (dns, wildcard, ipv4, ipv6, uri) → accepted", () => {
    const m = baseline(keys);
    const sans = ["web", "*", "*.web.default.svc", "a-b.c-d", "10.0.0.1", "::1", "spiffe://cluster/ns/web"];
    m.Policies[B].SANs = sans;
    expect(parseManifest(bytesOf(m)).manifest.Policies[B]?.SANs).toEqual(sans);
  });

  test("one change per row → a problem at that path", () => {
    let ran = 0;
    for (const [name, change, prefix] of ROWS) {
      const m = baseline(keys);
      change(m);
      const problems = problemsOf(m);
      expect(`${name}: ${problems.some((p) => p.startsWith(prefix))}`).toBe(`${name}: true`);
      ran++;
    }
    expect(ran).toBe(ROWS.length);
    expect(ran).toBe(52);
  });

  test("several problems at once → all reported", () => {
    const m = baseline(keys);
    snp(m).MinimumTCB.SNPVersion = "x";
    tdx(m).Xfam = "00";
    m.Extra = true;
    expect(problemsOf(m).length).toBe(3);
  });

  test("key lists absent or null → empty (updates disabled)", () => {
    const m = baseline(keys);
    delete m.WorkloadOwnerPubKeys;
    m.SeedshareOwnerPubKeys = null;
    const { manifest } = parseManifest(bytesOf(m));
    expect(manifest.WorkloadOwnerPubKeys).toEqual([]);
    expect(manifest.SeedshareOwnerPubKeys).toEqual([]);
  });

  test("not json, not utf-8, not an object → ManifestError", () => {
    for (const bytes of [
      new TextEncoder().encode("{"),
      new Uint8Array([0x7b, 0xff, 0x7d]),
      new TextEncoder().encode("[]"),
    ]) {
      expect(() => parseManifest(bytes)).toThrow(ManifestError);
    }
  });

  test("null MinimumTCB field → accepted; with requireComplete → problem at its path", () => {
    const m = baseline(keys);
    snp(m).MinimumTCB.MicrocodeVersion = null;
    tdx(m).MrSeam = "0".repeat(96);
    expect(
      parseManifest(bytesOf(m)).manifest.ReferenceValues.snp?.[0]?.MinimumTCB.MicrocodeVersion,
    ).toBeNull();
    const problems = problemsOf(m, { requireComplete: true });
    expect(problems).toEqual([
      "ReferenceValues.snp[0].MinimumTCB.MicrocodeVersion: must be filled in by the user, got null",
      "ReferenceValues.tdx[0].MrSeam: must be filled in by the user, got all zeros",
    ]);
  });
});
