import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { toHex, utf8 } from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";
import {
  createCertificateAuthority,
  createSelfSignedServerCert,
  issueMeshCert,
  MESH_CA_COMMON_NAME,
  OID_WORKLOAD_SECRET_ID,
  ROOT_CA_COMMON_NAME,
} from "../../src/crypto/ca.ts";
import { encodeBoolean, encodeOctetString, encodeUnsignedInteger } from "../../src/crypto/der.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { createSeedEngine } from "../../src/crypto/seed-engine.ts";
import { expectCode } from "../support/expect-error.ts";
import { HAS_OPENSSL } from "../support/tools.ts";
import { createTestRandom } from "./test-random.ts";

const now = new Date("2026-03-01T12:00:00Z");

async function setup() {
  const engine = await createSeedEngine(new Uint8Array(64).fill(9), new Uint8Array(32).fill(3));
  const meshKey = await generateEcKeyPair("P-384");
  const ctx = { now, random: createTestRandom(1) };
  const ca = await createCertificateAuthority(engine.rootCAKey, meshKey, ctx);
  const leafKey = await generateEcKeyPair("P-256");
  const leafPem = await issueMeshCert(
    ca,
    {
      publicKey: leafKey.publicKey,
      sans: ["web", "*", "10.0.0.7", "spiffe://cluster/ns/default/sa/web", "web.default.svc"],
      extensions: [
        { oid: "1.3.9901.2.1.1", value: encodeUnsignedInteger(3) },
        { oid: "1.3.9901.2.1.5", value: encodeBoolean(false) },
        { oid: "1.3.9901.2.1.23", value: encodeOctetString(new Uint8Array(32).fill(0xab)) },
        { oid: OID_WORKLOAD_SECRET_ID, value: encodeOctetString(utf8("apps/v1/Deployment/default/web")) },
      ],
    },
    ctx,
  );
  return { engine, ca, leafKey, leafPem, ctx };
}

describe("createCertificateAuthority", () => {
  test("root, mesh ca and intermediate → subjects, keys and ca flags as in edgelesssys/contrast internal/ca", async () => {
    const { ca, engine } = await setup();
    expect(ca.rootCA.subject).toBe(`CN=${ROOT_CA_COMMON_NAME}`);
    expect(ca.meshCA.subject).toBe(`CN=${MESH_CA_COMMON_NAME}`);
    expect(ca.intermediate.subject).toBe(`CN=${MESH_CA_COMMON_NAME}`);
    expect(ca.intermediate.issuer).toBe(`CN=${ROOT_CA_COMMON_NAME}`);
    expect(toHex(new Uint8Array(ca.rootCA.publicKey.rawData))).toBe(
      toHex(await exportPublicKeySpki(engine.rootCAKey.publicKey)),
    );
    expect(toHex(new Uint8Array(ca.intermediate.publicKey.rawData))).toBe(
      toHex(new Uint8Array(ca.meshCA.publicKey.rawData)),
    );
    expect(ca.rootCA.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    expect(ca.rootCA.notBefore.getTime()).toBe(now.getTime() - 3600_000);
    expect(await ca.rootCA.verify({ date: now })).toBe(true);
    expect(await ca.intermediate.verify({ publicKey: ca.rootCA.publicKey, date: now })).toBe(true);
  });

  test("same seed after recovery → same root ca key", async () => {
    const a = await setup();
    const b = await setup();
    expect(toHex(new Uint8Array(a.ca.rootCA.publicKey.rawData))).toBe(
      toHex(new Uint8Array(b.ca.rootCA.publicKey.rawData)),
    );
  });
});

describe("issueMeshCert", () => {
  test("leaf → sans classified, cn = first dns san, eku, validity, extensions", async () => {
    const { leafPem, leafKey } = await setup();
    const leaf = new x509.X509Certificate(leafPem);
    expect(leaf.subject).toBe("CN=web");
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.toJSON()).toEqual([
      { type: "dns", value: "web" },
      { type: "dns", value: "*" },
      { type: "ip", value: "10.0.0.7" },
      { type: "url", value: "spiffe://cluster/ns/default/sa/web" },
      { type: "dns", value: "web.default.svc" },
    ]);
    const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension);
    expect(eku?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]);
    expect(leaf.notAfter.getTime() - now.getTime()).toBe(365 * 24 * 3600_000);
    const wsid = leaf.getExtension(OID_WORKLOAD_SECRET_ID);
    expect(toHex(new Uint8Array(wsid?.value ?? new ArrayBuffer(0)))).toBe(
      toHex(encodeOctetString(utf8("apps/v1/Deployment/default/web"))),
    );
    expect(toHex(new Uint8Array(leaf.publicKey.rawData))).toBe(
      toHex(await exportPublicKeySpki(leafKey.publicKey)),
    );
  });

  test.skipIf(!HAS_OPENSSL)(
    "openssl verify → leaf chains to mesh ca and, via intermediate, to root ca",
    async () => {
      const { ca, leafPem } = await setup();
      const dir = mkdtempSync(join(tmpdir(), "ca-"));
      const files = { leaf: leafPem, mesh: ca.meshCAPem, root: ca.rootCAPem, inter: ca.intermediatePem };
      for (const [name, pem] of Object.entries(files)) writeFileSync(join(dir, `${name}.pem`), pem);
      const verify = (...args: string[]) =>
        execFileSync("openssl", ["verify", "-attime", String(now.getTime() / 1000), ...args], {
          cwd: dir,
          stdio: "pipe",
        })
          .toString()
          .trim();
      expect(verify("-CAfile", "mesh.pem", "leaf.pem")).toBe("leaf.pem: OK");
      expect(verify("-CAfile", "root.pem", "-untrusted", "inter.pem", "leaf.pem")).toBe("leaf.pem: OK");
      // without the intermediate, the root alone must not vouch for the leaf
      expect(() => verify("-CAfile", "root.pem", "leaf.pem")).toThrow();
      // a different Coordinator's mesh CA must not verify it either
      const other = await createCertificateAuthority(
        (await createSeedEngine(new Uint8Array(64).fill(1), new Uint8Array(32))).rootCAKey,
        await generateEcKeyPair("P-384"),
        { now, random: createTestRandom(2) },
      );
      writeFileSync(join(dir, "other.pem"), other.meshCAPem);
      expect(() => verify("-CAfile", "other.pem", "leaf.pem")).toThrow();
    },
  );
});

describe("createSelfSignedServerCert", () => {
  test("per-boot p-256 key → self-signed server cert with the given sans", async () => {
    const key = await generateEcKeyPair("P-256");
    const pem = await createSelfSignedServerCert(
      key,
      { now, random: createTestRandom(3) },
      { sans: ["127.0.0.1", "localhost"] },
    );
    const cert = new x509.X509Certificate(pem);
    expect(await cert.verify({ date: now })).toBe(true);
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
      { type: "ip", value: "127.0.0.1" },
      { type: "dns", value: "localhost" },
    ]);
  });
});

describe("issueMeshCert edge cases", () => {
  test("only an ip san → empty subject, critical san, still verifies with openssl", async () => {
    const { ca, ctx } = await setup();
    const leafKey = await generateEcKeyPair("P-256");
    const pem = await issueMeshCert(ca, { publicKey: leafKey.publicKey, sans: ["192.168.0.1"] }, ctx);
    const leaf = new x509.X509Certificate(pem);
    expect(leaf.subject).toBe("");
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)?.critical).toBe(true);
    expect(await leaf.verify({ publicKey: ca.meshCA.publicKey, date: now })).toBe(true);
  });

  test("p-384 leaf key → ParseError unsupported_key", async () => {
    const { ca, ctx } = await setup();
    const leafKey = await generateEcKeyPair("P-384");
    await expectCode(
      async () => issueMeshCert(ca, { publicKey: leafKey.publicKey, sans: ["x"] }, ctx),
      ParseError,
      "unsupported_key",
    );
  });
});
