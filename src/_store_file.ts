// Reading and writing the pin store's JSON text. Every problem in a file is
// reported with its line and column, because users edit the file by hand.

import { PinStoreError } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import type {
  PinnedCertificate,
  PinRecord,
  PinStoreEntry,
} from "./store_records.ts";
import { parseFingerprint } from "./parse.ts";
import { parseTarget, type Target } from "./target.ts";
import { formatHostPort } from "./errors.ts";
import {
  type JsonPathStep,
  JsonSyntaxError,
  lineAndColumn,
  pathKey,
  scanJsonPositions,
} from "./_json_positions.ts";

/** The format version this code reads and writes. */
export const STORE_VERSION = 1;

/**
 * Parses the text of a store file into entries keyed by `host:port`.
 *
 * @throws {PinStoreError} Naming the file, line and column of the first problem.
 */
export function decodeStore(
  text: string,
  path: string,
): Map<string, PinStoreEntry> {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let positions: Map<string, number>;
  try {
    positions = scanJsonPositions(body);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw invalidAt(path, body, error.offset, `invalid JSON: ${error.message}`);
  }
  const reader = new StoreReader(path, body, positions);
  return reader.read(JSON.parse(body));
}

/** Serializes entries as the text of a store file. */
export function encodeStore(entries: Iterable<PinStoreEntry>): string {
  const targets: Record<string, unknown> = {};
  for (const entry of entries) {
    targets[formatHostPort(entry.host, entry.port)] = {
      pins: entry.pins.map((record) => ({
        pin: record.pin.text,
        added: record.added.toISOString(),
        addedBy: record.addedBy,
        ...(record.certificate === undefined ? {} : {
          certificate: {
            subject: record.certificate.subject,
            validFrom: record.certificate.validFrom.toISOString(),
            validTo: record.certificate.validTo.toISOString(),
            sha256: record.certificate.sha256,
            sha1: record.certificate.sha1,
          },
        }),
      })),
    };
  }
  return JSON.stringify({ version: STORE_VERSION, targets }, null, 2) + "\n";
}

/** Returns a target as the store keeps it: host names lowercased. */
export function normalizeTarget(host: string, port: number): Target {
  return parseTarget(formatHostPort(host, port));
}

/** Returns the key under which the store keeps a target: `host:port`. */
export function targetKey(host: string, port: number): string {
  const target = normalizeTarget(host, port);
  return formatHostPort(target.host, target.port);
}

function invalidAt(
  path: string,
  text: string,
  offset: number,
  problem: string,
): PinStoreError {
  const { line, column } = lineAndColumn(text, offset);
  return new PinStoreError(
    `Invalid pin store ${path}, line ${line}, column ${column}: ${problem}. ` +
      "Correct that part of the file or restore it from a backup; certpin has left the file unchanged.",
    path,
  );
}

type JsonObject = Record<string, unknown>;

class StoreReader {
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
    if (value === undefined) {
      throw this.fail([], `"version" is missing; expected ${STORE_VERSION}`);
    }
    if (typeof value === "number" && Number.isInteger(value) && value > 1) {
      throw new PinStoreError(
        `Cannot read pin store ${this.path}: it has version ${value}, written by a newer certpin, and this certpin reads version ${STORE_VERSION} only. ` +
          "Upgrade certpin; the file was left unchanged.",
        this.path,
      );
    }
    if (value !== STORE_VERSION) {
      throw this.fail(
        ["version"],
        `"version" is ${JSON.stringify(value)}; expected ${STORE_VERSION}`,
      );
    }
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
    this.knownKeys(record, path, ["pin", "added", "addedBy", "certificate"]);
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
    if (record.certificate !== undefined) {
      result.certificate = this.certificate(record.certificate, [
        ...path,
        "certificate",
      ]);
    }
    return result;
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
