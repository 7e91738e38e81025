// What the container demo checks beyond exit codes: certificate chains, what an app saw, what a plain client gets.

import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";

/** The PEM certificates in `text`, in order. */
export function pemCertificates(text: string): X509Certificate[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(
    (m) => new X509Certificate(m[0]),
  );
}

/**
 * Checks that the chain (leaf first, then intermediates) is signed link by link up to `root` and is valid now.
 * Returns the leaf's subject and subjectAltName; throws naming the first link that does not hold.
 */
export function verifyChainToRoot(
  chainPem: string,
  rootPem: string,
  now = new Date(),
): { subject: string; san: string } {
  const chain = pemCertificates(chainPem);
  const [root] = pemCertificates(rootPem);
  if (chain.length === 0 || root === undefined) throw new Error("chain: expected certificates, got none");
  const all = [...chain, root];
  for (let i = 0; i < chain.length; i++) {
    const cert = all[i]!;
    const issuer = all[i + 1]!;
    if (!cert.verify(issuer.publicKey)) {
      throw new Error(
        `chain: ${cert.subject} expected a signature by ${issuer.subject}, got none that verifies`,
      );
    }
    if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) {
      throw new Error(
        `chain: ${cert.subject} expected valid at ${now.toISOString()}, got ${cert.validFrom} – ${cert.validTo}`,
      );
    }
  }
  return { subject: chain[0]!.subject.replace(/\n/g, ", "), san: chain[0]!.subjectAltName ?? "" };
}

/** Lines of a log file (empty when it does not exist yet). */
export function logLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n") : [];
}

/** Waits until `cond` holds, polling; false when `ms` passed first. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await Bun.sleep(200);
  }
  return cond();
}

/** Sends `request` over plain TCP and returns whatever comes back within `ms` ("" when refused or reset). */
export function plainExchange(host: string, port: number, request: string, ms = 3_000): Promise<string> {
  return new Promise((resolve) => {
    let reply = "";
    const socket = connect({ host, port });
    const done = () => {
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(done, ms);
    socket.on("connect", () => socket.write(request));
    socket.on("data", (d) => {
      reply += d.toString("latin1");
    });
    socket.on("error", () => {
      clearTimeout(timer);
      done();
    });
    socket.on("close", () => {
      clearTimeout(timer);
      done();
    });
  });
}
