// The demo's two apps: their image (Debian's busybox, for `httpd`, `wget` and `sh`, on an empty base, built with umoci
// like the product's images in images/build.sh) and their Kubernetes YAML, plain HTTP with mesh annotations.

import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { run } from "./host.ts";

export const APP_IMAGE_NAME = "demo/app";
export const APP_IMAGE_TAG = "1.0";
export const APP_PORT = 8080;
/** Where the client app finds the server: its sidecar's egress listener. */
export const MESH_EGRESS = "127.137.0.1:8080";
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

/**
 * The server serves a page on :8080; its sidecar serves that port with mTLS (ingress: every port the app binds, client
 * certificates required). The client asks 127.137.0.1:8080 every 2 s, where its sidecar's egress listener carries
 * the request over mTLS to `server`, whose certificate must name it.
 */
export function appYaml(registry: string): string {
  const image = `${registry}/${APP_IMAGE_NAME}:${APP_IMAGE_TAG}`;
  return `# The demo's two apps, plain HTTP. The mesh sidecar of the server serves its port 8080 with mTLS (ingress: every
# port, client certificates required); the client asks 127.137.0.1:8080, where its sidecar's egress listener carries
# the request over mTLS to "server", whose certificate must name it.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: server
spec:
  replicas: 1
  selector:
    matchLabels: { app: server }
  template:
    metadata:
      labels: { app: server }
      annotations:
        contrast.edgeless.systems/servicemesh-ingress: ""
    spec:
      runtimeClassName: contrast-cc
      containers:
        - name: server
          image: ${image}
          command: ["/bin/sh", "-c"]
          args:
            - 'mkdir -p /tmp/www && echo "hello from $(hostname), through the mesh" > /tmp/www/index.html && exec httpd -f -v -p ${APP_PORT} -h /tmp/www'
          ports: [{ containerPort: ${APP_PORT} }]
---
apiVersion: v1
kind: Service
metadata:
  name: server
spec:
  selector: { app: server }
  ports: [{ port: ${APP_PORT} }]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: client
spec:
  replicas: 1
  selector:
    matchLabels: { app: client }
  template:
    metadata:
      labels: { app: client }
      annotations:
        contrast.edgeless.systems/servicemesh-egress: "server#${MESH_EGRESS}#server:${APP_PORT}"
    spec:
      runtimeClassName: contrast-cc
      containers:
        - name: client
          image: ${image}
          command: ["/bin/sh", "-c"]
          args:
            - 'i=0; while true; do i=$((i+1)); echo "request $i: $(timeout 5 wget -q -O - http://${MESH_EGRESS}/ 2>&1)"; sleep 2; done'
`;
}
