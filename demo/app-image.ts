// The demo's app image: Debian's busybox (its `httpd`, `wget`, `sh`) on an empty base, built with umoci like the
// product's images (images/build.sh), so the two app pods need nothing from a registry.

import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { run } from "./host.ts";

export const APP_IMAGE_NAME = "demo/app";
export const APP_IMAGE_TAG = "1.0";
// busybox 1.35's `wget -T` crashes (SIGSEGV), so the client bounds a request with `timeout` instead.
const APPLETS = ["sh", "httpd", "wget", "timeout", "sleep", "mkdir", "echo", "hostname", "cat", "nc"];

/** Builds the layout at `layout` from the host's busybox (plus the libraries it links, if it is not static). */
export async function buildAppImage(layout: string, busybox: string, scratch: string): Promise<void> {
  const ref = `${layout}:${APP_IMAGE_TAG}`;
  await run(["umoci", "init", "--layout", layout]);
  await run(["umoci", "new", "--image", ref]);
  await run([
    "umoci",
    "config",
    "--image",
    ref,
    "--os",
    "linux",
    "--architecture",
    "amd64",
    "--config.env",
    "PATH=/bin",
    "--config.cmd",
    "/bin/sh",
  ]);
  await run(["umoci", "unpack", "--image", ref, scratch]);
  const rootfs = join(scratch, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  mkdirSync(join(rootfs, "tmp"), { recursive: true });
  chmodSync(join(rootfs, "tmp"), 0o1777);
  copyFileSync(busybox, join(rootfs, "bin/busybox"));
  chmodSync(join(rootfs, "bin/busybox"), 0o755);
  for (const applet of APPLETS) symlinkSync("busybox", join(rootfs, "bin", applet));
  // A dynamically linked busybox (Debian's `busybox` rather than `busybox-static`) brings its libraries along.
  const ldd = await Bun.spawn(["ldd", busybox], { stdout: "pipe", stderr: "ignore" });
  for (const lib of (await new Response(ldd.stdout).text()).matchAll(/(\/\S+\.so[^\s]*)/g)) {
    const path = lib[1]!;
    mkdirSync(join(rootfs, dirname(path)), { recursive: true });
    copyFileSync(path, join(rootfs, path));
  }
  await run(["umoci", "repack", "--image", ref, scratch]);
  await run(["umoci", "gc", "--layout", layout]);
}
