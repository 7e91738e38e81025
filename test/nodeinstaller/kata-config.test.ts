import { describe, expect, test } from "bun:test";
import { parse } from "smol-toml";
import { ParseError, VerificationError } from "../../src/common/errors.ts";
import { computeSri, formatSri } from "../../src/common/sri.ts";
import { renderKataConfig } from "../../src/nodeinstaller/kata-config.ts";
import { KATA_TEMPLATES } from "../../src/nodeinstaller/kata-templates.ts";
import { runtimeHandlerForLock } from "../../src/platform/handler.ts";
import { listPlatforms } from "../../src/platform/platforms.ts";
import { expectError } from "../support/expect-error.ts";
import { type Doc, goldenText, withFixture } from "./fixtures.ts";

describe("renderKataConfig", () => {
  let ran = 0;
  for (const platform of listPlatforms()) {
    test(`${platform.name} → golden TOML, paths under the install dir, debug off, cc_init_data enabled`, () => {
      withFixture(platform.name, (fx) => {
        const installDir = `/opt/edgeless/${runtimeHandlerForLock(fx.lock)}`;
        const text = renderKataConfig(fx.lock, { installDir });
        expect(text).toBe(goldenText(`kata-${platform.id}.toml`, text));
        const doc = parse(text) as Doc;
        const hyp = doc.hypervisor[platform.hypervisor];
        const hypervisor = fx.lock.files.find((f) => f.role === "hypervisor")!;
        expect(hyp.path).toBe(`${installDir}/${hypervisor.installPath}`);
        expect(hyp.valid_hypervisor_paths).toEqual([hyp.path]);
        expect(hyp.default_memory).toBe(512);
        expect(hyp.enable_annotations).toEqual(["cc_init_data"]);
        expect(hyp.confidential_guest).toBe(true);
        expect([
          hyp.enable_debug,
          doc.agent.kata.enable_debug,
          doc.agent.kata.debug_console_enabled,
          doc.runtime.enable_debug,
        ]).toEqual([false, false, false, false]);
        if (platform.tee === "snp") {
          expect(hyp.sev_snp_guest).toBe(true);
          expect(hyp.snp_guest_policy).toBe(0x30000);
        } else expect(hyp.sev_snp_guest).toBeUndefined();
        for (const v of Object.values(hyp)) expect(String(v)).not.toContain("@");
        ran++;
      });
    });
  }
  test("all platforms rendered", () => expect(ran).toBe(3));

  test("kernelParams → replaces kernel_params entirely", () => {
    withFixture("Metal-QEMU-TDX", (fx) => {
      const doc = parse(
        renderKataConfig(fx.lock, { installDir: "/x", kernelParams: "console=ttyS0" }),
      ) as Doc;
      expect(doc.hypervisor.qemu.kernel_params).toBe("console=ttyS0");
    });
  });

  test("template bytes differ from the lock's integrity → VerificationError integrity_mismatch", () => {
    withFixture("Metal-QEMU-SNP", (fx) => {
      const key = fx.lock.kataConfig.template;
      const templates = { ...KATA_TEMPLATES, [key]: `${KATA_TEMPLATES[key]}\nenable_debug = true\n` };
      expectError(
        () => renderKataConfig(fx.lock, { installDir: "/x", templates }),
        VerificationError,
        "integrity_mismatch",
      );
    });
  });

  test("template with a placeholder no artifact fills → ParseError kata_template_placeholder", () => {
    withFixture("Metal-QEMU-SNP", (fx) => {
      const key = fx.lock.kataConfig.template;
      const text = KATA_TEMPLATES[key]!.replace('machine_type = "q35"', 'machine_type = "@machine@"');
      const lock = { ...fx.lock, kataConfig: { template: key, integrity: formatSri(computeSri(text)) } };
      expectError(
        () => renderKataConfig(lock, { installDir: "/x", templates: { [key]: text } }),
        ParseError,
        "kata_template_placeholder",
      );
    });
  });
});
