// `certpin pins import`: reading pins from Check Point SDK fingerprints
// files, certpin store files or any fingerprint text into the pin store.

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { readSdkPinFile, type SdkPinProblem } from "../checkpoint_files.ts";
import {
  formatHostPort,
  InvalidFingerprintError,
  SdkPinFileError,
} from "../errors.ts";
import type { Fingerprint } from "../fingerprint.ts";
import { parseFingerprints } from "../parse.ts";
import type { PinRecord, PinStoreEntry } from "../store.ts";
import { parsePinStore } from "../store_text.ts";
import { parseTarget } from "../target.ts";
import { type CliIo, EXIT, parseCommandArgs, UsageError } from "./_common.ts";
import { openStore, STORE_OPTION } from "./_store_options.ts";

/** One target read from an import file, before it is stored. */
interface ImportItem {
  host: string;
  port: number;
  pins: ImportPin[];
  note?: string;
}

/** A pin to import, with the Go SDK chain that follows it, when read. */
interface ImportPin {
  pin: Fingerprint;
  chain?: Fingerprint[];
}

/** Runs `certpin pins import FILE [--host HOST] [--replace]`. */
export async function runImport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("pins", args, {
    ...STORE_OPTION,
    host: { type: "string" },
    replace: { type: "boolean" },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      `Expected one file to import, but got ${positionals.length}. Run "certpin pins --help" for usage.`,
    );
  }
  const file = positionals[0] ?? "";
  const text = readInput(file);
  const { items, problems } = values.host === undefined
    ? readPinFile(text, file)
    : { items: [forHost(values.host, text, file)], problems: [] };

  const store = openStore(values.store, io);
  const addedBy = `certpin pins import ${basename(file)}`;
  const outcomes = await store.update((entries) =>
    items.map((item) =>
      importItem(entries, item, addedBy, values.replace === true)
    )
  );

  const names = items.map((item) => formatHostPort(item.host, item.port));
  const width = Math.max(0, ...names.map((name) => name.length));
  const lines: string[] = [];
  for (const [index, item] of items.entries()) {
    const outcome = outcomes[index] ?? "skipped";
    const pins = item.pins.map(({ pin }) => pin.text).join(", ");
    const reason = outcome === "skipped" ? "  (a different pin is stored)" : "";
    lines.push(
      `${outcome.padEnd(8)} ${
        (names[index] ?? "").padEnd(width)
      }  ${pins}${reason}`,
    );
    if (item.note !== undefined) lines.push(`${" ".repeat(9)}${item.note}`);
  }
  for (const problem of problems) {
    lines.push(
      `skipped  ${
        JSON.stringify(problem.key)
      } (line ${problem.line}): ${problem.message}`,
    );
  }
  const imported = outcomes.filter((outcome) => outcome !== "skipped").length;
  lines.push(
    `Imported ${imported} of ${
      items.length + problems.length
    } entries into ${store.path}.`,
  );
  io.stdout(lines.join("\n") + "\n");

  const conflicts = outcomes.includes("skipped");
  if (conflicts) {
    io.stderr(
      "certpin: A different pin is stored for the targets skipped above, so they were not imported. Add --replace to replace their pins.\n",
    );
  }
  if (problems.length > 0) {
    io.stderr(
      `certpin: The entries skipped above could not be read. Correct them in ${file} on the lines shown and import it again.\n`,
    );
    return EXIT.usage;
  }
  return conflicts ? EXIT.mismatch : EXIT.ok;
}

function readInput(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(
      `Cannot read ${file}: ${
        (error as { code?: string }).code === "ENOENT"
          ? "no such file"
          : error instanceof Error
          ? error.message
          : String(error)
      }.`,
    );
  }
}

/**
 * Reads a JSON pin file: a certpin store file (it has "version" and
 * "targets") or a Check Point SDK fingerprints file.
 */
function readPinFile(
  text: string,
  file: string,
): { items: ImportItem[]; problems: SdkPinProblem[] } {
  if (!text.trimStart().replace(/^\uFEFF/, "").startsWith("{")) {
    throw new UsageError(
      `${file} is not a JSON fingerprints file. To import fingerprints in another form (OpenSSL or "api fingerprint" output, one per line), name their server with --host HOST.`,
    );
  }
  if (isStoreFile(text)) {
    const entries = parsePinStore(text, file);
    return {
      items: entries.map((entry) => ({
        host: entry.host,
        port: entry.port,
        pins: entry.pins.map(({ pin, chain }) =>
          chain === undefined ? { pin } : { pin, chain }
        ),
      })),
      problems: [],
    };
  }
  const sdkFile = readOrName(file, () => readSdkPinFile(text));
  return {
    items: sdkFile.entries.map((entry) => ({
      host: entry.host,
      port: entry.port,
      pins: [
        entry.chain === undefined
          ? { pin: entry.pin }
          : { pin: entry.pin, chain: entry.chain },
      ],
      ...(entry.note === undefined ? {} : { note: entry.note }),
    })),
    problems: sdkFile.problems,
  };
}

function isStoreFile(text: string): boolean {
  try {
    const value = JSON.parse(text.replace(/^\uFEFF/, "")) as unknown;
    return typeof value === "object" && value !== null && "version" in value &&
      "targets" in value;
  } catch {
    // Not JSON at all: readSdkPinFile reports that.
    return false;
  }
}

function forHost(hostText: string, text: string, file: string): ImportItem {
  const { host, port } = parseTarget(hostText);
  const pins = readOrName(file, () => parseFingerprints(text));
  return { host, port, pins: pins.map((pin) => ({ pin })) };
}

/**
 * Runs a reader of the file's text, and names the file in the message of
 * an error about its content. The reader's message names the line.
 */
function readOrName<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (
      error instanceof SdkPinFileError ||
      error instanceof InvalidFingerprintError
    ) {
      throw new UsageError(`Cannot import ${file}: ${error.message}`);
    }
    throw error;
  }
}

function importItem(
  entries: Map<string, PinStoreEntry>,
  item: ImportItem,
  addedBy: string,
  replace: boolean,
): "added" | "present" | "replaced" | "skipped" {
  const key = formatHostPort(item.host, item.port);
  const records: PinRecord[] = item.pins.map(({ pin, chain }) => ({
    pin,
    added: new Date(),
    addedBy,
    ...(chain === undefined ? {} : { chain }),
  }));
  const existing = entries.get(key);
  if (existing === undefined) {
    entries.set(key, { host: item.host, port: item.port, pins: records });
    return "added";
  }
  const isStored = ({ pin }: ImportPin) =>
    existing.pins.some((record) => record.pin.equals(pin));
  const allStored = item.pins.every(isStored);
  if (!replace) return allStored ? "present" : "skipped";

  // --replace leaves exactly the file's pins, so a pin stored beside them
  // is removed even when all of them were stored already.
  const isImported = (record: PinRecord) =>
    item.pins.some(({ pin }) => pin.equals(record.pin));
  if (allStored && existing.pins.every(isImported)) return "present";
  existing.pins = records;
  return "replaced";
}
