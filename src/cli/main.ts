/**
 * The `certpin` command line: reads the subcommand, prints help and version,
 * and runs the command.
 *
 * @module
 */

import {
  type CliIo,
  type Command,
  EXIT,
  processIo,
  runWithErrors,
  UsageError,
} from "./_common.ts";
import { VERSION } from "../version.ts";
import { checkCommand } from "./check.ts";
import { checkpointCommand } from "./checkpoint.ts";
import { fetchCommand } from "./fetch.ts";
import { fingerprintCommand } from "./fingerprint.ts";
import { pinCommand } from "./pin.ts";
import { pinsCommand } from "./pins.ts";
import { verifyCommand } from "./verify.ts";

/** Every subcommand, in the order `certpin --help` lists them. */
const COMMANDS: readonly Command[] = [
  fingerprintCommand,
  verifyCommand,
  pinCommand,
  pinsCommand,
  checkCommand,
  fetchCommand,
  checkpointCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    "certpin: connect to TLS servers by pinned certificate fingerprint.",
    "",
    "Usage: certpin <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((command) =>
      `  ${command.name.padEnd(width)}  ${command.summary}`
    ),
    "",
    "Options:",
    "  -h, --help     Show this help, or a command's help after its name",
    "  -V, --version  Print the certpin version",
    "",
    "Exit codes: 0 ok, 1 pin mismatch, a certificate the --ca check rejects,",
    "or (check) a changed or expired certificate, 2 bad usage or invalid",
    "input, 3 network error or timeout.",
    "",
  ].join("\n");
}

/**
 * Runs the CLI with the given arguments (without the program name).
 *
 * @param args Command-line arguments, such as `["verify", "host:443", "AB:CD:…"]`.
 * @param io Output streams and environment; the process's own unless given.
 * @returns The exit code.
 */
export function main(args: string[], io: CliIo = processIo()): Promise<number> {
  return runWithErrors(io, async () => {
    const [name, ...rest] = args;
    if (name === undefined) {
      io.stderr(mainHelp());
      return EXIT.usage;
    }
    if (name === "-h" || name === "--help" || name === "help") {
      io.stdout(mainHelp());
      return EXIT.ok;
    }
    if (name === "-V" || name === "--version") {
      io.stdout(`certpin ${VERSION}\n`);
      return EXIT.ok;
    }
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (command === undefined) {
      throw new UsageError(
        `Unknown command "${name}". Run "certpin --help" for the list of commands.`,
      );
    }
    if (rest.includes("-h") || rest.includes("--help")) {
      io.stdout(command.help);
      return EXIT.ok;
    }
    return await command.run(rest, io);
  });
}
