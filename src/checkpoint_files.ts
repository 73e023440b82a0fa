/**
 * Reading and writing the fingerprint files of Check Point's management API
 * SDKs, so pins move between certpin and existing SDK scripts. All three are
 * a JSON object from server to fingerprint:
 * - Python SDK `fingerprints.txt`: `{ "host": "SHA1 HEX" }`, uppercase hex
 *   without colons, keyed by host only;
 * - Java SDK `fingerprints.txt`: `{ "host:port": "SHA256 HEX" }`, uppercase
 *   hex without colons;
 * - Go SDK `fingerprints.json`: `{ "host": "hex" }`, the lowercase SHA-1 of
 *   every certificate of the server's chain, concatenated, leaf first.
 *
 * These functions only convert text; reading and writing the files is the
 * caller's part.
 *
 * @example
 * ```ts
 * import { readSdkPinFile, writeSdkPinFile } from "@certpin/certpin";
 * const text = await Deno.readTextFile("tests/fixtures/checkpoint-sdk-fingerprints.txt");
 * const { entries } = readSdkPinFile(text);
 * console.log(writeSdkPinFile(entries.map((entry) => ({ ...entry, pins: [entry.pin] })), "go"));
 * ```
 *
 * @module
 */

import {
  CertpinError,
  formatHostPort,
  InvalidFingerprintError,
  SdkPinFileError,
} from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { parseFingerprint } from "./parse.ts";
import { normalizePins, type PinInput } from "./match.ts";
import { parseTarget } from "./target.ts";
import type { HashAlgorithm } from "./types.ts";
import { toHex } from "./_encoding.ts";
import { cleanText, quoteForMessage } from "./_text.ts";
import {
  JsonSyntaxError,
  lineAndColumn,
  pathKey,
  scanJsonPositions,
} from "./_json_positions.ts";

/** The SDK whose fingerprints file format to write. */
export type SdkPinFileFormat = "python" | "java" | "go";

/** Every {@linkcode SdkPinFileFormat}, for validating a format given as text. */
export const SDK_PIN_FILE_FORMATS: readonly SdkPinFileFormat[] = Object.freeze(
  ["python", "java", "go"],
);

/** One server read from an SDK fingerprints file. */
export interface SdkPinEntry {
  /** Host name (lowercase) or IP address, without brackets. */
  host: string;
  /** TCP port: the one in a `host:port` key, otherwise 443. */
  port: number;
  /** The certificate fingerprint: SHA-1 or SHA-256, by the value's length. */
  pin: Fingerprint;
  /**
   * SHA-1 fingerprints of the certificates after the leaf, in order, when
   * the value was a Go SDK chain.
   */
  chain?: Fingerprint[];
  /** A remark on how the entry was read, such as taking the leaf of a chain. */
  note?: string;
}

/** An entry of an SDK fingerprints file that could not be read. */
export interface SdkPinProblem {
  /** The key of the entry, as in the file. */
  key: string;
  /** One-based line of the file on which the entry's value starts. */
  line: number;
  /** The reason the entry could not be read. */
  message: string;
}

/** The result of {@linkcode readSdkPinFile}: entries and problems. */
export interface SdkPinFile {
  /** The entries that could be read, in file order. */
  entries: SdkPinEntry[];
  /** One problem for each entry that could not be read, in file order. */
  problems: SdkPinProblem[];
}

/** One server to write to an SDK fingerprints file. */
export interface SdkPinWriteEntry {
  /** Host name or IP address, without brackets. */
  host: string;
  /** TCP port; 443 unless given. Only the Java format stores it. */
  port?: number;
  /**
   * The server's pins. The Python and Go formats take the certificate's
   * SHA-1 fingerprint from them, the Java format its SHA-256 fingerprint.
   */
  pins: readonly PinInput[];
  /**
   * Go format only: SHA-1 fingerprints of the certificates the server sends
   * after the leaf, in order. A self-signed certificate has none.
   */
  chain?: readonly PinInput[];
}

const SHA1_HEX_DIGITS = 40;

/**
 * Reads the JSON of a Python, Java or Go SDK fingerprints file. Values may
 * carry colons, lowercase hex and invisible characters. A Go SDK chain
 * value (a multiple of 40 hex digits) gives the leaf's SHA-1 as the pin, with
 * a note saying so. An entry that cannot be read is listed in `problems`,
 * with its line, instead of being dropped.
 *
 * @param text The file's text.
 * @returns The entries read and the problems found.
 * @throws {SdkPinFileError} When the text is not a JSON object, or has a
 * server twice; the message names the line and column.
 *
 * @example
 * ```ts
 * import { readSdkPinFile } from "@certpin/certpin";
 * const file = readSdkPinFile('{"192.0.2.10": "A6364D05E452696D0B86F1C64C9C7CD6B5A4254D"}');
 * console.log(file.entries[0]?.port, file.entries[0]?.pin.algorithm); // 443 SHA-1
 * ```
 */
export function readSdkPinFile(text: string): SdkPinFile {
  const json = text.replace(/^\uFEFF/, "");
  let positions: Map<string, number>;
  try {
    // The scanner gives the same message and position in every runtime, and
    // rejects a server given twice, which JSON.parse would silently drop.
    positions = scanJsonPositions(json);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, column } = lineAndColumn(json, error.offset);
    throw new SdkPinFileError(
      `Invalid SDK fingerprints file, line ${line}, column ${column}: ${error.message}. Expected a JSON object such as {"192.0.2.10": "A6364D05…"}.`,
      { cause: error },
    );
  }
  const data: unknown = JSON.parse(json);
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new SdkPinFileError(
      `Invalid SDK fingerprints file: expected a JSON object from server to fingerprint, found ${
        Array.isArray(data) ? "an array" : JSON.stringify(data)
      }.`,
    );
  }

  const file: SdkPinFile = { entries: [], problems: [] };
  for (const [key, value] of Object.entries(data)) {
    try {
      file.entries.push(readEntry(key, value));
    } catch (error) {
      if (!(error instanceof CertpinError)) throw error;
      const offset = positions.get(pathKey([key])) ?? 0;
      const { line } = lineAndColumn(json, offset);
      file.problems.push({ key, line, message: error.message });
    }
  }
  return file;
}

function readEntry(key: string, value: unknown): SdkPinEntry {
  const { host, port } = parseTarget(cleanText(key).text.trim());
  if (typeof value !== "string") {
    throw new SdkPinFileError(
      `Invalid entry ${quoteForMessage(key)}: the value is ${
        JSON.stringify(value)
      }, not a fingerprint string. Expected hex such as "A6364D05…".`,
    );
  }

  const digits = cleanText(value).text.replace(/[\s:-]/g, "");
  const isChain = /^[0-9a-f]+$/i.test(digits) &&
    digits.length > SHA1_HEX_DIGITS && digits.length % SHA1_HEX_DIGITS === 0;
  if (!isChain) return { host, port, pin: parseFingerprint(value) };

  const links: Fingerprint[] = [];
  for (let start = 0; start < digits.length; start += SHA1_HEX_DIGITS) {
    const hex = digits.slice(start, start + SHA1_HEX_DIGITS);
    links.push(parseFingerprint(`sha1:${hex}`));
  }
  const [leaf, ...chain] = links as [Fingerprint, ...Fingerprint[]];
  return {
    host,
    port,
    pin: leaf,
    chain,
    note: `Go SDK chain of ${
      chain.length + 1
    } certificates: pinned the leaf's SHA-1, the first 40 of ${digits.length} hex digits.`,
  };
}

/**
 * Writes entries as the fingerprints file of the Python, Java or Go SDK, so
 * existing SDK scripts find the pin. The Python and Go formats store the
 * certificate's SHA-1 keyed by host, so entries for one host on several
 * ports must agree. The Java format stores its SHA-256 keyed by `host:port`.
 *
 * @param entries The servers and their pins.
 * @param format The SDK whose format to write.
 * @returns The file's text: a JSON object, two-space indented, with a final
 * newline.
 * @throws {SdkPinFileError} When an entry has no certificate fingerprint of
 * the algorithm the format needs (a public-key pin or English words cannot be
 * written to these files), or two entries for one host disagree.
 * @throws {InvalidFingerprintError} When a pin given as text cannot be read.
 * @throws {TypeError} When `format` is not one of the formats, or an entry
 * has no pins.
 *
 * @example
 * ```ts
 * import { writeSdkPinFile } from "@certpin/certpin";
 * const text = writeSdkPinFile([
 *   { host: "192.0.2.10", pins: ["A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D"] },
 * ], "python");
 * console.log(text.trim()); // { "192.0.2.10": "A6364D05E452696D0B86F1C64C9C7CD6B5A4254D" }
 * ```
 */
export function writeSdkPinFile(
  entries: readonly SdkPinWriteEntry[],
  format: SdkPinFileFormat,
): string {
  if (!SDK_PIN_FILE_FORMATS.includes(format)) {
    throw new TypeError(
      `Cannot write an SDK fingerprints file as "${
        String(format)
      }": expected one of ${SDK_PIN_FILE_FORMATS.join(", ")}`,
    );
  }

  const file: Record<string, string> = {};
  for (const entry of entries) {
    const port = entry.port ?? 443;
    // NOTE: the Java SDK builds its key from the server and port it was
    // given; whether it brackets an IPv6 address is not known here.
    const key = format === "java"
      ? formatHostPort(entry.host, port)
      : entry.host;
    const value = sdkValue(entry, format);
    const previous = file[key];
    if (previous !== undefined && previous !== value) {
      throw new SdkPinFileError(
        `Cannot write ${entry.host} to a ${
          formatName(format)
        } fingerprints file: it has two different fingerprints for that host, ${previous} and ${value}, and the file keys servers by host only. Export one port at a time.`,
      );
    }
    file[key] = value;
  }
  return `${JSON.stringify(file, null, 2)}\n`;
}

function sdkValue(entry: SdkPinWriteEntry, format: SdkPinFileFormat): string {
  const algorithm: HashAlgorithm = format === "java" ? "SHA-256" : "SHA-1";
  const pins = normalizePins(entry.pins);
  const pin = pins.find((candidate) =>
    candidate.kind === "certificate" && !candidate.words &&
    candidate.algorithm === algorithm
  );
  if (pin === undefined) {
    throw new SdkPinFileError(
      `Cannot write ${entry.host} to a ${
        formatName(format)
      } fingerprints file: the file needs the certificate's ${algorithm} fingerprint, but the pins are ${
        pins.map((candidate) => quoteForMessage(candidate.text, 24)).join(", ")
      }. Public-key pins and English words cannot be written to SDK files; pin the certificate's ${algorithm} fingerprint as well.`,
    );
  }

  if (format === "go") {
    return [pin, ...goChain(entry)].map((link) => toHex(link.bytes)).join("");
  }
  return toHex(pin.bytes).toUpperCase();
}

function goChain(entry: SdkPinWriteEntry): Fingerprint[] {
  if (entry.chain === undefined || entry.chain.length === 0) return [];
  return normalizePins(entry.chain).map((link) => {
    if (
      link.kind === "certificate" && !link.words && link.algorithm === "SHA-1"
    ) {
      return link;
    }
    throw new InvalidFingerprintError(
      `Cannot write the chain of ${entry.host} to a Go SDK fingerprints file: ${
        quoteForMessage(link.text, 24)
      } is not a certificate's SHA-1 fingerprint, and the Go SDK stores the SHA-1 of each certificate.`,
      { input: link.text },
    );
  });
}

function formatName(format: SdkPinFileFormat): string {
  return { python: "Python SDK", java: "Java SDK", go: "Go SDK" }[format];
}
