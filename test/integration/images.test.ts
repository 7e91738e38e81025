import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const REPO = join(import.meta.dir, "..", "..");
const tools = ["umoci", "skopeo", "make"].every((t) => Bun.which(t) !== null);

describe("make images", () => {
  if (!tools)
    console.warn("umoci/skopeo not installed: skipping `make images` (apt-get install umoci skopeo)");
  test.skipIf(!tools)(
    "OCI layouts built → entrypoints and layers as in images/Containerfile.*, node-installer rootfs runs",
    () => {
      const proc = Bun.spawnSync(["bash", join(REPO, "images", "check.sh")], { cwd: REPO, stderr: "pipe" });
      if (proc.exitCode !== 0) console.error(proc.stderr.toString());
      expect(proc.exitCode).toBe(0);
      const out = proc.stdout.toString();
      for (const name of ["coordinator", "initializer", "node-installer"]) {
        expect(out).toMatch(new RegExp(`^${name}\\tdist/images/${name}:[^@]+@sha256:[0-9a-f]{64}$`, "m"));
      }
      expect(out.trim().endsWith("images ok")).toBe(true);
    },
    120_000,
  );
});
