import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/common/errors.ts";
import { createHandlerFor } from "../../src/kube/platform-handler.ts";
import { platformOfRuntimeClass } from "../../src/kube/runtime-class.ts";
import { parsePlatform, runtimeHandler, simRuntimeHandler } from "../../src/platform/index.ts";
import { expectError } from "../support/expect-error.ts";

const SNP = parsePlatform("Metal-QEMU-SNP");
const TDX = parsePlatform("Metal-QEMU-TDX");

describe("simRuntimeHandler", () => {
  test("→ contrast-cc-sim-<8 hex>, read back as the sim platform, never a hardware platform's name", () => {
    const name = simRuntimeHandler();
    expect(name).toMatch(/^contrast-cc-sim-[0-9a-f]{8}$/);
    expect(platformOfRuntimeClass(name)).toBe("sim");
    for (const p of ["CLH-SNP", "Metal-QEMU-SNP", "Metal-QEMU-TDX"]) expect(runtimeHandler(p)).not.toBe(name);
  });
});

describe("createHandlerFor", () => {
  test("sim chosen: contrast-cc and a sim class → the sim class; nothing named", () => {
    const h = createHandlerFor("sim");
    expect(h.handlerFor(undefined)).toBe(simRuntimeHandler());
    // generate reading its own output: the class it wrote stays the sim one (issue 11 §4)
    expect(h.handlerFor(platformOfRuntimeClass(simRuntimeHandler()))).toBe(simRuntimeHandler());
    expect(h.named()).toEqual([]);
    expect(h.namesSim()).toBe(true);
  });

  test("sim chosen, a class naming a hardware platform → that platform's handler, named (the user asked for it)", () => {
    const h = createHandlerFor("sim");
    expect(h.handlerFor("metal-qemu-tdx")).toBe(runtimeHandler(TDX));
    expect(h.named().map((p) => p.name)).toEqual(["Metal-QEMU-TDX"]);
  });

  test("hardware platform chosen, a sim class → moved to the chosen platform and counted", () => {
    const h = createHandlerFor(SNP);
    expect(h.handlerFor("sim")).toBe(runtimeHandler(SNP));
    expect(h.handlerFor(undefined)).toBe(runtimeHandler(SNP));
    expect(h.movedFromSim()).toBe(1);
    expect(h.namesSim()).toBe(false);
    expect(h.named()).toEqual([]);
  });

  test("nothing chosen: a sim class → kept as sim; contrast-cc → runtime_platform_missing", () => {
    const h = createHandlerFor(undefined);
    expect(h.handlerFor("sim")).toBe(simRuntimeHandler());
    expect(h.namesSim()).toBe(true);
    expectError(() => h.handlerFor(undefined), ConfigError, "runtime_platform_missing");
  });
});
