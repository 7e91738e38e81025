import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { archiveDeploymentFiles, deploymentConflict } from "../../src/cli/deployment-files.ts";
import { PolicyError } from "../../src/common/errors.ts";
import { createCertificateAuthority } from "../../src/crypto/ca.ts";
import { type EcKeyPair, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { defaultRandom } from "../../src/crypto/random.ts";

let rootKey: EcKeyPair;
const rootPem = async (key: EcKeyPair, at = new Date()) =>
  (
    await createCertificateAuthority(key, await generateEcKeyPair("P-384"), {
      now: at,
      random: defaultRandom,
    })
  ).rootCAPem;

function workspace(files: Record<string, string>) {
  const ws = mkdtempSync(join(tmpdir(), "ws-"));
  for (const [f, t] of Object.entries(files)) writeFileSync(join(ws, f), t);
  return { ws, pathOf: (n: string) => join(ws, n) };
}

beforeAll(async () => {
  rootKey = await generateEcKeyPair("P-384");
});

describe("deploymentConflict", () => {
  test("first set: no deployment files → none; seed shares present → PolicyError workspace_holds_deployment", () => {
    expect(deploymentConflict(workspace({}).pathOf, { firstSet: true, rootCA: "" })).toBeUndefined();
    const e = deploymentConflict(workspace({ "seed-shares.json": "{}" }).pathOf, {
      firstSet: true,
      rootCA: "",
    });
    expect(e).toBeInstanceOf(PolicyError);
    expect(e?.code).toBe("workspace_holds_deployment");
  });

  test("update: root CA re-issued for the same key → none; another root key → workspace_holds_deployment", async () => {
    const { pathOf } = workspace({
      "coordinator-root-ca.pem": await rootPem(rootKey, new Date("2026-01-01")),
    });
    expect(deploymentConflict(pathOf, { firstSet: false, rootCA: await rootPem(rootKey) })).toBeUndefined();
    const other = await rootPem(await generateEcKeyPair("P-384"));
    expect(deploymentConflict(pathOf, { firstSet: false, rootCA: other })?.code).toBe(
      "workspace_holds_deployment",
    );
  });
});

describe("archiveDeploymentFiles", () => {
  test("files → moved into previous-deployment-<content id>/; the same content again → the same name, no copy", () => {
    const files = { "seed-shares.json": "{}", "mesh-ca.pem": "mesh" };
    const { ws, pathOf } = workspace(files);
    const dir = archiveDeploymentFiles(pathOf)!;
    expect(dir).toMatch(/previous-deployment-[0-9a-f]{16}$/);
    expect(readdirSync(dir).sort()).toEqual(["mesh-ca.pem", "seed-shares.json"]);
    expect(existsSync(join(ws, "seed-shares.json"))).toBe(false);
    for (const [f, t] of Object.entries(files)) writeFileSync(join(ws, f), t);
    expect(archiveDeploymentFiles(pathOf)).toBe(dir);
    expect(readFileSync(join(dir, "seed-shares.json"), "utf8")).toBe("{}");
    writeFileSync(join(ws, "seed-shares.json"), "{ }");
    expect(archiveDeploymentFiles(pathOf)).not.toBe(dir);
  });
});
