import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseProcNetTcp, summarizeListening } from "../../src/servicemesh/listen-ports.ts";
import { testdata } from "../support/testdata.ts";

const tcp = readFileSync(testdata("servicemesh", "proc-net-tcp.txt"), "utf8");
const tcp6 = readFileSync(testdata("servicemesh", "proc-net-tcp6.txt"), "utf8");

describe("parseProcNetTcp", () => {
  test("captured namespace → listening sockets only, classified by bind address", () => {
    expect(parseProcNetTcp(tcp)).toEqual([
      { port: 7000, bind: "loopback" },
      { port: 8080, bind: "any-v4" },
      { port: 7001, bind: "specific" },
    ]);
    expect(parseProcNetTcp(tcp6)).toEqual([{ port: 9000, bind: "any-v6" }]);
  });

  test("v4-mapped any and ::1 → any-v4 and loopback", () => {
    const head = "  sl  local_address remote_address st\n";
    const mapped = `${head}   0: 0000000000000000FFFF000000000000:0050 00000000000000000000000000000000:0000 0A 0\n`;
    const lo6 = `${head}   0: 00000000000000000000000001000000:0051 00000000000000000000000000000000:0000 0A 0\n`;
    expect(parseProcNetTcp(mapped)).toEqual([{ port: 80, bind: "any-v4" }]);
    expect(parseProcNetTcp(lo6)).toEqual([{ port: 81, bind: "loopback" }]);
  });

  test("malformed lines → skipped", () => {
    expect(parseProcNetTcp("header\n garbage\n 0: XYZ:0050 0 0A\n")).toEqual([]);
  });
});

describe("summarizeListening", () => {
  test("captured namespace → wildcard ports with the loopback that reaches them", () => {
    const s = summarizeListening([...parseProcNetTcp(tcp), ...parseProcNetTcp(tcp6)]);
    expect([...s.wildcard]).toEqual([
      [8080, "127.0.0.1"],
      [9000, "::1"],
    ]);
    expect(s.specific).toEqual([7001]);
  });

  test("same port on 0.0.0.0 and :: → reached over 127.0.0.1", () => {
    const s = summarizeListening([
      { port: 80, bind: "any-v6" },
      { port: 80, bind: "any-v4" },
    ]);
    expect(s.wildcard.get(80)).toBe("127.0.0.1");
  });
});
