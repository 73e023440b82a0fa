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
import { parseTarget } from "../target.ts";
import { statSync } from "node:fs";
import { writeFileAtomic } from "../atomic_write.ts";
import {
  type CliIo,
  describeFileError,
  EXIT,
  parseCommandArgs,
  UsageError,
} from "./_common.ts";
import { formatCount, openStore, STORE_OPTION } from "./_store_options.ts";

/** The values `certpin pins export --format` accepts. */
export const EXPORT_FORMATS = [
  "json",
  "checkpoint",
  "checkpoint-python",
  "checkpoint-java",
  "checkpoint-go",
] as const;

/**
 * The SDK formats keyed by host name alone. Their SDKs connect to the port
 * they are configured with, and reading such a file back gives port 443.
 */
const HOST_ONLY_FORMATS: ReadonlySet<SdkPinFileFormat> = new Set([
  "python",
  "go",
]);

const FORMAT_NAMES: Record<SdkPinFileFormat, string> = {
  python: "Python SDK",
  java: "Java SDK",
  go: "Go SDK",
};

/**
 * Runs `certpin pins export [--format FORMAT] [--target HOST:PORT]...
 * [-o FILE]`.
 */
export async function runExport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("pins", args, {
    ...STORE_OPTION,
    format: { type: "string" },
    target: { type: "string", multiple: true },
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
  const targets = values.target ?? [];
  const entries = selectTargets(await store.entries(), targets, store.path);
  const { text, written } = format === "json"
    ? { text: formatPinStore(entries), written: entries.length }
    : writeSdkFile(entries, format, targets.length > 0, io);

  if (values.output === undefined) {
    io.stdout(text);
  } else {
    writeExportFile(values.output, text);
    io.stderr(
      `Wrote ${formatCount(written, "target")} to ${values.output}.\n`,
    );
  }
  return EXIT.ok;
}

/**
 * Returns the entries named by `--target`, in store order, or every entry
 * when none is named.
 *
 * @throws {UsageError} When a named target has no pins in the store.
 */
function selectTargets(
  entries: readonly PinStoreEntry[],
  targets: readonly string[],
  storePath: string,
): PinStoreEntry[] {
  if (targets.length === 0) return [...entries];
  const names = new Set<string>();
  for (const text of targets) {
    const { host, port } = parseTarget(text);
    const name = formatHostPort(host, port);
    if (!entries.some((entry) => targetName(entry) === name)) {
      throw new UsageError(
        `No pins stored for ${name} in ${storePath}, so it cannot be exported. "certpin pins list" shows the stored targets.`,
      );
    }
    names.add(name);
  }
  return entries.filter((entry) => names.has(targetName(entry)));
}

function targetName(entry: { host: string; port: number }): string {
  return formatHostPort(entry.host, entry.port);
}

function sdkFormat(format: string): SdkPinFileFormat {
  if (format === "checkpoint-java") return "java";
  if (format === "checkpoint-go") return "go";
  return "python";
}

/**
 * Writes entries as an SDK file and counts the targets written. The
 * fingerprints of the pinned certificate count as pins, so a target pinned
 * by SHA-256 still gets its SHA-1 for the Python and Go formats. The pins
 * of a target are tried one stored pin at a time, in order, so a Go SDK
 * chain is written only after the leaf it was read with. Targets without
 * the needed hash are left out, each with a warning.
 *
 * The Python and Go formats have no port. A target on another port than
 * 443 is left out with a warning, unless `--target` selected it: then it is
 * written under its host name, for an SDK client set to that port.
 *
 * @throws {UsageError} When two selected targets of one host have
 * different fingerprints and the format keys servers by host name alone.
 */
function writeSdkFile(
  entries: readonly PinStoreEntry[],
  formatOption: string,
  selected: boolean,
  io: CliIo,
): { text: string; written: number } {
  const format = sdkFormat(formatOption);
  const hostOnly = HOST_ONLY_FORMATS.has(format);
  const writable: SdkPinWriteEntry[] = [];
  for (const entry of entries) {
    const name = targetName(entry);
    const portless = hostOnly && entry.port !== 443;
    if (portless && !selected) {
      io.stderr(
        `certpin: Left out ${name}: a ${
          FORMAT_NAMES[format]
        } fingerprints file keys servers by host name alone, and reading it back gives port 443. ` +
          `To write it under "${entry.host}" for an SDK client set to port ${entry.port}, add --target ${name}.\n`,
      );
      continue;
    }

    const chosen = chooseSdkEntry(entry, format);
    if (typeof chosen === "string") {
      io.stderr(`certpin: Left out ${name}: ${chosen}\n`);
      continue;
    }
    writable.push(chosen);
    if (portless) {
      io.stderr(
        `certpin: Wrote ${name} as "${entry.host}": a ${
          FORMAT_NAMES[format]
        } fingerprints file has no port, so importing it again gives ${
          formatHostPort(entry.host, 443)
        }.\n`,
      );
    }
  }

  if (hostOnly) rejectSharedHosts(writable, format, formatOption);
  return { text: writeSdkPinFile(writable, format), written: writable.length };
}

/**
 * Chooses the first stored pin of a target that the format can hold, as an
 * SDK entry, or returns why none can be written.
 */
function chooseSdkEntry(
  entry: PinStoreEntry,
  format: SdkPinFileFormat,
): SdkPinWriteEntry | string {
  const candidates = entry.pins.map((record) => sdkEntry(entry, record));
  const candidate = candidates.find((item) =>
    sdkProblem([item], format) === undefined
  );
  if (candidate !== undefined) return candidate;
  const allPins = { ...entry, pins: candidates.flatMap((item) => item.pins) };
  return sdkProblem([allPins], format) ?? allPins;
}

/**
 * Rejects targets of one host on several ports whose fingerprints differ,
 * because a host-only format can hold one fingerprint per host.
 */
function rejectSharedHosts(
  writable: readonly SdkPinWriteEntry[],
  format: SdkPinFileFormat,
  formatOption: string,
): void {
  const byHost = new Map<string, SdkPinWriteEntry[]>();
  for (const entry of writable) {
    byHost.set(entry.host, [...(byHost.get(entry.host) ?? []), entry]);
  }
  for (const [host, group] of byHost) {
    if (group.length < 2 || sdkProblem(group, format) === undefined) continue;
    const names = group.map((entry) => formatHostPort(host, entry.port ?? 443));
    throw new UsageError(
      `Cannot export ${names.join(" and ")} to one ${
        FORMAT_NAMES[format]
      } fingerprints file: it keys servers by host name alone, and their fingerprints differ. ` +
        `Export one of them, such as: certpin pins export --format ${formatOption} --target ${
          names[0]
        }`,
    );
  }
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

/** Returns why entries cannot be written in a format, or `undefined`. */
function sdkProblem(
  entries: readonly SdkPinWriteEntry[],
  format: SdkPinFileFormat,
): string | undefined {
  try {
    writeSdkPinFile(entries, format);
    return undefined;
  } catch (error) {
    if (!(error instanceof CertpinError)) throw error;
    return error.message;
  }
}

/**
 * Writes the exported text to the `-o` file atomically, with mode 0600, and
 * turns file system errors into usage errors that name the file.
 */
function writeExportFile(path: string, text: string): void {
  const fail = (reason: string): never => {
    throw new UsageError(
      `Cannot write the export to -o "${path}": ${reason}. Give a file name, such as "${
        path.replace(/\/+$/, "")
      }/pins.json".`,
    );
  };
  let directory = false;
  try {
    directory = statSync(path).isDirectory();
  } catch {
    // A missing file is the usual case; writing it reports any other problem.
  }
  if (directory) fail("it is a directory (EISDIR)");
  try {
    writeFileAtomic(path, text, 0o600);
  } catch (error) {
    fail(describeFileError(error));
  }
}
