// `certpin pins export`: writing the pin store as its own JSON or as a
// Check Point SDK fingerprints file.

import {
  type SdkPinFileFormat,
  type SdkPinWriteEntry,
  writeSdkPinFile,
} from "../checkpoint_files.ts";
import { CertpinError, formatHostPort } from "../errors.ts";
import type { PinRecord, PinStoreEntry } from "../store.ts";
import { formatPinStore } from "../store_text.ts";
import { writeFileAtomic } from "../atomic_write.ts";
import { type CliIo, EXIT, parseCommandArgs, UsageError } from "./_common.ts";
import { openStore, STORE_OPTION } from "./_store_options.ts";

/** The values `certpin pins export --format` accepts. */
export const EXPORT_FORMATS = [
  "json",
  "checkpoint",
  "checkpoint-python",
  "checkpoint-java",
  "checkpoint-go",
] as const;

/** Runs `certpin pins export [--format FORMAT] [-o FILE]`. */
export async function runExport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("pins", args, {
    ...STORE_OPTION,
    format: { type: "string" },
    output: { type: "string", short: "o" },
  });
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${
        positionals[0]
      }" for "certpin pins export". Run "certpin pins --help" for usage.`,
    );
  }
  const format = values.format ?? "json";
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `Invalid value "${format}" for --format: expected ${
        EXPORT_FORMATS.join(", ")
      }.`,
    );
  }

  const store = openStore(values.store, io);
  const entries = await store.entries();
  const text = format === "json"
    ? formatPinStore(entries)
    : writeSdkFile(entries, sdkFormat(format), io);

  if (values.output === undefined) {
    io.stdout(text);
  } else {
    writeFileAtomic(values.output, text, 0o600);
    io.stderr(`Wrote ${entries.length} targets to ${values.output}.\n`);
  }
  return EXIT.ok;
}

function sdkFormat(format: string): SdkPinFileFormat {
  if (format === "checkpoint-java") return "java";
  if (format === "checkpoint-go") return "go";
  return "python";
}

/**
 * Writes entries as an SDK file. The fingerprints of the pinned certificate
 * count as pins, so a target pinned by SHA-256 still gets its SHA-1 for the
 * Python and Go formats. The pins of a target are tried one stored pin at a
 * time, in order, so a Go SDK chain is written only after the leaf it was
 * read with. Targets without the needed hash are left out, each with a
 * warning.
 */
function writeSdkFile(
  entries: readonly PinStoreEntry[],
  format: SdkPinFileFormat,
  io: CliIo,
): string {
  const writable: SdkPinWriteEntry[] = [];
  for (const entry of entries) {
    const candidates = entry.pins.map((record) => sdkEntry(entry, record));
    const candidate = candidates.find((item) =>
      sdkProblem(item, format) === undefined
    );
    if (candidate !== undefined) {
      writable.push(candidate);
      continue;
    }
    const allPins = { ...entry, pins: candidates.flatMap((item) => item.pins) };
    io.stderr(
      `certpin: left out ${formatHostPort(entry.host, entry.port)}: ${
        sdkProblem(allPins, format)
      }\n`,
    );
  }
  return writeSdkPinFile(writable, format);
}

/** Returns one stored pin as an SDK entry, with its certificate's hashes. */
function sdkEntry(entry: PinStoreEntry, record: PinRecord): SdkPinWriteEntry {
  return {
    host: entry.host,
    port: entry.port,
    pins: [
      record.pin,
      ...(record.certificate === undefined ? [] : [
        `SHA-1:${record.certificate.sha1}`,
        `SHA-256:${record.certificate.sha256}`,
      ]),
    ],
    ...(record.chain === undefined ? {} : { chain: record.chain }),
  };
}

/** Returns why an entry cannot be written in a format, or `undefined`. */
function sdkProblem(
  entry: SdkPinWriteEntry,
  format: SdkPinFileFormat,
): string | undefined {
  try {
    writeSdkPinFile([entry], format);
    return undefined;
  } catch (error) {
    if (!(error instanceof CertpinError)) throw error;
    return error.message;
  }
}
