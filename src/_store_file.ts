// Reading and writing the pin store's JSON text. Every problem in a file is
// reported with its line and column, because users edit the file by hand.

import { formatHostPort } from "./errors.ts";
import type { PinStoreEntry } from "./store_records.ts";
import { parseTarget, type Target } from "./target.ts";
import { JsonSyntaxError, scanJsonPositions } from "./_json_positions.ts";
import {
  FIRST_VERSION,
  invalidAt,
  STORE_VERSION,
  StoreReader,
} from "./_store_reader.ts";

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
  let version = FIRST_VERSION;
  for (const entry of entries) {
    targets[formatHostPort(entry.host, entry.port)] = {
      pins: entry.pins.map((record) => ({
        pin: record.pin.text,
        ...(record.chain === undefined || record.chain.length === 0 ? {} : {
          chain: record.chain.map((link) => link.text),
        }),
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
    if (entry.pins.some((record) => (record.chain?.length ?? 0) > 0)) {
      version = STORE_VERSION;
    }
  }
  return JSON.stringify({ version, targets }, null, 2) + "\n";
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
