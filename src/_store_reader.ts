// Checking the parsed JSON of a pin store file and turning it into
// entries. Every problem is reported with the line and column where it is.

import { InvalidFingerprintError, PinStoreError } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import type {
  PinnedCertificate,
  PinRecord,
  PinStoreEntry,
} from "./store_records.ts";
import { parseFingerprint } from "./parse.ts";
import { parseTarget } from "./target.ts";
import { formatHostPort } from "./errors.ts";
import {
  type JsonPathStep,
  lineAndColumn,
  pathKey,
} from "./_json_positions.ts";
/**
 * The newest format version this code reads and writes. Version 2 adds the
 * `chain` of a pin. A file whose pins have no chain is written as version 1,
 * so that certpin releases that read only version 1 can still read it.
 */
export const STORE_VERSION = 2;

/** The oldest format version, which this code writes when it can. */
export const FIRST_VERSION = 1;

export function invalidAt(
  path: string,
  text: string,
  offset: number,
  problem: string,
): PinStoreError {
  const { line, column } = lineAndColumn(text, offset);
  // A problem may quote a whole error message, which ends with its own period.
  const sentence = problem.replace(/\.$/, "");
  return new PinStoreError(
    `Invalid pin store ${path}, line ${line}, column ${column}: ${sentence}. ` +
      "Correct that part of the file or restore it from a backup; certpin has left the file unchanged.",
    path,
  );
}

type JsonObject = Record<string, unknown>;

export class StoreReader {
  /** The file's format version, once read. */
  fileVersion = FIRST_VERSION;

  constructor(
    readonly path: string,
    readonly text: string,
    readonly positions: Map<string, number>,
  ) {}

  read(value: unknown): Map<string, PinStoreEntry> {
    const root = this.object(value, [], "the file");
    this.version(root.version);
    this.knownKeys(root, [], ["version", "targets"]);
    const targets = this.object(root.targets, ["targets"], '"targets"');

    const entries = new Map<string, PinStoreEntry>();
    for (const [key, entryValue] of Object.entries(targets)) {
      const entry = this.entry(key, entryValue);
      entries.set(formatHostPort(entry.host, entry.port), entry);
    }
    return entries;
  }

  version(value: unknown): void {
    const expected = `${FIRST_VERSION} to ${STORE_VERSION}`;
    if (value === undefined) {
      throw this.fail([], `"version" is missing; expected ${expected}`);
    }
    if (
      typeof value === "number" && Number.isInteger(value) &&
      value > STORE_VERSION
    ) {
      throw new PinStoreError(
        `Cannot read pin store ${this.path}: it has version ${value}, written by a newer certpin, and this certpin reads versions ${expected} only. ` +
          "Upgrade certpin; the file was left unchanged.",
        this.path,
      );
    }
    if (
      typeof value !== "number" || !Number.isInteger(value) ||
      value < FIRST_VERSION
    ) {
      throw this.fail(
        ["version"],
        `"version" is ${JSON.stringify(value)}; expected ${expected}`,
      );
    }
    this.fileVersion = value;
  }

  entry(key: string, value: unknown): PinStoreEntry {
    const path = ["targets", key];
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseTarget(key));
    } catch (error) {
      throw this.fail(
        path,
        `target "${key}" is not a host:port (${
          error instanceof Error ? error.message : String(error)
        })`,
      );
    }
    const canonical = formatHostPort(host, port);
    if (canonical !== key) {
      throw this.fail(path, `target "${key}" must be written "${canonical}"`);
    }

    const entry = this.object(value, path, `target "${key}"`);
    this.knownKeys(entry, path, ["pins"]);
    const pins = entry.pins;
    if (!Array.isArray(pins) || pins.length === 0) {
      throw this.fail(
        [...path, ...(pins === undefined ? [] : ["pins"])],
        `"pins" of target "${key}" must be a non-empty array`,
      );
    }
    return {
      host,
      port,
      pins: pins.map((record, index) =>
        this.record(record, [...path, "pins", index])
      ),
    };
  }

  record(value: unknown, path: JsonPathStep[]): PinRecord {
    const record = this.object(value, path, "a pin");
    if (record.chain !== undefined && this.fileVersion < 2) {
      throw this.fail(
        [...path, "chain"],
        `"chain" needs "version": 2 or later, but the file has version ${this.fileVersion}`,
      );
    }
    this.knownKeys(record, path, [
      "pin",
      "chain",
      "added",
      "addedBy",
      "certificate",
    ]);
    const pinText = this.string(record.pin, path, "pin");
    let pin: Fingerprint;
    try {
      pin = parseFingerprint(pinText);
    } catch (error) {
      throw this.fail(
        [...path, "pin"],
        `invalid pin: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    const result: PinRecord = {
      pin,
      added: this.date(record.added, path, "added"),
      addedBy: this.string(record.addedBy, path, "addedBy"),
    };
    if (record.chain !== undefined) {
      result.chain = this.chain(record.chain, [...path, "chain"]);
    }
    if (record.certificate !== undefined) {
      result.certificate = this.certificate(record.certificate, [
        ...path,
        "certificate",
      ]);
    }
    return result;
  }

  chain(value: unknown, path: JsonPathStep[]): Fingerprint[] {
    if (!Array.isArray(value) || value.length === 0) {
      throw this.fail(
        path,
        '"chain" must be a non-empty array of SHA-1 fingerprints',
      );
    }
    return value.map((item: unknown, index) => {
      const link = typeof item === "string" ? readChainLink(item) : undefined;
      if (link === undefined) {
        throw this.fail(
          [...path, index],
          `item ${index + 1} of "chain" is ${
            JSON.stringify(item)
          }; expected a certificate's SHA-1 fingerprint such as "SHA-1:A6:36:4D:…"`,
        );
      }
      return link;
    });
  }

  certificate(value: unknown, path: JsonPathStep[]): PinnedCertificate {
    const fields = ["subject", "validFrom", "validTo", "sha256", "sha1"];
    const certificate = this.object(value, path, '"certificate"');
    this.knownKeys(certificate, path, fields);
    return {
      subject: this.string(certificate.subject, path, "subject"),
      validFrom: this.date(certificate.validFrom, path, "validFrom"),
      validTo: this.date(certificate.validTo, path, "validTo"),
      sha256: this.string(certificate.sha256, path, "sha256"),
      sha1: this.string(certificate.sha1, path, "sha1"),
    };
  }

  object(value: unknown, path: JsonPathStep[], what: string): JsonObject {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw this.fail(path, `${what} must be a JSON object`);
    }
    return value as JsonObject;
  }

  string(value: unknown, parent: JsonPathStep[], field: string): string {
    if (typeof value !== "string") {
      throw this.fail(
        value === undefined ? parent : [...parent, field],
        value === undefined
          ? `"${field}" is missing`
          : `"${field}" must be a string`,
      );
    }
    return value;
  }

  date(value: unknown, parent: JsonPathStep[], field: string): Date {
    const text = this.string(value, parent, field);
    const date = new Date(text);
    if (!/^\d{4}-\d\d-\d\dT/.test(text) || Number.isNaN(date.getTime())) {
      throw this.fail(
        [...parent, field],
        `"${field}" is "${text}"; expected an ISO 8601 time such as 2026-01-31T12:00:00.000Z`,
      );
    }
    return date;
  }

  knownKeys(value: JsonObject, path: JsonPathStep[], known: string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        throw this.fail(
          [...path, key],
          `unknown property "${key}"; expected ${
            known.map((name) => `"${name}"`).join(", ")
          }`,
        );
      }
    }
  }

  fail(path: JsonPathStep[], problem: string): PinStoreError {
    const offset = this.positions.get(pathKey(path)) ?? 0;
    return invalidAt(this.path, this.text, offset, problem);
  }
}

/** Reads a certificate's SHA-1 fingerprint, or returns `undefined`. */
function readChainLink(text: string): Fingerprint | undefined {
  let link: Fingerprint;
  try {
    link = parseFingerprint(text);
  } catch (error) {
    if (error instanceof InvalidFingerprintError) return undefined;
    throw error;
  }
  const isCertificateSha1 = link.kind === "certificate" &&
    link.algorithm === "SHA-1" && !link.words;
  return isCertificateSha1 ? link : undefined;
}
