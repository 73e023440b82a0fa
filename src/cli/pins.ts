/**
 * `certpin pins`: list, remove, import and export the pins in the pin store.
 *
 * @module
 */

import { formatHostPort } from "../errors.ts";
import type { PinStoreEntry } from "../store.ts";
import { parseTarget } from "../target.ts";
import {
  type CliIo,
  type Command,
  EXIT,
  parseCommandArgs,
  UsageError,
} from "./_common.ts";
import {
  formatCount,
  formatDay,
  openStore,
  STORE_HELP,
  STORE_OPTION,
} from "./_store_options.ts";
import { EXPORT_FORMATS, runExport } from "./_pins_export.ts";
import { runImport } from "./_pins_import.ts";

const HELP = `Usage: certpin pins <list|remove|import|export> [options]

Manages the pin store that "certpin pin" writes and scripts read.

  certpin pins list [--json]
      Lists every stored target with its pins, when and how each was added,
      and the certificate's subject and expiry at that time.
  certpin pins remove <host:port>
      Removes a target and all its pins.
  certpin pins import FILE [--host HOST] [--replace]
      Imports a Check Point SDK fingerprints file ({"server": "FINGERPRINT"},
      also keyed "server:port"; from a Go SDK chain value the leaf's SHA-1
      is pinned and the rest of the chain kept for export) or a certpin
      store file. With --host, FILE may instead hold
      fingerprints in any form certpin reads (OpenSSL or "api fingerprint"
      output, hex, sha256/BASE64), all stored for HOST. Each entry is
      reported as added, present, replaced or skipped; a target that already
      has a different pin is skipped unless --replace is given, which leaves
      the target with exactly the file's pins.
      Exit codes: 0 all imported or present, 1 some skipped for a different
      pin, 2 some entries could not be read.
  certpin pins export [--format FORMAT] [--target HOST:PORT]... [-o FILE]
      Writes the pins to standard output or FILE. FORMAT is one of
      ${EXPORT_FORMATS.join(", ")};
      json (the store's own format) unless given; checkpoint means
      checkpoint-python. --target exports only the targets named (repeat it
      for several); every target unless given. Targets without the hash an
      SDK format needs are left out with a warning. The Python and Go SDK
      files key servers by host name alone (port 443 when read back), so
      targets on other ports are left out with a warning unless named with
      --target, which writes them under their host name.

Options:
${STORE_HELP.join("\n")}
  -h, --help         Show this help
`;

/** The `pins` command. */
export const pinsCommand: Command = {
  name: "pins",
  summary: "List, remove, import and export stored pins",
  help: HELP,
  run: runPins,
};

async function runPins(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case "list":
      return await runList(rest, io);
    case "remove":
      return await runRemove(rest, io);
    case "import":
      return await runImport(rest, io);
    case "export":
      return await runExport(rest, io);
    default:
      throw new UsageError(
        action === undefined
          ? 'Missing action: expected list, remove, import or export. Run "certpin pins --help" for usage.'
          : `Unknown action "${action}": expected list, remove, import or export. Run "certpin pins --help" for usage.`,
      );
  }
}

async function runList(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("pins", args, {
    ...STORE_OPTION,
    json: { type: "boolean" },
  });
  rejectPositionals("list", positionals);
  const store = openStore(values.store, io);
  const entries = await store.entries();

  if (values.json === true) {
    const targets = entries.map((entry) => ({
      target: formatHostPort(entry.host, entry.port),
      host: entry.host,
      port: entry.port,
      pins: entry.pins,
    }));
    io.stdout(JSON.stringify({ store: store.path, targets }, null, 2) + "\n");
    return EXIT.ok;
  }
  if (entries.length === 0) {
    io.stderr(
      `No pins in ${store.path}. Add one with "certpin pin HOST --expect FINGERPRINT".\n`,
    );
    return EXIT.ok;
  }
  io.stdout(formatList(entries));
  return EXIT.ok;
}

function formatList(entries: readonly PinStoreEntry[]): string {
  const rows: string[][] = [[
    "TARGET",
    "PIN",
    "ADDED",
    "BY",
    "SUBJECT",
    "EXPIRES",
  ]];
  for (const entry of entries) {
    for (const [index, record] of entry.pins.entries()) {
      rows.push([
        index === 0 ? formatHostPort(entry.host, entry.port) : "",
        record.pin.text,
        formatDay(record.added),
        record.addedBy,
        record.certificate?.subject ?? "-",
        record.certificate === undefined
          ? "-"
          : formatDay(record.certificate.validTo),
      ]);
    }
  }
  const widths =
    rows[0]?.map((_, column) =>
      Math.max(...rows.map((row) => row[column]?.length ?? 0))
    ) ?? [];
  return rows.map((row) =>
    row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ")
      .trimEnd()
  ).join("\n") + "\n";
}

async function runRemove(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("pins", args, STORE_OPTION);
  if (positionals.length !== 1) {
    throw new UsageError(
      `Expected one target to remove, such as "fw.example.com:443", but got ${positionals.length}. Run "certpin pins --help" for usage.`,
    );
  }
  const target = parseTarget(positionals[0] ?? "");
  const name = formatHostPort(target.host, target.port);
  const store = openStore(values.store, io);

  const removed = await store.remove(target.host, target.port);
  if (removed === undefined) {
    io.stderr(
      `certpin: No pins stored for ${name} in ${store.path}, so nothing was removed. "certpin pins list" shows the stored targets.\n`,
    );
    return EXIT.usage;
  }
  io.stdout(
    `Removed ${name} and its ${
      formatCount(removed.pins.length, "pin")
    } from ${store.path}.\n`,
  );
  return EXIT.ok;
}

function rejectPositionals(action: string, positionals: string[]): void {
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${
        positionals[0]
      }" for "certpin pins ${action}". Run "certpin pins --help" for usage.`,
    );
  }
}
