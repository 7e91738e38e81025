import { describe, expect, test } from "bun:test";
import { ParseError } from "../../src/common/errors.ts";
import { namesMatchHost, parseIpAddress, readCertificateNames } from "../../src/crypto/peer-name.ts";
import { decodePemBlocks } from "../../src/crypto/pem.ts";
import { createMeshCa, issueWorkload } from "../support/mesh-credentials.ts";

const ca = await createMeshCa();
const leafDer = async (sans: string[]) => decodePemBlocks((await issueWorkload(ca, sans)).cert)[0]!.der;

describe("readCertificateNames", () => {
  test("manifest-style SANs → dns lower-cased, ip as bytes, bare * kept", async () => {
    const names = readCertificateNames(await leafDer(["Web", "*", "10.0.0.7", "::1", "*.ns.svc"]));
    expect(names.dns).toEqual(["web", "*", "*.ns.svc"]);
    expect(names.ips.map((b) => [...b])).toEqual([
      [10, 0, 0, 7],
      [...new Array(15).fill(0), 1],
    ]);
  });

  test("garbage → ParseError peer_cert_invalid", () => {
    expect(() => readCertificateNames(new Uint8Array([0x30, 0x03, 1, 2, 3]))).toThrow(ParseError);
  });
});

describe("parseIpAddress", () => {
  test("::1, 0::1 and the full form → the same 16 bytes", () => {
    const want = [...parseIpAddress("::1")!];
    expect([...parseIpAddress("0::1")!]).toEqual(want);
    expect([...parseIpAddress("0:0:0:0:0:0:0:1")!]).toEqual(want);
    expect([...parseIpAddress("[::1]")!]).toEqual(want);
  });

  test("v4-mapped → low bytes from the dotted part", () => {
    expect([...parseIpAddress("::ffff:10.0.0.1")!].slice(10)).toEqual([0xff, 0xff, 10, 0, 0, 1]);
  });

  test("names, zones and octal-looking text → not an address", () => {
    for (const s of ["server", "fe80::1%eth0", "010.0.0.1", "10.1"])
      expect(parseIpAddress(s)).toBeUndefined();
  });
});

describe("namesMatchHost", () => {
  const names = { dns: ["server", "*", "*.ns.svc", "api.example.com"], ips: [new Uint8Array([10, 0, 0, 7])] };
  const rows: [string, boolean][] = [
    ["server", true],
    ["SERVER.", true],
    ["a.ns.svc", true],
    ["api.example.com", true],
    ["10.0.0.7", true],
    ["anything", false], // the bare * of default manifests names no host
    ["a.b.ns.svc", false], // a wildcard covers one label only
    ["ns.svc", false],
    ["server.ns.svc", true],
    ["server.other.svc", false],
    ["10.0.0.8", false],
    ["::ffff:10.0.0.7", false], // an IPv6 host needs an IPv6 entry
    ["*.ns.svc", false], // a dialed name is never a pattern
    ["", false],
  ];
  for (const [host, want] of rows) {
    test(`${JSON.stringify(host)} → ${want ? "match" : "no match"}`, () => {
      expect(namesMatchHost(names, host)).toBe(want);
    });
  }

  test("ip host written another way → same entry", () => {
    const v6 = { dns: [], ips: [parseIpAddress("fd00::7")!] };
    expect(namesMatchHost(v6, "fd00:0:0::7")).toBe(true);
    expect(namesMatchHost(v6, "fd00::8")).toBe(false);
  });

  test("a dns entry spelling an ip → does not match the ip host", () => {
    expect(namesMatchHost({ dns: ["10.0.0.7"], ips: [] }, "10.0.0.7")).toBe(false);
  });
});
