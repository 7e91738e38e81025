import { describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { snpClaims } from "../../src/attestation/claims.ts";
import { parseSnpReport } from "../../src/attestation/snp/abi.ts";
import { createCertificateAuthority, issueMeshCert } from "../../src/crypto/ca.ts";
import { encodeOctetString } from "../../src/crypto/der.ts";
import { generateEcKeyPair } from "../../src/crypto/keys.ts";
import { testdata } from "../support/testdata.ts";

const ctx = {
  now: new Date("2026-11-30T00:00:00Z"),
  random: (n: number) => crypto.getRandomValues(new Uint8Array(n)),
};

describe("issueMeshCert (DER leaf encoder)", () => {
  test("every SAN kind, EKU, KU, AKI and extra extensions → parse back in two X.509 implementations", async () => {
    const ca = await createCertificateAuthority(
      await generateEcKeyPair("P-384"),
      await generateEcKeyPair("P-384"),
      ctx,
    );
    const leafKey = await generateEcKeyPair("P-256");
    const pem = await issueMeshCert(
      ca,
      {
        publicKey: leafKey.publicKey,
        sans: ["web", "*", "10.0.0.1", "fd00::1", "spiffe://cluster/ns/web"],
        extensions: [
          {
            oid: "1.3.9901.3.1",
            value: encodeOctetString(new TextEncoder().encode("apps/v1/Deployment/default/web")),
          },
        ],
      },
      ctx,
    );
    const node = new X509Certificate(pem);
    expect(node.subject).toBe("CN=web");
    expect(node.subjectAltName).toBe(
      "DNS:web, DNS:*, IP Address:10.0.0.1, IP Address:FD00:0:0:0:0:0:0:1, URI:spiffe://cluster/ns/web",
    );
    expect(node.checkIssued(new X509Certificate(ca.meshCAPem))).toBe(true);
    expect(node.verify(new X509Certificate(ca.meshCAPem).publicKey)).toBe(true);
    expect(node.validFrom).toBe("Nov 29 23:00:00 2026 GMT");
    const p = new x509.X509Certificate(pem);
    expect(p.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(p.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(p.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.clientAuth,
      x509.ExtendedKeyUsage.serverAuth,
    ]);
    expect(p.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(
      ca.meshCA.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    );
    expect(p.getExtension("1.3.9901.3.1")).toBeDefined();
  });

  test("no DNS SAN → empty subject and a critical SAN extension", async () => {
    const ca = await createCertificateAuthority(
      await generateEcKeyPair("P-384"),
      await generateEcKeyPair("P-384"),
      ctx,
    );
    const pem = await issueMeshCert(
      ca,
      { publicKey: (await generateEcKeyPair("P-256")).publicKey, sans: ["10.1.2.3"] },
      ctx,
    );
    const p = new x509.X509Certificate(pem);
    expect(p.subject).toBe("");
    expect(p.getExtension(x509.SubjectAlternativeNameExtension)?.critical).toBe(true);
  });

  test("ipv6 SANs written with a dotted quad or zero groups → the address itself, as openssl reads it", async () => {
    const ca = await createCertificateAuthority(
      await generateEcKeyPair("P-384"),
      await generateEcKeyPair("P-384"),
      ctx,
    );
    const sans = ["::ffff:1.2.3.4", "::1.2.3.4", "1:2::3", "0:0:0:0:0:0:0:1"];
    const pem = await issueMeshCert(
      ca,
      { publicKey: (await generateEcKeyPair("P-256")).publicKey, sans },
      ctx,
    );
    expect(new X509Certificate(pem).subjectAltName).toBe(
      "IP Address:0:0:0:0:0:FFFF:102:304, IP Address:0:0:0:0:0:0:102:304, IP Address:1:2:0:0:0:0:0:3, IP Address:0:0:0:0:0:0:0:1",
    );
  });

  test("the claims of a real report → openssl verifies the leaf against the mesh CA and the root chain", async () => {
    const ca = await createCertificateAuthority(
      await generateEcKeyPair("P-384"),
      await generateEcKeyPair("P-384"),
      ctx,
    );
    const report = parseSnpReport(
      new Uint8Array(readFileSync(testdata("attestation", "snp", "genoa_v3_coco_e2e_report.bin"))),
      { product: "Genoa" },
    );
    const pem = await issueMeshCert(
      ca,
      {
        publicKey: (await generateEcKeyPair("P-256")).publicKey,
        sans: ["web", "10.0.0.1"],
        extensions: snpClaims(report),
      },
      ctx,
    );
    const dir = mkdtempSync(join(tmpdir(), "contrast-leaf-"));
    try {
      writeFileSync(join(dir, "leaf.pem"), pem);
      writeFileSync(join(dir, "mesh.pem"), ca.meshCAPem);
      writeFileSync(join(dir, "root.pem"), ca.rootCAPem);
      writeFileSync(join(dir, "intermediate.pem"), ca.intermediatePem);
      const openssl = (...args: string[]) => Bun.spawnSync(["openssl", ...args], { cwd: dir });
      const at = String(Math.floor(ctx.now.getTime() / 1000));
      const viaMesh = openssl("verify", "-attime", at, "-CAfile", "mesh.pem", "leaf.pem");
      expect(viaMesh.stdout.toString()).toBe("leaf.pem: OK\n");
      const viaRoot = openssl(
        "verify",
        "-attime",
        at,
        "-CAfile",
        "root.pem",
        "-untrusted",
        "intermediate.pem",
        "leaf.pem",
      );
      expect(viaRoot.stdout.toString()).toBe("leaf.pem: OK\n");
      const text = openssl("x509", "-in", "leaf.pem", "-noout", "-text").stdout.toString();
      expect(text.match(/1\.3\.9901\.2\.1\.\d+:/g)?.length).toBe(46);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
