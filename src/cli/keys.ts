// `contrast keys new workload-owner|seedshare-owner [-o FILE]`: create the owner keys the manifest refers to.

import { existsSync } from "node:fs";
import type { CAC } from "cac";
import { registerGroup, runJsonAction } from "../command/command.ts";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { toHex } from "../common/bytes.ts";
import { ConfigError, UsageError } from "../common/errors.ts";
import { exportEcPrivateKeySec1Pem, exportPublicKeySpki, generateEcKeyPair } from "../crypto/keys.ts";
import { exportRsaPrivateKeyPem, exportRsaPublicKeyPkcs1, generateRsaKeyPair } from "../crypto/rsa-keys.ts";

export function registerKeys(cli: CAC): void {
  registerGroup(
    cli,
    "keys",
    "create workload-owner (ECDSA P-384) and seed-share-owner (RSA-4096) keys",
    (sub) => {
      sub
        .command("new <kind>", "kind: workload-owner | seedshare-owner; writes a PEM private key (mode 0600)")
        .example("  contrast keys new workload-owner")
        .example("  contrast keys new seedshare-owner -o owners/seedshare-owner.pem --json")
        .option("-o, --output <file>", "output file (default workload-owner.pem / seedshare-owner.pem)")
        .option("--force", "overwrite an existing file")
        .option("--json", "print one JSON object to stdout, also on failure")
        .action((kind: string, flags: { output?: string; force?: boolean; json?: boolean }) =>
          runJsonAction(flags.json, async (out) => {
            if (kind !== "workload-owner" && kind !== "seedshare-owner") {
              throw new UsageError(
                "invalid_argument",
                `kind: expected workload-owner or seedshare-owner, got ${JSON.stringify(kind)}`,
              );
            }
            const file = flags.output ?? `${kind}.pem`;
            if (existsSync(file) && !flags.force) {
              throw new ConfigError("file_exists", `${file}: already exists (use --force to replace it)`);
            }
            let pem: string;
            let pub: string;
            if (kind === "workload-owner") {
              const kp = await generateEcKeyPair("P-384");
              pem = await exportEcPrivateKeySec1Pem(kp);
              pub = toHex(await exportPublicKeySpki(kp.publicKey));
            } else {
              const kp = await generateRsaKeyPair(4096);
              pem = await exportRsaPrivateKeyPem(kp);
              pub = toHex(await exportRsaPublicKeyPkcs1(kp.publicKey));
            }
            writeFileAtomic(file, pem, { mode: 0o600, mkdirs: true });
            process.stderr.write(`wrote ${file}\n`);
            // The manifest entry (WorkloadOwnerPubKeys / SeedshareOwnerPubKeys) for this key:
            out.set("kind", kind);
            out.set("file", file);
            out.set("publicKey", pub);
            out.print(`${pub}\n`);
            return 0;
          }),
        );
    },
  );
}
