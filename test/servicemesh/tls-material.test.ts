import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ParseError, UnavailableError } from "../../src/common/errors.ts";
import { silentLogger } from "../../src/common/log.ts";
import { FILE_NAMES } from "../../src/initializer/write-files.ts";
import { loadTlsMaterial, TLS_FILE_NAMES, TlsStore } from "../../src/servicemesh/tls-material.ts";
import { expectError } from "../support/expect-error.ts";
import { createMeshCa, issueWorkload, writeTlsDir } from "../support/mesh-credentials.ts";

const ca = await createMeshCa();
const first = await issueWorkload(ca, ["web"]);
const second = await issueWorkload(ca, ["web"]);
const tmp = () => mkdtempSync(join(tmpdir(), "contrast-mesh-tls-"));

describe("TLS_FILE_NAMES", () => {
  test("→ the names the Initializer writes under tls-config/", () => {
    expect(`tls-config/${TLS_FILE_NAMES.meshCA}`).toBe(FILE_NAMES.meshCA);
    expect(`tls-config/${TLS_FILE_NAMES.certChain}`).toBe(FILE_NAMES.certChain);
    expect(`tls-config/${TLS_FILE_NAMES.key}`).toBe(FILE_NAMES.key);
  });
});

describe("loadTlsMaterial", () => {
  test("missing files → UnavailableError mesh_credentials_missing", () => {
    expect(() => loadTlsMaterial(tmp())).toThrow(UnavailableError);
  });

  test("key of another workload → ParseError mesh_credentials_invalid", () => {
    const dir = writeTlsDir(tmp(), { ...first, key: second.key });
    expectError(() => loadTlsMaterial(dir), ParseError, "mesh_credentials_invalid");
  });
});

describe("TlsStore.poll", () => {
  test("files replaced by a new complete set → reloaded, subscribers told", async () => {
    const dir = writeTlsDir(tmp(), first);
    const store = await TlsStore.wait(dir, 10, silentLogger);
    const seen: string[] = [];
    store.onChange((m) => seen.push(m.certDigest));
    expect(store.poll()).toBe(false);
    writeTlsDir(dir, second);
    expect(store.poll()).toBe(true);
    expect(store.current.cert).toBe(second.cert);
    expect(seen).toEqual([store.current.certDigest]);
  });

  test("new certificate beside the old key (mid-update) → old set kept until the key arrives", async () => {
    const dir = writeTlsDir(tmp(), first);
    const store = await TlsStore.wait(dir, 10, silentLogger);
    writeFileSync(join(dir, TLS_FILE_NAMES.certChain), second.cert);
    expect(store.poll()).toBe(false);
    expect(store.current.cert).toBe(first.cert);
    writeFileSync(join(dir, TLS_FILE_NAMES.key), second.key);
    expect(store.poll()).toBe(true);
    expect(store.current.key).toBe(second.key);
  });
});
