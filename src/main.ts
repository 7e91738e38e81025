// Entry point of the `contrast` binary: the command table, where every component registers its own subcommands.
//
// The table names each command and its description; the module that registers it (and everything that module
// imports: crypto, X.509, TLS, HTTP) is loaded only when that command runs or shows its help, so `contrast --version`
// and `contrast --help` start with cac and the command plumbing only (issue 13, target 3). Modules are loaded with
// `require`, which is synchronous: `bun build --compile --splitting` (Makefile) puts each in a chunk of its own that
// is read only when required. test/main.test.ts checks every name and description here against its module.

import type { CAC } from "cac";

// Even cac and the command plumbing are loaded only past `--version`, which prints and exits.
const cacModule = () => require("cac") as typeof import("cac");
const commandModule = () => require("./command/command.ts") as typeof import("./command/command.ts");

interface CommandEntry {
  /** Usage as the module registers it (cac's rawName); its first word is the command's name. */
  readonly usage: string;
  readonly description: string;
  /** Loads the module and returns its register function. */
  readonly load: () => (cli: CAC) => void;
}

/** Every subcommand, in the order `contrast --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    usage: "generate [...paths]",
    description: "patch Kubernetes YAML for confidential pods and write their policies and manifest.json",
    load: () =>
      (require("./cli/generate-command.ts") as typeof import("./cli/generate-command.ts")).registerGenerate,
  },
  {
    usage: "set [...paths]",
    description: "attest the Coordinator, then install or update the manifest",
    load: () => (require("./cli/set.ts") as typeof import("./cli/set.ts")).registerSet,
  },
  {
    usage: "verify",
    description: "attest the Coordinator and audit its manifest history against the local manifest",
    load: () => (require("./cli/verify.ts") as typeof import("./cli/verify.ts")).registerVerify,
  },
  {
    usage: "recover",
    description: "attest a restarted Coordinator and unlock it with your seed share",
    load: () => (require("./cli/recover.ts") as typeof import("./cli/recover.ts")).registerRecover,
  },
  {
    usage: "seed-shares",
    description: "fetch the seed shares of the first set again from the attested Coordinator",
    load: () => (require("./cli/seed-shares.ts") as typeof import("./cli/seed-shares.ts")).registerSeedShares,
  },
  {
    usage: "keys <command>",
    description: "create workload-owner (ECDSA P-384) and seed-share-owner (RSA-4096) keys",
    load: () => (require("./cli/keys.ts") as typeof import("./cli/keys.ts")).registerKeys,
  },
  {
    usage: "runtime",
    description:
      "print the runtime class name (runtime handler) of each platform, and of pods on the simulated TEE (sim)",
    load: () => (require("./cli/runtime.ts") as typeof import("./cli/runtime.ts")).registerRuntime,
  },
  {
    usage: "resources <command>",
    description: "print Kubernetes resources: the Coordinator, or a runtime (RuntimeClass + node installer)",
    load: () => (require("./cli/resources.ts") as typeof import("./cli/resources.ts")).registerResources,
  },
  {
    usage: "policy <command>",
    description: "evaluate generated runtime policies against agent requests",
    load: () => (require("./cli/policy.ts") as typeof import("./cli/policy.ts")).registerPolicy,
  },
  {
    usage: "attestation <command>",
    description: "verify an SEV-SNP report or a TDX quote against vendor roots and CRLs",
    load: () =>
      (require("./cli/attestation.ts") as typeof import("./cli/attestation.ts")).registerAttestation,
  },
  {
    usage: "coordinator",
    description: "run the Coordinator (attestation service, CA, manifest history)",
    load: () =>
      (require("./coordinator/command.ts") as typeof import("./coordinator/command.ts")).registerCoordinator,
  },
  {
    usage: "initializer",
    description: "attest this pod to the Coordinator and write its mesh certificate and secrets",
    load: () =>
      (require("./initializer/command.ts") as typeof import("./initializer/command.ts")).registerInitializer,
  },
  {
    usage: "service-mesh [action]",
    description:
      "run the service mesh sidecar (env CONTRAST_INGRESS_PROXY_CONFIG, CONTRAST_EGRESS_PROXY_CONFIG); action check-ready exits 0 once it is ready",
    load: () =>
      (require("./servicemesh/command.ts") as typeof import("./servicemesh/command.ts")).registerServiceMesh,
  },
  {
    usage: "node-installer [platform]",
    description: "install the confidential runtime on this node and register it with containerd",
    load: () =>
      (require("./nodeinstaller/command.ts") as typeof import("./nodeinstaller/command.ts"))
        .registerNodeInstaller,
  },
  {
    usage: "sim <command>",
    description: "simulated SEV-SNP TEE for local development (never for production)",
    load: () => (require("./cli/sim.ts") as typeof import("./cli/sim.ts")).registerSim,
  },
  {
    usage: "measure <command>",
    description: "compute SEV-SNP launch digests and TDX MRTDs from firmware files",
    load: () => (require("./cli/measure.ts") as typeof import("./cli/measure.ts")).registerMeasure,
  },
];

const nameOf = (e: CommandEntry) => e.usage.split(" ")[0] as string;

/**
 * Before any command module: @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first, and
 * with lazily loaded modules only an explicit load here guarantees that order.
 */
function loadRuntime(): void {
  require("reflect-metadata");
}

/** The root command's options: cac's for parsing, and the lines of `rootHelpText`. */
const GLOBAL_OPTIONS: readonly (readonly [string, string])[] = [
  ["--log-level <level>", "debug|info|warn|error (env CONTRAST_LOG_LEVEL)"],
  ["-v, --version", "print version and build info"],
];

function rootCli(): CAC {
  const cli = cacModule().cac("contrast");
  for (const [flags, description] of GLOBAL_OPTIONS) cli.option(flags, description);
  commandModule().configureHelp(cli, { root: true });
  return cli;
}

/**
 * `contrast --help` as cac prints it for the whole table (test/main.test.ts compares the two), written from the
 * table alone: neither cac nor the command plumbing needs loading to print it.
 */
export function rootHelpText(): string {
  const { EXIT_CODE_HELP } = require("./command/exit-codes.ts") as typeof import("./command/exit-codes.ts");
  const column = (rows: readonly (readonly [string, string])[], end: string) => {
    const width = Math.max(...rows.map(([name]) => name.length));
    return rows.map(([name, text]) => `  ${name.padEnd(width)}  ${text}${end}`).join("\n");
  };
  return [
    "contrast",
    "Usage:\n  $ contrast <command> [options]",
    `Commands:\n${column(
      COMMANDS.map((e) => [e.usage, e.description]),
      "",
    )}`,
    `For more info, run any command with the \`--help\` flag:\n${COMMANDS.map((e) => `  $ contrast ${nameOf(e)} --help`).join("\n")}`,
    // cac ends each option line with a space (where it would print a default)
    `Options:\n${column([...GLOBAL_OPTIONS, ["-h, --help", "Display this message"]], " ")}`,
    EXIT_CODE_HELP,
  ].join("\n\n");
}

/** The whole `contrast` command line: every subcommand (every module loaded), root help with the exit codes. */
export function createContrastCli(): CAC {
  loadRuntime();
  const cli = rootCli();
  for (const entry of COMMANDS) entry.load()(cli);
  return cli;
}

/**
 * The command line `args` need: the module of the first command named in them only; with no command named, every
 * command as its usage and description (enough for `contrast --help` and to refuse an unknown command).
 */
export function createCliFor(args: readonly string[]): CAC {
  const name = args.find((a) => COMMANDS.some((e) => nameOf(e) === a));
  const entry = COMMANDS.find((e) => nameOf(e) === name);
  const cli = rootCli();
  if (entry === undefined) {
    for (const e of COMMANDS) cli.command(e.usage, e.description);
    return cli;
  }
  loadRuntime();
  entry.load()(cli);
  return cli;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args.length === 0 || (args.length === 1 && (args[0] === "--help" || args[0] === "-h"))) {
    console.log(rootHelpText());
  } else if (args[0] === "--version" || args[0] === "-v") {
    // console.log, not process.stdout.write: the Node stream costs a start-up of its own (~10 ms).
    console.log((require("./cli/version.ts") as typeof import("./cli/version.ts")).versionText());
  } else {
    await commandModule().parseAndRun(createCliFor(args), args);
  }
}
