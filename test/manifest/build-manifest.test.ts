import { describe, expect, test } from "bun:test";
import { fromHex } from "../../src/common/bytes.ts";
import { ConfigError, ParseError } from "../../src/common/errors.ts";
import { checkEcPublicKeySpki, checkRsaPublicKeyPkcs1 } from "../../src/crypto/key-check.ts";
import { encodePem } from "../../src/crypto/pem.ts";
import {
  type BuildManifestInput,
  buildManifest,
  type PolicyInput,
} from "../../src/manifest/build-manifest.ts";
import { mergeReferenceValues } from "../../src/manifest/merge-reference-values.ts";
import { createOwnerKey, ownerPublicKeyHex } from "../../src/manifest/owner-keys.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import {
  platformReferenceValues,
  unknownLaunchValues,
} from "../../src/manifest/platform-reference-values.ts";
import {
  loadRuntimeLaunchValues,
  type SnpPlatformLaunchValues,
  type TdxPlatformLaunchValues,
} from "../../src/manifest/runtime-launch-values.ts";
import type { Manifest } from "../../src/manifest/schema.ts";
import { selectReferenceValues } from "../../src/manifest/select-reference-values.ts";
import { serializeManifest } from "../../src/manifest/serialize-manifest.ts";
import { thrownBy } from "../support/expect-error.ts";
import { makeKeys } from "./baseline.ts";

const keys = await makeKeys();
const D = (c: string) => c.repeat(64);
const SNP = { name: "Metal-QEMU-SNP", tee: "snp" } as const;
const TDX = { name: "Metal-QEMU-TDX", tee: "tdx" } as const;

function pod(name: string, digest: string, extra: Partial<PolicyInput> = {}): PolicyInput {
  return {
    digest,
    name,
    workloadSecretId: `apps/v1/Deployment/default/${name}`,
    role: undefined,
    sans: [name, "*"],
    where: `app.yaml#0 (Deployment ${name})`,
    ...extra,
  };
}

function input(extra: Partial<BuildManifestInput> = {}): BuildManifestInput {
  return {
    policies: [pod("coordinator", D("c"), { role: "coordinator" }), pod("web", D("a")), pod("db", D("b"))],
    referenceValues: platformReferenceValues(SNP),
    workloadOwnerPubKeys: [keys.owner],
    seedshareOwnerPubKeys: [keys.seedshare],
    ...extra,
  };
}

describe("buildManifest", () => {
  test("baseline → one entry per pod, default SANs and secret ids, and `set` accepts the bytes", () => {
    const m = buildManifest(input());
    expect(m.Policies).toEqual({
      [D("a")]: { SANs: ["web", "*"], WorkloadSecretID: "apps/v1/Deployment/default/web" },
      [D("b")]: { SANs: ["db", "*"], WorkloadSecretID: "apps/v1/Deployment/default/db" },
      [D("c")]: {
        SANs: ["coordinator", "*"],
        WorkloadSecretID: "apps/v1/Deployment/default/coordinator",
        Role: "coordinator",
      },
    });
    expect(m.WorkloadOwnerPubKeys).toEqual([keys.owner]);
    expect(parseManifest(new TextEncoder().encode(serializeManifest(m))).manifest).toEqual(
      JSON.parse(serializeManifest(m)),
    );
  });

  const refused: [string, Partial<BuildManifestInput>, string][] = [
    ["no coordinator", { policies: [pod("web", D("a"))] }, "coordinator_missing"],
    [
      "two coordinator policies",
      {
        policies: [pod("c1", D("c"), { role: "coordinator" }), pod("c2", D("d"), { role: "coordinator" })],
      },
      "coordinator_ambiguous",
    ],
    [
      "unknown role",
      { policies: [pod("c", D("c"), { role: "coordinator" }), pod("n", D("a"), { role: "node-installer" })] },
      "pod_role_invalid",
    ],
    [
      "two workloads, one digest",
      { policies: [pod("c", D("c"), { role: "coordinator" }), pod("web", D("a")), pod("api", D("a"))] },
      "policy_digest_collision",
    ],
  ];
  for (const [name, change, code] of refused) {
    test(`${name} → ConfigError ${code}`, () => {
      const e = thrownBy(() => buildManifest(input(change)));
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.code as string).toBe(code);
    });
  }

  test("previous manifest → SANs and secret ids follow the workload (digest, then secret id, then name)", () => {
    const previous: Manifest = {
      ...buildManifest(input()),
      Policies: {
        [D("c")]: { SANs: ["coordinator", "coord.example"], Role: "coordinator" },
        [D("1")]: { SANs: ["web.example"], WorkloadSecretID: "apps/v1/Deployment/default/web" },
        [D("2")]: { SANs: ["db", "db.internal"], WorkloadSecretID: "db-secret-v1" },
      },
    };
    const m = buildManifest(input({ previous }));
    expect(m.Policies[D("c")]).toEqual({ SANs: ["coordinator", "coord.example"], Role: "coordinator" });
    expect(m.Policies[D("a")]).toEqual({
      SANs: ["web.example"],
      WorkloadSecretID: "apps/v1/Deployment/default/web",
    });
    expect(m.Policies[D("b")]).toEqual({ SANs: ["db", "db.internal"], WorkloadSecretID: "db-secret-v1" });
  });

  test("previous keys → kept and merged; --disable-updates → no workload owner", () => {
    const previous = buildManifest(input());
    const other = "AA".repeat(4);
    const m = buildManifest(input({ previous, workloadOwnerPubKeys: [other] }));
    expect(m.WorkloadOwnerPubKeys).toEqual([keys.owner, other.toLowerCase()].sort());
    expect(buildManifest(input({ previous, disableUpdates: true })).WorkloadOwnerPubKeys).toEqual([]);
    expect(buildManifest(input({ previous, disableUpdates: true })).SeedshareOwnerPubKeys).toEqual([
      keys.seedshare,
    ]);
  });
});

describe("platformReferenceValues", () => {
  test("SNP → Milan and Genoa entries with null TCB; TDX → zero MrSeam; all placeholders hinted", () => {
    const snp = platformReferenceValues(SNP, {});
    expect(snp.snp?.map((e) => e.ProductName)).toEqual(["Milan", "Genoa"]);
    expect(snp.snp?.[0]?.MinimumTCB.SNPVersion).toBeNull();
    expect(unknownLaunchValues(snp).length).toBe(2);
    const tdx = platformReferenceValues(TDX, {});
    expect(tdx.tdx?.[0]?.MrSeam).toBe("00".repeat(48));
    expect(unknownLaunchValues(tdx).length).toBe(5); // MrTd and four RTMRs
    const known = platformReferenceValues(SNP, { snp: { Milan: "ab".repeat(48), Genoa: "cd".repeat(48) } });
    expect(unknownLaunchValues(known)).toEqual([]);
  });

  test("Metal-QEMU-SNP by default → the embedded launch digests for the template's default vCPUs, nothing hinted", () => {
    const doc = loadRuntimeLaunchValues();
    const p = doc.platforms["Metal-QEMU-SNP"] as SnpPlatformLaunchValues;
    const refs = platformReferenceValues(SNP);
    expect(refs.snp?.map((e) => e.TrustedMeasurement)).toEqual(
      (["Milan", "Genoa"] as const).map((n) => p.products[n]!.launchDigests[String(p.defaultVcpus)]!),
    );
    expect(refs.snp?.[0]?.TrustedMeasurement).not.toBe("00".repeat(48));
    expect(unknownLaunchValues(refs)).toEqual([]);
  });

  test("Metal-QEMU-TDX by default → embedded MRTD; RTMRs stay hinted placeholders", () => {
    const p = loadRuntimeLaunchValues().platforms["Metal-QEMU-TDX"] as TdxPlatformLaunchValues;
    const refs = platformReferenceValues(TDX);
    expect(refs.tdx?.[0]?.MrTd).toBe(p.mrTd);
    expect(unknownLaunchValues(refs).length).toBe(4);
  });

  test("CLH-SNP (IGVM, no artifact) → zero placeholders, both hinted", () => {
    const refs = platformReferenceValues({ name: "CLH-SNP", tee: "snp" });
    expect(refs.snp?.every((e) => e.TrustedMeasurement === "00".repeat(48))).toBe(true);
    expect(unknownLaunchValues(refs).length).toBe(2);
  });
});

describe("mergeReferenceValues", () => {
  test("same platform and product → previous entry kept; other platforms → dropped and listed", () => {
    const fresh = platformReferenceValues(SNP);
    const edited = { ...fresh.snp![1]!, AllowedChipIDs: ["ee".repeat(64)] };
    const previous = { snp: [edited, { ...edited, Platform: "sim" }], tdx: platformReferenceValues(TDX).tdx };
    const merged = mergeReferenceValues(fresh, previous);
    expect(merged.referenceValues.snp).toEqual([fresh.snp![0]!, edited]);
    expect(merged.referenceValues.tdx).toBeUndefined();
    expect(merged.dropped).toEqual(["snp sim", "tdx Metal-QEMU-TDX"]);
  });
});

describe("selectReferenceValues", () => {
  const previous = buildManifest(input({ referenceValues: platformReferenceValues(TDX) }));
  test("no flag and a previous manifest → its values as they are", () => {
    expect(selectReferenceValues({ chosen: undefined, named: [SNP], previous }).referenceValues).toBe(
      previous.ReferenceValues,
    );
  });
  test("no flag, no manifest → defaults of the named platforms; none named → reference_values_missing", () => {
    const r = selectReferenceValues({ chosen: undefined, named: [SNP, TDX], previous: undefined });
    expect([r.referenceValues.snp?.length, r.referenceValues.tdx?.length]).toEqual([2, 1]);
    const e = thrownBy(() => selectReferenceValues({ chosen: undefined, named: [], previous: undefined }));
    expect(e.code).toBe("reference_values_missing");
  });
});

describe("createOwnerKey / ownerPublicKeyHex", () => {
  test("defaults → P-384 EC PRIVATE KEY and RSA-4096 RSA PRIVATE KEY whose public keys read back the same", async () => {
    const ec = await createOwnerKey("workload-owner");
    expect(ec.pem).toStartWith("-----BEGIN EC PRIVATE KEY-----");
    expect(checkEcPublicKeySpki(fromHex(ec.publicKeyHex), "k")).toBe("P-384");
    expect(await ownerPublicKeyHex("workload-owner", ec.pem, "k")).toBe(ec.publicKeyHex);
    const rsa = await createOwnerKey("seedshare-owner");
    expect(rsa.pem).toStartWith("-----BEGIN RSA PRIVATE KEY-----");
    expect(checkRsaPublicKeyPkcs1(fromHex(rsa.publicKeyHex), "k")).toBe(4096);
    expect(await ownerPublicKeyHex("seedshare-owner", rsa.pem, "k")).toBe(rsa.publicKeyHex);
    const pub = encodePem("RSA PUBLIC KEY", fromHex(rsa.publicKeyHex));
    expect(await ownerPublicKeyHex("seedshare-owner", pub, "k")).toBe(rsa.publicKeyHex);
  });

  test("wrong kind or no pem → ParseError", async () => {
    const ec = await createOwnerKey("workload-owner");
    for (const [kind, pem] of [
      ["seedshare-owner", ec.pem],
      ["workload-owner", "hello"],
    ] as const) {
      const e = await ownerPublicKeyHex(kind, pem, "k").catch((x) => x);
      expect(e).toBeInstanceOf(ParseError);
    }
  });
});
